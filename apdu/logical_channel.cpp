#include "apdu/logical_channel.h"

#include <string>

#include "lpa/error.h"

namespace euiccd::apdu {
namespace {

constexpr uint8_t kInsManageChannel = 0x70;
constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsGetResponse = 0xC0;

std::string hex(ByteView b) {
  return to_hex(b);
}

}  // namespace

Bytes gsma_isd_r_aid() {
  return from_hex("A0000005591010FFFFFFFF8900000100");
}

std::vector<Bytes> default_isd_r_aids() {
  return {gsma_isd_r_aid(), from_hex("A0000005591010000000008900000300"),
          from_hex("A0000005591010FFFFFFFF8900050500")};
}

LogicalChannel::LogicalChannel(Card& card, std::vector<Bytes> aids)
    : card_(card), aids_(std::move(aids)) {
  if (aids_.empty()) throw Error(Errc::InvalidArgument, "no ISD-R AID to select was given");
  for (const auto& aid : aids_) {
    if (aid.size() < 5 || aid.size() > 16) {
      throw Error(Errc::InvalidArgument,
                  "AID " + hex(aid) + " is not 5 to 16 bytes long (ISO 7816-5)");
    }
  }
}

LogicalChannel::~LogicalChannel() {
  try {
    close();
  } catch (...) {
    // The card may be gone already; nothing useful to do with the error here.
  }
}

bool LogicalChannel::still_valid() const {
  return open_ && card_.reset_count() == opened_at_reset_count_;
}

Response LogicalChannel::send_raw(const Bytes& apdu) {
  stats_.apdus++;
  stats_.bytes_out += apdu.size();
  Bytes raw = card_.transmit(apdu);
  stats_.bytes_in += raw.size();
  if (raw.size() < 2) {
    throw Error(Errc::Malformed, "the card answered " + hex(apdu) + " with " +
                                     std::to_string(raw.size()) +
                                     " bytes, less than a status word");
  }
  Response r;
  r.sw = static_cast<uint16_t>(raw[raw.size() - 2] << 8 | raw[raw.size() - 1]);
  raw.resize(raw.size() - 2);
  r.data = std::move(raw);
  return r;
}

Response LogicalChannel::exchange(const Command& command, uint8_t channel) {
  Command c = command;
  // T=0 carries no Le on a case-4 command: the data comes back through 61xx + GET RESPONSE
  // (ETSI TS 102 221 §7.3.1.1.4).
  if (card_.protocol() == Protocol::T0 && !c.data.empty()) c.le.reset();

  // Only the first APDU can be retried after a reset: it never reached the card. A reset
  // later means the command ran and its answer is lost.
  Response r = send_raw(c.encode(channel));
  try {
    if (sw1(r.sw) == sw::kWrongLe) {  // the card tells the right Le: resend once with it
      c.le = sw2(r.sw);
      r = send_raw(c.encode(channel));
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
      r = send_raw(get.encode(channel));
      if (sw1(r.sw) == sw::kWrongLe) {
        get.le = sw2(r.sw);
        r = send_raw(get.encode(channel));
      }
      append(data, r.data);
      if (data.size() > kMaxResponseSize) {
        throw Error(Errc::Malformed, "the card's response grew beyond " +
                                         std::to_string(kMaxResponseSize) +
                                         " bytes through GET RESPONSE");
      }
    }
    if (sw1(r.sw) == sw::kProactivePending) proactive_pending_ = sw2(r.sw);
    r.data = std::move(data);
    return r;
  } catch (const CardResetError& e) {
    throw Error(Errc::CardRemoved,
                std::string("the card was reset while its answer was being read: ") + e.what());
  }
}

void LogicalChannel::open() {
  if (still_valid()) return;
  open_ = false;
  const uint64_t reset_count = card_.reset_count();

  Command manage{0x00, kInsManageChannel, 0x00, 0x00, {}, 0x01};
  Response opened = exchange(manage, 0);
  if (!opened.ok()) throw_for_status(opened.sw, "opening a logical channel (MANAGE CHANNEL)");
  if (opened.data.size() != 1 || opened.data[0] == 0 || opened.data[0] > kMaxLogicalChannel) {
    throw Error(Errc::Malformed, "MANAGE CHANNEL answered " + hex(opened.data) +
                                     " instead of one channel number between 1 and 19");
  }
  number_ = opened.data[0];
  open_ = true;
  opened_at_reset_count_ = reset_count;

  std::string tried;
  for (const auto& aid : aids_) {
    Command select{0x00, kInsSelect, 0x04, 0x00, aid, std::nullopt};
    Response r;
    try {
      r = exchange(select, number_);
    } catch (...) {
      open_ = false;
      throw;
    }
    if (r.ok()) {
      selected_aid_ = aid;
      fci_ = std::move(r.data);
      return;
    }
    if (r.sw != sw::kFileNotFound) {
      const std::string context =
          "selecting the ISD-R " + hex(aid) + " on logical channel " + std::to_string(number_);
      try {
        close();
      } catch (const Error&) {
        // The SELECT failure is the error worth reporting.
      }
      throw_for_status(r.sw, context);
    }
    tried += (tried.empty() ? "" : ", ") + hex(aid);
  }
  try {
    close();
  } catch (const Error&) {
  }
  throw Error(Errc::NotSupported,
              "this card is not an eUICC, or its ISD-R has an unknown AID: "
              "it answered 6A82 (not found) to SELECT of " +
                  tried + " (add the card's ISD-R AID to the configuration)");
}

void LogicalChannel::close() {
  if (!still_valid()) {  // a reset already closed it on the card
    open_ = false;
    return;
  }
  open_ = false;
  Command manage{0x00, kInsManageChannel, 0x80, number_, {}, 0x00};
  Response r = exchange(manage, 0);
  if (!r.ok()) {
    throw_for_status(r.sw, "closing logical channel " + std::to_string(number_));
  }
}

Response LogicalChannel::transmit(const Command& command) {
  open();
  Response r;
  try {
    r = exchange(command, number_);
  } catch (const Error& e) {
    if (e.code() == Errc::CardRemoved) open_ = false;  // the channel does not survive that
    throw;
  }
  if (r.sw == sw::kLogicalChannelNotSupported) {
    // The card no longer knows the channel it opened for us: it was reset and PC/SC did not
    // say so (a reader that lost and found the card between two polls). The command did not
    // run. Treated as the reset it is, so the caller opens a new channel and whoever held a
    // session on the card learns that it is gone (the reset count).
    open_ = false;
    card_.reconnect();
    throw CardResetError("the card no longer knows logical channel " + std::to_string(number_) +
                         " (6881): it was reset without the reader reporting it; the command "
                         "was not run");
  }
  return r;
}

}  // namespace euiccd::apdu
