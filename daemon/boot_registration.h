// Whether the modem carrying a profile is registered on a network, asked of ModemManager once
// (blocking: run it on an Executor, never on the loop). The boot policy asks this
// RegistrationTimeoutSec after it enabled a profile.
#pragma once

#include <string>

namespace euiccd::daemon {

struct RegistrationCheck {
  enum class Result {
    Registered,     // the modem with this SIM is registered (Modem.State >= registered)
    NotRegistered,  // no modem carries the SIM, or it is there but not registered
    Unknown,        // ModemManager is not on the bus (or failed): nobody can tell
  };
  Result result = Result::Unknown;
  std::string detail;  // for the journal: which modem, its state, or what failed
};

// `bus_address` "" = the system bus, else a D-Bus address.
RegistrationCheck check_registration(const std::string& bus_address, const std::string& iccid);

}  // namespace euiccd::daemon
