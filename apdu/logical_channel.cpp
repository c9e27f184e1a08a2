#include "apdu/logical_channel.h"

#include <string>

#include "base/error.h"

namespace euiccd::apdu {

Bytes gsma_isd_r_aid() {
  return from_hex("A0000005591010FFFFFFFF8900000100");
}

std::vector<Bytes> default_isd_r_aids() {
  return {gsma_isd_r_aid(), from_hex("A0000005591010000000008900000300"),
          from_hex("A0000005591010FFFFFFFF8900050500")};
}

namespace {

std::vector<Bytes> checked_aids(std::vector<Bytes> aids) {
  if (aids.empty()) throw Error(Errc::InvalidArgument, "no ISD-R AID to select was given");
  for (const auto& aid : aids) {
    if (aid.size() < 5 || aid.size() > 16) {
      throw Error(Errc::InvalidArgument,
                  "AID " + to_hex(aid) + " is not 5 to 16 bytes long (ISO 7816-5)");
    }
  }
  return aids;
}

}  // namespace

LogicalChannel::LogicalChannel(ChannelLink& link, std::vector<Bytes> aids)
    : link_(link), aids_(checked_aids(std::move(aids))) {}

LogicalChannel::LogicalChannel(Card& card, std::vector<Bytes> aids)
    : own_link_(std::make_unique<BasicChannelLink>(card, &stats_)),
      link_(*own_link_),
      aids_(checked_aids(std::move(aids))) {}

LogicalChannel::~LogicalChannel() {
  close();
}

bool LogicalChannel::still_valid() const {
  return open_ && link_.reset_count() == opened_at_reset_count_;
}

void LogicalChannel::open() {
  if (still_valid()) return;
  open_ = false;
  const uint64_t reset_count = link_.reset_count();
  OpenedChannel opened = link_.open(aids_);
  number_ = opened.number;
  selected_aid_ = std::move(opened.aid);
  fci_ = std::move(opened.select_response);
  open_ = true;
  opened_at_reset_count_ = reset_count;
}

void LogicalChannel::close() {
  if (!still_valid()) {  // a reset already closed it on the card
    open_ = false;
    return;
  }
  open_ = false;
  link_.close();
}

Response LogicalChannel::transmit(const Command& command) {
  open();
  Response r;
  try {
    r = run_command([this](ByteView apdu) { return link_.transmit(apdu); }, link_.protocol(),
                    command, number_, stats_);
  } catch (const Error& e) {
    if (e.code() == Errc::CardRemoved) open_ = false;  // the channel does not survive that
    throw;
  }
  if (r.sw == sw::kLogicalChannelNotSupported) {
    // The card no longer knows the channel it opened for us: it was reset and the carrier did
    // not say so (a reader that lost and found the card between two polls). The command did
    // not run. Treated as the reset it is, so the caller opens a new channel and whoever held
    // a session on the card learns that it is gone (the reset count).
    open_ = false;
    link_.reattach();
    throw CardResetError("the card no longer knows logical channel " + std::to_string(number_) +
                         " (6881): it was reset without the reader reporting it; the command "
                         "was not run");
  }
  if (sw1(r.sw) == sw::kProactivePending) proactive_pending_ = sw2(r.sw);
  return r;
}

}  // namespace euiccd::apdu
