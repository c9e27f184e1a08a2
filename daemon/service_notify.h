// systemd service manager notifications (sd_notify): READY=1, STATUS=, STOPPING=1. No-ops
// when not started by systemd (NOTIFY_SOCKET unset). The watchdog (WATCHDOG=1 every half of
// WATCHDOG_USEC) is sd-event's own: sd_event_set_watchdog, set up in main().
#pragma once

#include <string>

namespace euiccd::daemon {

void notify_ready(const std::string& status);
void notify_status(const std::string& status);
void notify_stopping(const std::string& status);

}  // namespace euiccd::daemon
