// `euiccctl enable` / `disable` on an eUICC inside a modem: the call is a profile switch that
// replies only when the modem is back online (or rolled back), so the stages of its Job
// (inhibiting, switching, waiting-for-modem, registering, ...) are shown as they come, from
// PropertiesChanged of the eUICC's ActiveJob and the Job's Stage.
#pragma once

#include <functional>
#include <string>

#include "euiccctl/bus.h"

namespace euiccctl {

// Calls `method` on the profile at `profile_path` and prints each new stage to stderr
// ("  waiting-for-modem"); throws BusCallError as Bus::call does. True when ModemManager showed
// the modem back with the new SIM (the Job had a "verifying" stage); false when the daemon
// could not check (no ModemManager, or a modem it does not manage).
bool call_showing_stages(Bus& bus, const std::string& profile_path, const char* method);

}  // namespace euiccctl
