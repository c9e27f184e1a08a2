// The emulated MBIM modem's device node: a raw pty whose slave is symlinked at a path of the
// caller's choosing (like /dev/cdc-wdm0), read and written as a stream of MBIM messages. Debian's
// mbim-proxy opens the slave as it would a real modem's port. A hang-up fault (modem reset)
// closes the pty and makes a new one at the same path, as a modem that comes back.
#pragma once

#include <atomic>
#include <string>

#include "vmodem/mbim/mbim_modem.h"

namespace euiccd::vmodem::mbim {

struct MbimPtyOptions {
  std::string link_path;  // where the pty's slave is symlinked (replaced if it exists)
  bool verbose = false;   // log messages to stderr
};

// Serves `modem` until `stop` is set; returns 0. Throws Error(Internal) when no pty can be
// made or the link cannot be written.
int run_mbim_pty(MbimModem& modem, const MbimPtyOptions& options, const std::atomic<bool>& stop);

}  // namespace euiccd::vmodem::mbim
