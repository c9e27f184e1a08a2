// The ISD-R channel of an eUICC inside a modem (issue 12), plus the one thing only a modem can
// do to its SIM (issue 13): make the modem re-read it, so that after a profile switch the modem
// attaches with the new profile. Each carrier has its own way, written in its link: QMI UIM
// Power Off SIM + Power On SIM, MBIM MS UICC Low Level Access Reset, AT+CFUN=0 + AT+CFUN=1.
// Which way a switch uses is the daemon's choice (daemon/modem_sim_restart.h); the links only
// carry it out.
#pragma once

#include "apdu/channel_link.h"

namespace euiccd::modem {

class ModemLink : public apdu::ChannelLink {
 public:
  // Makes the modem restart its SIM in this carrier's way and returns once the modem has
  // confirmed each step, every wait bounded. Whatever channel was open is gone on the card
  // afterwards: the link forgets it and counts a reset (reset_count()), and the next open()
  // opens a new one; the link itself stays usable. Connects first when needed. Throws
  // euiccd::Error: NotSupported when the modem refuses the command as unknown, Timeout when
  // it stays silent past the bound, what the carrier says otherwise.
  virtual void restart_sim() = 0;
};

}  // namespace euiccd::modem
