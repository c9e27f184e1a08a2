// The ISD-R channel over MBIM (issue 12): libmbim-glib opens the modem's MBIM port through
// mbim-proxy, as ModemManager does (MBIM_DEVICE_OPEN_FLAGS_PROXY), and carries MS UICC Low
// Level Access Open Channel / APDU / Close Channel, whose information buffers our codec
// (modem/mbim/services.h) builds and reads; libmbim only moves the bytes
// (docs/modem-research.md section 4). Its SIM restart (issue 13) is MS UICC Low Level Access
// Reset with pass-through off.
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

namespace euiccd::modem::mbim {

struct MbimLinkOptions {
  std::string device_path;  // the MBIM port (/dev/cdc-wdm0, /dev/wwan0mbim0), or a pty
  // SIM slot, 1-based (MBIM slot index + 1). LLA reaches only the slot the modem's executor
  // uses: when another slot is configured, the link maps it (MS Basic Connect Extensions
  // Device Slot Mappings), which switches the modem's active SIM, as lpac does.
  uint32_t slot = 1;
  bool use_proxy = true;  // through mbim-proxy (shared with ModemManager), spawned if absent
  // Bound of every wait: opening the device, each MBIM command.
  std::chrono::milliseconds timeout{10000};
};

class MbimChannelLink final : public ModemLink {
 public:
  explicit MbimChannelLink(MbimLinkOptions options);
  ~MbimChannelLink() override;  // close(): never throws
  MbimChannelLink(const MbimChannelLink&) = delete;
  MbimChannelLink& operator=(const MbimChannelLink&) = delete;

  // Connects first when needed (device, proxy, slot): after a modem reset or a lost proxy the
  // next open() starts over. Throws as ChannelLink says; NoReader when the device or the proxy
  // cannot be opened.
  apdu::OpenedChannel open(const std::vector<Bytes>& aids) override;
  Bytes transmit(ByteView command_apdu) override;
  // Closes the logical channel, then the device; every step bounded, errors swallowed.
  void close() noexcept override;
  void reattach() override;
  apdu::Protocol protocol() const override { return apdu::Protocol::T1; }
  uint64_t reset_count() const override;
  // Closes the channel, then UICC Reset (set, pass-through action disable): the modem resets
  // the card and reads it again as a telecom UICC. Bounded by the timeout.
  void restart_sim() override;

  // MBIM command/response round trips made so far (OPEN/CLOSE of libmbim not counted).
  uint64_t round_trips() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace euiccd::modem::mbim
