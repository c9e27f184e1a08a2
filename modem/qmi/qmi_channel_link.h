// The ISD-R channel over QMI (issue 12): libqmi-glib opens the modem's QMI port through
// qmi-proxy, as ModemManager does, allocates a UIM client, and carries UIM Open Logical Channel
// 0x0042 / Send APDU 0x003B / Logical Channel 0x003F, which Debian 12's libqmi 1.32 has no
// typed calls for, as generic messages whose TLVs our codec (modem/qmi/uim.h) builds and reads
// (docs/modem-research.md sections 1 and 2).
// The outline and how GLib runs: modem/glib/port_channel_link.h.
#pragma once

#include "modem/glib/port_channel_link.h"

namespace euiccd::modem::qmi {

using QmiLinkOptions = glib::PortLinkOptions;

class QmiChannelLink final : public glib::PortChannelLink {
 public:
  explicit QmiChannelLink(QmiLinkOptions options);
};

}  // namespace euiccd::modem::qmi
