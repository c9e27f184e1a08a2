// The ISD-R channel over MBIM (issue 12): libmbim-glib opens the modem's MBIM port through
// mbim-proxy, as ModemManager does (MBIM_DEVICE_OPEN_FLAGS_PROXY), and carries MS UICC Low
// Level Access Open Channel / APDU / Close Channel, whose information buffers our codec
// (modem/mbim/services.h) builds and reads; libmbim only moves the bytes
// (docs/modem-research.md section 4). LLA reaches only the SIM slot the modem's executor uses:
// when another slot is configured, the link maps it (MS Basic Connect Extensions Device Slot
// Mappings), which switches the modem's active SIM, as lpac does. Its SIM restart (issue 13) is
// MS UICC Low Level Access Reset with pass-through off (the modem resets the card and reads it
// again as a telecom UICC), bounded by the timeout.
// The outline and how GLib runs: modem/glib/port_channel_link.h.
#pragma once

#include "modem/glib/port_channel_link.h"

namespace euiccd::modem::mbim {

using MbimLinkOptions = glib::PortLinkOptions;

class MbimChannelLink final : public glib::PortChannelLink {
 public:
  explicit MbimChannelLink(MbimLinkOptions options);
};

}  // namespace euiccd::modem::mbim
