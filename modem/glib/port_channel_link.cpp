#include "modem/glib/port_channel_link.h"

#include <algorithm>
#include <optional>

#include "modem/glib/device_session.h"

namespace euiccd::modem::glib {

namespace {

// close() spends at most this long per step, whatever the configured timeout.
constexpr std::chrono::milliseconds kCloseStepBound{2000};

std::chrono::milliseconds close_step(const DeviceSession& s) {
  return std::min(s.timeout(), kCloseStepBound);
}

void close_channel(DeviceSession& s, std::chrono::milliseconds bound) noexcept {
  if (!s.channel) return;
  const uint8_t number = *s.channel;
  s.channel.reset();
  try {
    s.close_channel(number, bound);
  } catch (...) {
    // The channel is gone with the modem, or the card drops it at its next reset.
  }
}

void close_device(DeviceSession& s, std::chrono::milliseconds bound) noexcept {
  if (s.has_device() && !s.removed) {
    try {
      s.close_device(bound);
    } catch (...) {
    }
  }
  s.drop_device();
}

void connect(DeviceSession& s) {
  if (s.has_device() && !s.removed) return;
  s.forget_if_removed();
  s.drop_device();
  s.open_device();
}

}  // namespace

PortChannelLink::PortChannelLink(std::unique_ptr<DeviceSession> session)
    : session_(std::move(session)) {
  check_port_options(session_->names().protocol, session_->device_path(), session_->slot(),
                     session_->timeout());
}

PortChannelLink::~PortChannelLink() {
  close();
}

apdu::OpenedChannel PortChannelLink::open(const std::vector<Bytes>& aids) {
  DeviceSession& s = *session_;
  ContextScope scope(s.context());
  // One channel per link: a second open replaces the first.
  close_channel(s, close_step(s));
  connect(s);
  for (const Bytes& aid : aids) {
    if (std::optional<apdu::OpenedChannel> opened = s.open_channel(aid)) {
      s.channel = opened->number;
      opened->aid = aid;
      return *opened;
    }
    // The card has no such application: try the next AID.
  }
  throw s.no_isd_r(s.slot(), aids);
}

Bytes PortChannelLink::transmit(ByteView command_apdu) {
  DeviceSession& s = *session_;
  ContextScope scope(s.context());
  if (!s.channel || s.removed || !s.has_device()) {
    if (s.removed) s.lost(s.names().apdu_command);
    throw s.no_channel();
  }
  return s.send_apdu(*s.channel, command_apdu);
}

void PortChannelLink::close() noexcept {
  if (!session_) return;
  DeviceSession& s = *session_;
  ContextScope scope(s.context());
  const std::chrono::milliseconds bound = close_step(s);
  close_channel(s, bound);
  close_device(s, bound);
}

void PortChannelLink::restart_sim() {
  DeviceSession& s = *session_;
  ContextScope scope(s.context());
  close_channel(s, close_step(s));
  connect(s);
  s.restart_card();
}

void PortChannelLink::reattach() {
  // The card no longer knows our channel (6881): it was reset without the modem saying so.
  session_->channel_lost();
}

uint64_t PortChannelLink::reset_count() const {
  return session_->resets;
}

uint64_t PortChannelLink::round_trips() const {
  return session_->round_trips;
}

}  // namespace euiccd::modem::glib
