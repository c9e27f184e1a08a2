#include "apdu/response_procedure.h"

#include <string>

#include "base/error.h"

namespace euiccd::apdu {
namespace {

constexpr uint8_t kInsGetResponse = 0xC0;

Response send_counted(const SendApdu& send, const Bytes& apdu, TransportStats& stats) {
  stats.apdus++;
  stats.bytes_out += apdu.size();
  Bytes raw = send(apdu);
  stats.bytes_in += raw.size();
  if (raw.size() < 2) {
    throw Error(Errc::Malformed, "the card answered " + to_hex(apdu) + " with " +
                                     std::to_string(raw.size()) +
                                     " bytes, less than a status word");
  }
  Response r;
  r.sw = static_cast<uint16_t>(raw[raw.size() - 2] << 8 | raw[raw.size() - 1]);
  raw.resize(raw.size() - 2);
  r.data = std::move(raw);
  return r;
}

}  // namespace

Response run_command(const SendApdu& send, Protocol protocol, const Command& command,
                     uint8_t channel, TransportStats& stats) {
  Command c = command;
  // T=0 carries no Le on a case-4 command: the data comes back through 61xx + GET RESPONSE
  // (ETSI TS 102 221 §7.3.1.1.4).
  if (protocol == Protocol::T0 && !c.data.empty()) c.le.reset();

  // Only the first APDU can be retried after a reset: it never reached the card. A reset
  // later means the command ran and its answer is lost.
  Response r = send_counted(send, c.encode(channel), stats);
  try {
    if (sw1(r.sw) == sw::kWrongLe) {  // the card tells the right Le: resend once with it
      c.le = sw2(r.sw);
      r = send_counted(send, c.encode(channel), stats);
    }
    Bytes data = std::move(r.data);
    int rounds = 0;
    while (sw1(r.sw) == sw::kResponseAvailable) {
      if (++rounds > kMaxGetResponses) {
        throw Error(Errc::Malformed, "the card kept answering 61xx after " +
                                         std::to_string(kMaxGetResponses) +
                                         " GET RESPONSE commands");
      }
      Command get{0x00, kInsGetResponse, 0x00, 0x00, {}, sw2(r.sw)};
      r = send_counted(send, get.encode(channel), stats);
      if (sw1(r.sw) == sw::kWrongLe) {
        get.le = sw2(r.sw);
        r = send_counted(send, get.encode(channel), stats);
      }
      append(data, r.data);
      if (data.size() > kMaxResponseSize) {
        throw Error(Errc::Malformed, "the card's response grew beyond " +
                                         std::to_string(kMaxResponseSize) +
                                         " bytes through GET RESPONSE");
      }
    }
    r.data = std::move(data);
    return r;
  } catch (const CardResetError& e) {
    throw Error(Errc::CardRemoved,
                std::string("the card was reset while its answer was being read: ") + e.what());
  }
}

}  // namespace euiccd::apdu
