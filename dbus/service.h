// The D-Bus face of the daemon: the bus name org.euiccd1, the ObjectManager at /org/euiccd1,
// the Manager object, one Euicc object per published eUICC (with its Profile objects) and one
// Job object per job. It follows the EuiccRegistry and lives on the loop thread.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/engine_settings.h"
#include "daemon/euicc_registry.h"
#include "daemon/job.h"
#include "dbus/polkit.h"
#include "sdbus/sdbus.h"

namespace euiccd::daemon {
class Prepaid;
class TravelRunner;
}  // namespace euiccd::daemon

namespace euiccd::dbus {

class ManagerObject;
class EuiccObject;
class JobObject;

class Service {
 public:
  Service(sd_bus* bus, sd_event* event, daemon::EuiccRegistry& registry,
          const daemon::EngineSettings& settings, std::string version);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Registers the objects, hooks the registry and takes the bus name. Throws Error(Internal)
  // naming what failed (e.g. the name is already owned).
  void start();
  // Daemon stop: pending calls get Aborted, objects leave the bus, the name is released.
  void stop();

  // Balance checks and top-ups (daemon/prepaid.h): Profile objects call it, and its events
  // become Profile signals and PropertiesChanged. Set before start(); without it CheckBalance,
  // TopUp and setting PlanExpiresAt answer NotSupported.
  void attach_prepaid(daemon::Prepaid* prepaid) { prepaid_ = prepaid; }
  daemon::Prepaid* prepaid() const { return prepaid_; }
  // The travel policy (daemon/travel_runner.h): its state becomes the Euicc objects'
  // TravelPolicy property and PolicySwitch signal; Pause/ResumeTravelPolicy reach it. Set
  // before start().
  void attach_travel(daemon::TravelRunner* travel) { travel_ = travel; }
  daemon::TravelRunner* travel() const { return travel_; }

  sd_bus* bus() const { return bus_; }
  sd_event* event() const { return event_; }
  Authorizer& authorizer() { return authorizer_; }
  const daemon::EngineSettings& settings() const { return settings_; }
  const std::string& version() const { return version_; }

  std::vector<std::string> euicc_paths() const;
  uint64_t next_job_id() { return daemon::next_job_id(); }
  // Puts a Job object on the bus for `job` (once: a job already there keeps its object); it
  // stays until job_linger after the job ended.
  std::string publish_job(const std::shared_ptr<daemon::Job>& job);
  void remove_job(uint64_t id);
  // A job ended: it lingers for job_linger, but only the latest kMaxFinishedJobs do, so a
  // script running many downloads does not grow the daemon (measured: ~4 kB per job).
  void job_finished(uint64_t id);
  static constexpr size_t kMaxFinishedJobs = 16;

 private:
  void euicc_added(const std::shared_ptr<daemon::Euicc>& euicc);
  void euicc_removed(const std::shared_ptr<daemon::Euicc>& euicc);
  void hook_prepaid();
  void unhook_prepaid();
  void hook_travel();
  void unhook_travel();
  // The published Profile objects of this ICCID (one, unless two cards carry it).
  std::vector<std::string> profile_paths(const std::string& iccid) const;

  sdbus::BusRef bus_;
  sd_event* event_;
  daemon::EuiccRegistry& registry_;
  const daemon::EngineSettings& settings_;
  std::string version_;
  Authorizer authorizer_;
  sdbus::Slot object_manager_slot_;
  std::unique_ptr<ManagerObject> manager_;
  std::map<unsigned, std::unique_ptr<EuiccObject>> euiccs_;
  std::map<uint64_t, std::unique_ptr<JobObject>> jobs_;
  std::deque<uint64_t> finished_jobs_;  // oldest first
  bool started_ = false;
  daemon::Prepaid* prepaid_ = nullptr;
  daemon::TravelRunner* travel_ = nullptr;
  daemon::EuiccRegistry::Subscription added_, removed_;  // while started
};

}  // namespace euiccd::dbus
