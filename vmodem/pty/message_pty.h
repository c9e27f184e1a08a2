// The device node of an emulated modem whose port carries framed messages (QMI's QMUX, MBIM):
// a raw pty whose slave is symlinked at a path of the caller's choosing (like /dev/cdc-wdm0).
// Debian's qmi-proxy / mbim-proxy open the slave as they would a real modem's port. Answers
// may be held back (latency, a slow fault); a hang-up (modem reset) replaces the pty, and its
// link, with a new one, as a real device node that comes back after a reset.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace euiccd::vmodem {

// What the modem does with one message from the host.
struct PtyAction {
  std::vector<std::pair<Bytes, std::chrono::milliseconds>> replies;  // message, send after
  bool hang_up = false;  // close the device (modem reset): the pty goes away
};

// One emulated modem's protocol, as the pty loop needs it.
struct MessageModem {
  // The size of the message starting the buffer, nullopt while its header is incomplete;
  // throws euiccd::Error for bytes that cannot start a message (the input is dropped).
  std::function<std::optional<size_t>(ByteView)> message_size;
  std::function<PtyAction(ByteView)> handle;
  std::function<void()> reset;  // after a hang-up: the modem restarts
};

struct MessagePtyOptions {
  std::string link_path;  // where the device appears (a symlink to the pty's slave)
  bool verbose = false;   // log messages to stderr
  const char* kind = "";  // "QMI", "MBIM": for the log
};

// Serves `modem` on the pty until `stop`; removes the link. Returns the exit status.
int run_message_pty(const MessageModem& modem, const MessagePtyOptions& options,
                    const std::atomic<bool>& stop);

}  // namespace euiccd::vmodem
