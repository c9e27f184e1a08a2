#include "dbus/service.h"

#include <cstring>

#include "daemon/log.h"
#include "daemon/prepaid.h"
#include "daemon/travel_runner.h"
#include "dbus/errors.h"
#include "dbus/euicc_object.h"
#include "dbus/job_object.h"
#include "dbus/manager_object.h"
#include "dbus/object_paths.h"
#include "dbus/property_table.h"

namespace euiccd::dbus {

Service::Service(sd_bus* bus, sd_event* event, daemon::EuiccRegistry& registry,
                 const daemon::EngineSettings& settings, std::string version)
    : bus_(sdbus::BusRef::ref(bus)),
      event_(event),
      registry_(registry),
      settings_(settings),
      version_(std::move(version)),
      authorizer_(bus) {}

Service::~Service() {
  stop();
}

void Service::start() {
  register_error_map();
  int r = sd_bus_add_object_manager(bus_, object_manager_slot_.put(), kRootPath);
  if (r < 0)
    throw Error(Errc::Internal, std::string("cannot add the ObjectManager: ") + std::strerror(-r));
  manager_ = std::make_unique<ManagerObject>(*this);
  added_ = registry_.added.subscribe([this](const auto& e) { euicc_added(e); });
  removed_ = registry_.removed.subscribe([this](const auto& e) { euicc_removed(e); });
  for (const auto& [index, euicc] : registry_.euiccs()) euicc_added(euicc);
  hook_prepaid();
  hook_travel();
  // The name last: whoever sees it finds the objects already there.
  r = sd_bus_request_name(bus_, kBusName, 0);
  if (r < 0)
    throw Error(Errc::Internal, std::string("cannot own the bus name ") + kBusName + ": " +
                                    std::strerror(-r) + " (is another euiccd running?)");
  started_ = true;
}

void Service::stop() {
  if (!manager_) return;
  unhook_prepaid();
  unhook_travel();
  added_.reset();
  removed_.reset();
  euiccs_.clear();  // each aborts its pending calls and leaves the bus
  jobs_.clear();
  manager_.reset();
  object_manager_slot_.reset();
  if (started_) sd_bus_release_name(bus_, kBusName);
  started_ = false;
  sd_bus_flush(bus_);
}

std::vector<std::string> Service::euicc_paths() const {
  std::vector<std::string> paths;
  for (const auto& [index, object] : euiccs_) paths.push_back(object->path());
  return paths;
}

void Service::euicc_added(const std::shared_ptr<daemon::Euicc>& euicc) {
  try {
    auto object = std::make_unique<EuiccObject>(*this, euicc);
    object->announce();
    euiccs_[euicc->index()] = std::move(object);
    manager_->euiccs_changed();
  } catch (const Error& e) {
    daemon::log(daemon::Level::Error, {.eid = euicc->eid()}, e.what());
  }
}

void Service::euicc_removed(const std::shared_ptr<daemon::Euicc>& euicc) {
  if (euiccs_.erase(euicc->index())) manager_->euiccs_changed();
}

std::vector<std::string> Service::profile_paths(const std::string& iccid) const {
  std::vector<std::string> paths;
  for (const auto& [index, object] : euiccs_)
    if (object->euicc().snapshot().find_profile(iccid)) paths.push_back(profile_path(index, iccid));
  return paths;
}

void Service::hook_prepaid() {
  if (!prepaid_) return;
  prepaid_->on_changed = [this](const std::string& iccid, const std::vector<const char*>& names) {
    for (const auto& path : profile_paths(iccid))
      emit_properties_changed(bus_, path, kProfileInterface, names);
  };
  prepaid_->on_balance_low = [this](const std::string& iccid, const std::string& balance) {
    for (const auto& path : profile_paths(iccid))
      sd_bus_emit_signal(bus_, path.c_str(), kProfileInterface, "BalanceLow", "s", balance.c_str());
  };
  prepaid_->on_plan_expiring = [this](const std::string& iccid, uint64_t expires_at) {
    for (const auto& path : profile_paths(iccid))
      sd_bus_emit_signal(bus_, path.c_str(), kProfileInterface, "PlanExpiring", "t", expires_at);
  };
}

void Service::unhook_prepaid() {
  if (!prepaid_) return;
  prepaid_->on_changed = nullptr;
  prepaid_->on_balance_low = nullptr;
  prepaid_->on_plan_expiring = nullptr;
}

void Service::hook_travel() {
  if (!travel_) return;
  travel_->on_changed = [this](unsigned index) {
    if (auto it = euiccs_.find(index); it != euiccs_.end()) it->second->travel_changed();
  };
  travel_->on_switch = [this](unsigned index, const std::string& from, const std::string& to,
                              const std::string& reason, uint64_t job_id) {
    if (auto it = euiccs_.find(index); it != euiccs_.end())
      it->second->policy_switch(from, to, reason, job_id);
  };
}

void Service::unhook_travel() {
  if (!travel_) return;
  travel_->on_changed = nullptr;
  travel_->on_switch = nullptr;
}

std::string Service::publish_job(const std::shared_ptr<daemon::Job>& job) {
  if (auto it = jobs_.find(job->id()); it != jobs_.end()) return it->second->path();
  auto object = std::make_unique<JobObject>(*this, job);
  std::string path = object->path();
  jobs_[job->id()] = std::move(object);
  return path;
}

void Service::remove_job(uint64_t id) {
  std::erase(finished_jobs_, id);
  jobs_.erase(id);
}

void Service::job_finished(uint64_t id) {
  finished_jobs_.push_back(id);
  while (finished_jobs_.size() > kMaxFinishedJobs) {
    const uint64_t oldest = finished_jobs_.front();
    finished_jobs_.pop_front();
    jobs_.erase(oldest);
  }
}

}  // namespace euiccd::dbus
