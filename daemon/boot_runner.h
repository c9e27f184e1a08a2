// Carries out what the configuration asks for when an eUICC appears (at start or on hotplug):
// nicknames from [Profile:<ICCID>] sections, then the boot policy's rounds (daemon/
// boot_policy.h decides, this runs the enables through the eUICC's worker and reports back).
//
// When the policy wants the registration watched, one sd-event timer fires
// RegistrationTimeoutSec later (no polling) and ModemManager is asked once, on a background
// thread, whether the modem carrying the profile is registered (daemon/boot_registration.h).
// Not registered, or no modem with that SIM: the policy hears "did not register" and moves on.
// ModemManager absent: nobody can tell, so the profile counts as registered (and the log
// says so). On an eUICC inside a modem the enable is a switch (daemon/profile_switch.h) that
// waits for the registration itself and rolls back when it fails: its outcome is the attempt's.
#pragma once

#include <systemd/sd-event.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/boot_policy.h"
#include "daemon/boot_registration.h"
#include "daemon/config.h"
#include "daemon/euicc.h"
#include "daemon/executor.h"
#include "daemon/log.h"
#include "daemon/loop_queue.h"
#include "sdbus/sdbus.h"

namespace euiccd::daemon {

class BootRunner {
 public:
  // Loop thread, which must run sd_event_default() (the runner arms its timers there).
  // `modem_manager_bus`: "system" (or "") for the system bus, else a D-Bus address (tests).
  explicit BootRunner(const Config& config, const std::string& modem_manager_bus = "system");
  ~BootRunner();  // drops pending watches, waits for a running ModemManager query
  BootRunner(const BootRunner&) = delete;
  BootRunner& operator=(const BootRunner&) = delete;

  // Loop thread.
  void euicc_appeared(const std::shared_ptr<Euicc>& euicc);

 private:
  // One profile whose registration is awaited.
  struct Watch {
    std::weak_ptr<Euicc> euicc;
    std::vector<BootAttempt> attempts;
    std::string iccid;
    LogFields fields;
  };

  void apply_nicknames(const std::shared_ptr<Euicc>& euicc);
  void step(const std::weak_ptr<Euicc>& euicc, std::vector<BootAttempt> attempts);
  void watch_registration(Watch watch);
  static int on_timeout(sd_event_source* source, uint64_t usec, void* userdata);
  void check_registration_now(Watch watch);
  void registration_known(Watch watch, const RegistrationCheck& check);

  const Config& config_;
  std::string modem_manager_address_;  // "" = the system bus
  sdbus::Event event_;
  struct Armed {
    sdbus::EventSource timer;
    Watch watch;
  };
  std::map<sd_event_source*, Armed> watches_;  // by timer
  // Declared before the worker: the worker's tasks post here, so it goes first.
  std::unique_ptr<LoopQueue> loop_;
  std::unique_ptr<Executor> worker_;  // started at the first watch
};

}  // namespace euiccd::daemon
