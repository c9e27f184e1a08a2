// The connection to vsmartcard's vpcd (the pcscd driver): veuicc is the TCP client. Frames
// both ways are a 2-byte big-endian length + bytes; a 1-byte frame from vpcd is a control
// code (00 power off, 01 power on, 02 reset, 04 get ATR), anything longer a C-APDU.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "veuicc/card.h"
#include "veuicc/faults.h"

namespace euiccd::veuicc {

struct LinkOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 35963;
  unsigned connect_timeout_ms = 10000;  // for the first connect and for each reconnect
  bool verbose = false;
};

// Serves the card until `stop` is set (returns 0), vpcd stays away longer than the connect
// timeout (1 on the first connect, 0 after a session: pcscd went away), or a --remove-at
// without --remove-for-ms (0).
int run_vpcd_link(Card& card, const LinkOptions& options, const FaultPlan& faults,
                  const std::atomic<bool>& stop);

}  // namespace euiccd::veuicc
