// The emulated QMI modem's device node: a raw pty whose slave is symlinked at a path of the
// caller's choosing (like /dev/cdc-wdm0), read and written as a QMUX byte stream. Debian's
// qmi-proxy opens the slave as it would a real modem's port. A hang-up fault (modem reset)
// closes the pty and makes a new one at the same path, as a modem that comes back.
#pragma once

#include <atomic>
#include <string>

#include "vmodem/qmi/qmi_modem.h"

namespace euiccd::vmodem::qmi {

struct QmiPtyOptions {
  std::string link_path;  // where the pty's slave is symlinked (replaced if it exists)
  bool verbose = false;   // log frames to stderr
};

// Serves `modem` until `stop` is set; returns 0. Throws Error(Internal) when no pty can be
// made or the link cannot be written.
int run_qmi_pty(QmiModem& modem, const QmiPtyOptions& options, const std::atomic<bool>& stop);

}  // namespace euiccd::vmodem::qmi
