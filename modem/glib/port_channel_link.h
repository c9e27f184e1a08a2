// The outline the QMI and MBIM links share (issue 12): connect when needed, try the ISD-R AIDs
// in order, keep the one logical channel, send APDUs on it, count resets, close in steps that
// are each bounded and never throw, and restart the SIM (issue 13: close the channel, connect,
// the protocol's restart). The protocol (which requests, which answers mean what)
// is a link's DeviceSession (modem/glib/device_session.h), whose hooks this outline calls.
//
// GLib runs on a GMainContext of the link's own, pushed as the thread default on the calling
// thread (the card's worker) for each call and iterated only until the reply or the deadline,
// never on the daemon's event loop. Nothing of GLib shows in this header or in the QMI and MBIM
// link headers that include it: the daemon core must not see GLib (the links live in the
// dlopen'd modem-glib.so, daemon/modem_glib_module.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apdu/channel_link.h"
#include "modem/modem_link.h"

namespace euiccd::modem::glib {

class DeviceSession;

// What a QMI or MBIM link is given.
struct PortLinkOptions {
  std::string device_path;  // the port (/dev/cdc-wdm0, /dev/wwan0mbim0), or an emulated one's pty
  // SIM slot, 1-based: QMI's UIM logical slot (up to 255), or MBIM's slot index + 1 (see
  // MbimChannelLink).
  uint32_t slot = 1;
  // Through qmi-proxy / mbim-proxy (shared with ModemManager), spawned if absent.
  bool use_proxy = true;
  // Bound of every wait: opening the device, allocating a client, each request.
  std::chrono::milliseconds timeout{10000};
};

class PortChannelLink : public ModemLink {
 public:
  ~PortChannelLink() override;  // close(): never throws
  PortChannelLink(const PortChannelLink&) = delete;
  PortChannelLink& operator=(const PortChannelLink&) = delete;

  // Connects first when needed (device, proxy, client or slot): after a modem reset or a lost
  // proxy, the next open() starts over. Throws as ChannelLink says; NoReader when the device
  // or the proxy cannot be opened.
  apdu::OpenedChannel open(const std::vector<Bytes>& aids) final;
  Bytes transmit(ByteView command_apdu) final;
  // Closes the logical channel, then the device (releasing a client first); every step
  // bounded, errors swallowed.
  void close() noexcept final;
  void reattach() final;
  apdu::Protocol protocol() const final { return apdu::Protocol::T1; }
  uint64_t reset_count() const final;
  // Closes the channel, connects when needed, then the protocol's restart
  // (DeviceSession::restart_card); ModemLink says the rest.
  void restart_sim() final;

  // The protocol's request/response round trips made so far (the library's own control
  // traffic, such as QMI CTL or MBIM OPEN/CLOSE, not counted).
  uint64_t round_trips() const;

 protected:
  // Checks the session's options (InvalidArgument).
  explicit PortChannelLink(std::unique_ptr<DeviceSession> session);
  DeviceSession& session() { return *session_; }

 private:
  std::unique_ptr<DeviceSession> session_;
};

}  // namespace euiccd::modem::glib
