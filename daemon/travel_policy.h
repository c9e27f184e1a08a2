// The travel policy ([TravelPolicy] in euiccd.conf): which profile a modem's eUICC should have
// enabled in the country the modem is in. Pure logic, no I/O and no clock of its own: the
// daemon (daemon/travel_runner.h) gathers what ModemManager and the card show, asks, carries
// out a Switch with the same switch job as Enable(), and asks again when something changes or
// when `ask_again_at` comes. Every answer carries a sentence for the journal and the
// TravelPolicy property.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "daemon/config.h"

namespace euiccd::daemon {

// The policy's clock: monotonic (a wall clock set back must not lift the rate limit).
using TravelClock = std::chrono::steady_clock;

// What ModemManager shows of the modem holding the eUICC.
struct TravelNetwork {
  bool modem_present = false;       // ModemManager lists the modem
  int32_t state = 0;                // Modem `State` (MMModemState)
  uint32_t registration_state = 0;  // Modem3gpp `RegistrationState` (MMModem3gppRegistrationState)
  std::string operator_code;        // Modem3gpp `OperatorCode`: MCC + MNC, "" when unknown
};

struct TravelProfile {
  std::string iccid;
  std::string nickname;
  bool enabled = false;
};

// What must not be cut off by a switch.
struct TravelBusy {
  bool call = false;  // a voice call on the modem (Modem.Voice `Calls`)
  bool ussd = false;  // a USSD session (Modem3gpp.Ussd `State` active / user-response)
  std::string job;    // the eUICC's running job ("download", "switch", ...), "" = none
};

// One switch on the eUICC, automatic or by hand (the hold-off counts both, the rate limit only
// the automatic ones).
struct TravelSwitch {
  TravelClock::time_point at;
  bool automatic = true;
};

struct TravelInputs {
  TravelNetwork network;
  std::span<const TravelProfile> profiles;
  TravelBusy busy;
  bool paused = false;
  TravelClock::time_point now;
  std::span<const TravelSwitch> history;  // oldest first
};

struct TravelDecision {
  enum class Kind {
    Switch,    // enable `iccid`
    HeldBack,  // `iccid` is wanted, but not now (busy, hold-off, rate limit)
    Stay,      // nothing to do (right profile, unknown country, paused, no profile, ...)
  };
  Kind kind = Kind::Stay;
  std::string iccid;    // Switch/HeldBack: the profile wanted
  std::string country;  // the MCC the modem sees, "" when it cannot tell
  std::string reason;   // for the journal and the property: what and why
  // HeldBack by the hold-off or the rate limit: when that ends (nothing will say so otherwise).
  std::optional<TravelClock::time_point> ask_again_at;

  bool operator==(const TravelDecision&) const = default;
};

// The MCC of the network the modem is registered on or can only register on (searching,
// denied, emergency only, with an operator code); "" when the modem tells none.
std::string travel_country(const TravelNetwork& network);

TravelDecision decide_travel(const TravelConfig& config, const TravelInputs& inputs);

// "switch", "held-back", "stay": the TravelPolicy property's LastDecision.
const char* travel_decision_name(TravelDecision::Kind kind);

}  // namespace euiccd::daemon
