// The eUICCs the daemon serves, kept in step with each card backend's devices (PC/SC readers):
// a card that appears is probed on a fresh worker (EID + snapshot) and published; a card that
// goes away is shut down and unpublished. A card keeps its index for the daemon's lifetime (by
// EID), so a reinserted card comes back at the same D-Bus path. An eUICC whose modem leaves in
// the middle of a profile switch (ModemManager inhibits it, the SIM restarts) stays: the switch
// is waiting for that modem to come back, and once it has ended the devices are looked at again.
// Loop thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/card_backend.h"
#include "daemon/card_worker.h"
#include "daemon/engine_settings.h"
#include "daemon/euicc.h"
#include "daemon/loop_queue.h"
#include "daemon/subscribers.h"

namespace euiccd::daemon {

class EuiccRegistry {
 public:
  // Which devices to use: `transport` is the backend's name ("pcsc"), `device` its name for
  // the device (a reader name).
  using DeviceFilter = std::function<bool(const std::string& transport, const std::string& device)>;
  // `device_allowed`: null = all. `event` (the loop's; it must outlive the registry) carries the
  // eUICCs' timers.
  EuiccRegistry(sd_event* event, LoopQueue& loop, const EngineSettings& settings,
                DeviceFilter device_allowed);
  ~EuiccRegistry();

  // From a backend's device watcher: every device of `backend`, each time. The devices of
  // other backends are left as they are (PC/SC readers and modems are served side by side);
  // device names are unique across backends (reader names, modem endpoint keys). The card
  // workers of `backend`'s eUICCs connect through it.
  void slots_changed(const std::shared_ptr<CardBackend>& backend,
                     const std::vector<CardSlot>& slots);

  // Published eUICCs by index.
  const std::map<unsigned, std::shared_ptr<Euicc>>& euiccs() const { return euiccs_; }
  std::shared_ptr<Euicc> find(unsigned index) const;

  // Fired after an eUICC is published (then its pending notifications are delivered, when the
  // configuration says so) / before it is withdrawn (it is shut down after).
  using Events = Subscribers<const std::shared_ptr<Euicc>&>;
  using Subscription = Events::Token;
  Events added;
  Events removed;

  // Daemon stop: every job is cancelled with reason "postponed", every eUICC withdrawn.
  void shut_down();
  // True when every card worker thread has returned (joins them).
  bool all_workers_finished();

 private:
  struct Probe {
    uint64_t generation;
    std::string transport;
    std::string modem_object;               // CardBackend::modem_object
    std::optional<SimRestart> sim_restart;  // CardBackend::sim_restart
    std::unique_ptr<CardWorker> worker;
  };
  struct NotEuicc {
    std::string transport;
    Bytes identity;  // of the card that is none (PC/SC: its ATR)
  };
  void start_probe(const std::shared_ptr<CardBackend>& backend, const CardSlot& slot);
  // A switch ended: what its modem's backend reported meanwhile applies now.
  void switch_ended(const std::string& transport);
  void probe_done(const std::string& reader, uint64_t generation,
                  std::optional<EuiccSnapshot> snapshot, const std::string& error);
  void withdraw(const std::string& reader, const Error& why);
  void retire(std::unique_ptr<CardWorker> worker);
  void reap();

  sd_event* event_;
  LoopQueue& loop_;
  const EngineSettings& settings_;
  DeviceFilter device_allowed_;
  bool shutting_down_ = false;
  uint64_t next_generation_ = 1;
  unsigned next_index_ = 0;
  std::map<std::string, unsigned> index_by_eid_;
  std::map<std::string, Probe> probes_;                // by device
  std::map<std::string, NotEuicc> not_euicc_;          // by device
  std::map<unsigned, std::shared_ptr<Euicc>> euiccs_;  // by index
  std::vector<std::unique_ptr<CardWorker>> retired_;
  struct LastReport {
    std::shared_ptr<CardBackend> backend;
    std::vector<CardSlot> slots;
  };
  std::map<std::string, LastReport> last_reports_;  // by backend name
};

}  // namespace euiccd::daemon
