// The ISD-R channel over MBIM (issue 12): libmbim-glib opens the modem's MBIM port through
// mbim-proxy, as ModemManager does (MBIM_DEVICE_OPEN_FLAGS_PROXY), and carries MS UICC Low
// Level Access Open Channel / APDU / Close Channel, whose information buffers our codec
// (modem/mbim/services.h) builds and reads; libmbim only moves the bytes
// (docs/modem-research.md section 4).
//
// GLib runs on a GMainContext of the link's own, pushed as the thread default on the calling
// thread (the card's worker) for each call and iterated only until the reply or the deadline,
// never on the daemon's event loop. Nothing of GLib shows in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "modem/glib/port_channel_link.h"

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

class MbimChannelLink final : public glib::PortChannelLink {
 public:
  explicit MbimChannelLink(MbimLinkOptions options);
};

}  // namespace euiccd::modem::mbim
