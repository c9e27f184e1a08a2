// The ISD-R channel over QMI (issue 12): libqmi-glib opens the modem's QMI port through
// qmi-proxy, as ModemManager does, allocates a UIM client, and carries UIM Open Logical Channel
// 0x0042 / Send APDU 0x003B / Logical Channel 0x003F, which Debian 12's libqmi 1.32 has no
// typed calls for, as generic messages whose TLVs our codec (modem/qmi/uim.h) builds and reads
// (docs/modem-research.md sections 1 and 2). Its SIM restart (issue 13) is UIM Power Off SIM
// then Power On SIM for its slot.
//
// GLib runs on a GMainContext of the link's own, pushed as the thread default on the calling
// thread (the card's worker) for each call and iterated only until the reply or the deadline,
// never on the daemon's event loop. Nothing of GLib shows in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apdu/channel_link.h"
#include "modem/modem_link.h"

namespace euiccd::modem::qmi {

struct QmiLinkOptions {
  std::string device_path;  // the QMI port (/dev/cdc-wdm0), or an emulated device's pty
  uint8_t slot = 1;         // UIM logical slot (1-based)
  bool use_proxy = true;    // through qmi-proxy (shared with ModemManager), spawned if absent
  // Bound of every wait: opening the device, allocating the client, each UIM request.
  std::chrono::milliseconds timeout{10000};
  // How long the SIM stays powered off in restart_sim() before Power On SIM (lpac's opt-in
  // power cycle waits 1 s too, estkme-group/lpac#450).
  std::chrono::milliseconds sim_off_time{1000};
};

class QmiChannelLink final : public ModemLink {
 public:
  explicit QmiChannelLink(QmiLinkOptions options);
  ~QmiChannelLink() override;  // close(): never throws
  QmiChannelLink(const QmiChannelLink&) = delete;
  QmiChannelLink& operator=(const QmiChannelLink&) = delete;

  // Connects first when needed (device, proxy, UIM client): after a modem reset or a lost
  // proxy, the next open() starts over. Throws as ChannelLink says; NoReader when the device
  // or the proxy cannot be opened.
  apdu::OpenedChannel open(const std::vector<Bytes>& aids) override;
  Bytes transmit(ByteView command_apdu) override;
  // Closes the logical channel, then releases the UIM client and closes the device; every
  // step bounded, errors swallowed.
  void close() noexcept override;
  void reattach() override;
  apdu::Protocol protocol() const override { return apdu::Protocol::T1; }
  uint64_t reset_count() const override;
  // Closes the channel, then UIM Power Off SIM, sim_off_time, UIM Power On SIM (slot TLV =
  // options.slot), each request bounded by the timeout. A failed Power On leaves the SIM off:
  // the error says so.
  void restart_sim() override;

  // QMI request/response round trips made so far (CTL traffic of libqmi not counted).
  uint64_t round_trips() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace euiccd::modem::qmi
