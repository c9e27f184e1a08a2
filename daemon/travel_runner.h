// Carries out the travel policy ([TravelPolicy], daemon/travel_policy.h decides) for every
// eUICC inside a modem. It listens to ModemManager's signals (any property of its modems —
// registration, operator code, USSD session, calls — and modems coming and going) on a
// connection of its own; each burst of them makes one read of ModemManager's modems on a
// background thread (daemon/switch_modem_manager.h, what the switch itself reads), after which
// the policy is asked for each eUICC. A Switch runs the same switch job as Enable()
// (Euicc::enable, operation "travel-switch"); a decision held back by the hold-off or the rate
// limit arms an sd-event timer for when it ends; one held back by a job asks again when the job
// ends. Every switch and every decision held back is a journal line; the state per eUICC is
// kept on the eUICC (Euicc::travel_view: the D-Bus TravelPolicy property) and announced through
// on_changed; on_switch is the PolicySwitch signal. Loop thread only. Off (no connection, no
// thread) unless [TravelPolicy] Enabled=.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "daemon/euicc.h"
#include "daemon/executor.h"
#include "daemon/loop_queue.h"
#include "daemon/switch_modem_manager.h"
#include "daemon/travel_policy.h"
#include "daemon/travel_view.h"
#include "sdbus/sdbus.h"

namespace euiccd::daemon {

class TravelRunner {
 public:
  // `modem_manager_bus`: "system" (or "") for the system bus, else a D-Bus address (tests).
  TravelRunner(sd_event* event, const TravelConfig& config, std::string modem_manager_bus);
  ~TravelRunner();  // stop()
  TravelRunner(const TravelRunner&) = delete;
  TravelRunner& operator=(const TravelRunner&) = delete;

  // Subscribes to ModemManager's signals (when the policy is on).
  void start();
  // Drops the connection, the timers and the eUICCs; waits for a running read.
  void stop();

  void euicc_appeared(const std::shared_ptr<Euicc>& euicc);
  void euicc_removed(const std::shared_ptr<Euicc>& euicc);

  // PauseTravelPolicy/ResumeTravelPolicy. Throws Error(NotSupported) for an eUICC that is not
  // in a modem, Error(WrongState) when the policy is off.
  void set_paused(const Euicc& euicc, bool paused);

  // The eUICC's travel_view() changed (the TravelPolicy property).
  std::function<void(unsigned index)> on_changed;
  // The policy started a switch: from → to (ICCIDs; "" = none), why, the switch job's id.
  std::function<void(unsigned index, const std::string& from, const std::string& to,
                     const std::string& reason, uint64_t job_id)>
      on_switch;

 private:
  struct Tracked {
    std::weak_ptr<Euicc> euicc;
    bool paused = false;
    std::vector<TravelSwitch> history;  // oldest first, the last hour's (and the last one)
    std::optional<TravelDecision> last;
    uint64_t last_switch_usec = 0;
    std::string enabled_seen;  // the enabled ICCID when last looked at (a switch by hand)
    bool switching = false;    // the policy's own switch runs
    sdbus::EventSource timer;  // ask_again_at
    Subscribers<>::Token job_ended;
  };

  static int on_signal(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_timer(sd_event_source* source, uint64_t usec, void* self);
  void request_read();
  void modems_read(std::optional<std::vector<SwitchModem>> modems);
  void evaluate(unsigned index, Tracked& tracked);
  void carry_out(unsigned index, Tracked& tracked, const TravelDecision& decision);
  void remember(unsigned index, Tracked& tracked, TravelDecision decision);
  void arm_timer(Tracked& tracked, std::optional<TravelClock::time_point> at);
  TravelNetwork network_of(const Euicc& euicc, TravelBusy& busy) const;
  void note_switch_by_hand(Tracked& tracked);
  // Puts the state on the eUICC (Euicc::travel_view) and tells on_changed.
  void publish(unsigned index, const Tracked& tracked);

  sd_event* event_;
  const TravelConfig& config_;
  std::string bus_address_;  // "" = the system bus
  sdbus::Bus bus_;
  std::vector<sdbus::Slot> matches_;
  std::map<unsigned, Tracked> tracked_;             // by eUICC index: modem eUICCs only
  std::optional<std::vector<SwitchModem>> modems_;  // the last read; nullopt: no ModemManager
  bool reading_ = false;
  bool read_again_ = false;
  // Declared before the worker: the worker's reads post here, so it goes first.
  std::unique_ptr<LoopQueue> loop_;
  // The worker's ModemManager connection, kept between reads; used on its thread only.
  std::shared_ptr<std::optional<SwitchModemManager>> connection_ =
      std::make_shared<std::optional<SwitchModemManager>>();
  std::unique_ptr<Executor> worker_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace euiccd::daemon
