// Puts the emulated AT modem on a pseudo-terminal: the modem side holds the master, the slave
// (/dev/pts/N) is what a host program opens as its AT port, and a symlink at a stable path
// points at it, as /dev/ttyUSB2 would. Both ends are raw, so the line discipline neither
// echoes nor rewrites CR/LF: echo comes only from the modem (ATE1), as on real hardware.
#pragma once

#include <atomic>
#include <string>

#include "veuicc/card.h"
#include "vmodem/at/at_modem.h"

namespace euiccd::vmodem::at {

// Serves `card` as an AT modem until `stop` is set; the symlink at `link_path` is replaced if
// it exists and removed at the end. Prints "veuicc: AT modem on <link> -> <slave>" once ready.
// Returns the process exit code.
int run_pty_modem(veuicc::Card& card, const AtModemOptions& options, const std::string& link_path,
                  const std::atomic<bool>& stop);

}  // namespace euiccd::vmodem::at
