#include "modem/at/basic_channel.h"

#include <string>

#include "apdu/command.h"
#include "apdu/status_words.h"
#include "lpa/error.h"

namespace euiccd::modem::at {
namespace {

constexpr uint8_t kInsManageChannel = 0x70;
constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsGetResponse = 0xC0;
constexpr int kMaxGetResponses = 16;  // an FCI is a few dozen bytes

uint16_t split_sw(Bytes& response) {
  if (response.size() < 2) {
    throw Error(Errc::Malformed, "the card answered with " + std::to_string(response.size()) +
                                     " bytes, less than a status word");
  }
  const auto sw = static_cast<uint16_t>(response[response.size() - 2] << 8 | response.back());
  response.resize(response.size() - 2);
  return sw;
}

}  // namespace

apdu::OpenedChannel open_on_basic_channel(const ApduSender& send, const std::vector<Bytes>& aids) {
  Bytes opened = send(apdu::Command{0x00, kInsManageChannel, 0x00, 0x00, {}, 0x01}.encode(0));
  const uint16_t open_sw = split_sw(opened);
  if (!apdu::is_success(open_sw)) {
    apdu::throw_for_status(open_sw, "opening a logical channel (MANAGE CHANNEL over AT+CSIM)");
  }
  if (opened.size() != 1 || opened[0] == 0 || opened[0] > apdu::kMaxLogicalChannel) {
    throw Error(Errc::Malformed, "MANAGE CHANNEL answered " + to_hex(opened) +
                                     " instead of one channel number between 1 and 19");
  }
  const uint8_t channel = opened[0];
  std::string tried;
  for (const Bytes& aid : aids) {
    Bytes answer =
        send(apdu::Command{0x00, kInsSelect, 0x04, 0x00, aid, std::nullopt}.encode(channel));
    uint16_t sw = split_sw(answer);
    for (int round = 0; apdu::sw1(sw) == apdu::sw::kResponseAvailable; ++round) {
      if (round == kMaxGetResponses) {
        throw Error(Errc::Malformed, "the card kept answering 61xx to GET RESPONSE after SELECT");
      }
      Bytes more =
          send(apdu::Command{0x00, kInsGetResponse, 0x00, 0x00, {}, apdu::sw2(sw)}.encode(channel));
      sw = split_sw(more);
      append(answer, more);
    }
    if (apdu::is_success(sw)) return apdu::OpenedChannel{channel, aid, std::move(answer)};
    if (sw != apdu::sw::kFileNotFound) {
      try {
        close_on_basic_channel(send, channel);
      } catch (const Error&) {
        // The SELECT failure is the error worth reporting.
      }
      apdu::throw_for_status(sw, "selecting the ISD-R " + to_hex(aid) + " on logical channel " +
                                     std::to_string(channel) + " over AT+CSIM");
    }
    tried += (tried.empty() ? "" : ", ") + to_hex(aid);
  }
  try {
    close_on_basic_channel(send, channel);
  } catch (const Error&) {
  }
  throw Error(Errc::NotSupported,
              "the card answered 6A82 (not found) to SELECT of " + tried +
                  " over AT+CSIM: it is not an eUICC, or its ISD-R has another AID (add the "
                  "card's ISD-R AID to the configuration)");
}

void close_on_basic_channel(const ApduSender& send, uint8_t channel) {
  Bytes r = send(apdu::Command{0x00, kInsManageChannel, 0x80, channel, {}, 0x00}.encode(0));
  const uint16_t sw = split_sw(r);
  if (!apdu::is_success(sw)) {
    apdu::throw_for_status(sw, "closing logical channel " + std::to_string(channel));
  }
}

}  // namespace euiccd::modem::at
