// What the travel policy (daemon/travel_runner.h) says of one eUICC: the D-Bus TravelPolicy
// property's fields, kept on the eUICC (Euicc::travel_view) so the D-Bus object reads it like
// the rest of its state.
#pragma once

#include <cstdint>
#include <string>

namespace euiccd::daemon {

// What the TravelPolicy property shows of one eUICC.
struct TravelView {
  bool enabled = false;  // the policy is on and the eUICC is in a modem
  bool paused = false;
  std::string last_decision;  // "switch", "held-back", "stay"; "" before the first
  std::string last_reason;
  uint64_t last_switch_usec = 0;  // CLOCK_REALTIME of the last automatic switch; 0 = none
  std::string country;            // the MCC the modem sees, "" when unknown
};

}  // namespace euiccd::daemon
