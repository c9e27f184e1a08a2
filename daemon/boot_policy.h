// The boot policy: which profile to enable when an eUICC appears ([Boot] in euiccd.conf).
// Pure logic, no I/O: the daemon feeds it what the card holds and how its own attempts went
// in this round, carries out the returned action and, while `watch_registration` is set,
// reports the outcome as a BootAttempt and asks again. Each answer carries a sentence for the
// log. The daemon (boot_runner) asks ModemManager once RegistrationTimeoutSec has passed; with
// no ModemManager on the bus it cannot know and reports Ok.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "daemon/config.h"

namespace euiccd::daemon {

struct InstalledProfile {
  std::string iccid;
  bool enabled = false;
};

enum class AttemptOutcome {
  Ok,             // enabled, and (when a modem is watched) registered in time
  EnableRefused,  // the card or its policy rules refused to enable it
  NotRegistered,  // enabled, but the modem did not register within RegistrationTimeoutSec
};

// One step the daemon took in this round (since the eUICC appeared), oldest first.
struct BootAttempt {
  std::string iccid;
  AttemptOutcome outcome = AttemptOutcome::Ok;
};

struct BootAction {
  enum class Kind {
    Enable,       // enable `iccid`
    KeepCurrent,  // `iccid` is the enabled profile and stays
    NothingToDo,  // no preference applies (none configured / installed / left to try)
  };
  Kind kind = Kind::NothingToDo;
  std::string iccid;
  // Wait up to RegistrationTimeoutSec for the modem on `iccid`, report a BootAttempt and ask
  // again. False: the round is over.
  bool watch_registration = false;
  std::string reason;  // for the journal: what was decided and why
};

// `attempts` holds this round's reported outcomes; an ICCID that failed is not tried again in
// the same round, so the policy always ends. With fallback off, the first failure ends the
// round where it stands.
BootAction next_boot_action(const BootConfig& config, std::span<const InstalledProfile> installed,
                            std::span<const BootAttempt> attempts);

}  // namespace euiccd::daemon
