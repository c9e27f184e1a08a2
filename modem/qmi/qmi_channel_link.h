// The ISD-R channel over QMI (issue 12): libqmi-glib opens the modem's QMI port through
// qmi-proxy, as ModemManager does, allocates a UIM client, and carries UIM Open Logical Channel
// 0x0042 / Send APDU 0x003B / Logical Channel 0x003F, which Debian 12's libqmi 1.32 has no
// typed calls for, as generic messages whose TLVs our codec (modem/qmi/uim.h) builds and reads
// (docs/modem-research.md sections 1 and 2). Its SIM restart (issue 13) is UIM Power Off SIM,
// sim_off_time, then Power On SIM for its slot (slot TLV), each request bounded by the timeout;
// a failed Power On leaves the SIM off, and the error says so.
// The outline and how GLib runs: modem/glib/port_channel_link.h.
#pragma once

#include <chrono>

#include "modem/glib/port_channel_link.h"

namespace euiccd::modem::qmi {

struct QmiLinkOptions : glib::PortLinkOptions {
  // How long the SIM stays powered off in restart_sim() before Power On SIM (lpac's opt-in
  // power cycle waits 1 s too, estkme-group/lpac#450).
  std::chrono::milliseconds sim_off_time{1000};
};

class QmiChannelLink final : public glib::PortChannelLink {
 public:
  explicit QmiChannelLink(QmiLinkOptions options);
};

}  // namespace euiccd::modem::qmi
