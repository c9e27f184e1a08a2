// A profile switch on an eUICC inside a modem, as one Job (Operation "switch"): the card's
// Enable or Disable is only the middle of it. The modem has to re-read its SIM, ModemManager has
// to let go of the modem where the transport needs the port (AT) and find it again (under a new
// object path), the modem has to report the new SIM and register on a network. Stages, in order:
//
//   inhibiting        ModemManager InhibitDevice(uid, true): AT ports, or a CFUN restart
//   switching         the card's Enable/Disable (refreshFlag when the modem's way is Refresh)
//   restarting-sim    CardConnection::restart_sim for the other ways
//   releasing         InhibitDevice(uid, false)
//   waiting-for-modem ModemManager's modem with the same `Device` is back (any object path)
//   verifying         its SIM reports the new ICCID (after a Disable: no SIM profile)
//   registering       Enable only: registered (daemon/boot_registration.h) within the timeout
//   done
//
// Any failure after the card changed: stage "rolling-back", then the same stages towards the
// previous state (no second rollback), and the job fails with RolledBack, or SwitchFailed when
// the rollback failed too; both messages name the failed step. A failure before the card changed
// (the card refused the Enable) ends the job with that error, nothing to roll back. Without
// ModemManager on the bus the switch is the card's change and the SIM restart alone (the log
// says that nothing could be verified).
#pragma once

#include <string>

#include "daemon/card_backend.h"
#include "daemon/engine_settings.h"

namespace euiccd::daemon {

class CardSession;
class JobContext;

// Where the switch happens: what the Euicc knows of its modem.
struct SwitchTarget {
  std::string transport;     // "at", "qmi", "mbim"
  std::string port;          // the endpoint's device: /dev/ttyUSB2, a pty in tests
  std::string modem_object;  // ModemManager's modem when known, else ""
  SimRestart way = SimRestart::Refresh;
};

struct SwitchRequest {
  bool enable = true;  // false: Disable
  std::string iccid;   // the profile to enable or disable
};

// Runs the switch on the card's worker thread (a Job body), reporting stages through `context`.
// Throws euiccd::Error as described above.
void run_profile_switch(CardSession& session, JobContext& context, const SwitchTarget& target,
                        const SwitchRequest& request, const SwitchSettings& settings);

// The endpoint's device from a modem endpoint key ("at:/dev/ttyUSB2#1" → "/dev/ttyUSB2").
std::string endpoint_port(const std::string& key);

}  // namespace euiccd::daemon
