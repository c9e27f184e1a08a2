// Whether the modem carrying a profile is registered on a network, asked of ModemManager once
// (blocking: run it on an Executor, never on the loop). The boot policy asks this
// RegistrationTimeoutSec after it enabled a profile.
#pragma once

#include <cstdint>
#include <string>

namespace euiccd::daemon {

// Whether a modem is on a network, from ModemManager's Modem `State` (MMModemState: registered
// and above) or its Modem3gpp `RegistrationState` (home or roaming, also "CSFB not preferred";
// 0 when the modem has no 3GPP interface). One rule for the boot policy and the profile switch.
bool modem_registered(int32_t state, uint32_t registration_state);
// "home", "roaming", "searching", ... for the journal and error texts.
std::string registration_state_name(uint32_t registration_state);

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
