#include "dbus/euicc_object.h"

#include <cstring>
#include <set>

#include "daemon/log.h"
#include "daemon/travel_runner.h"
#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/polkit.h"
#include "dbus/profile_object.h"
#include "dbus/property_table.h"
#include "dbus/service.h"
#include "dbus/validate.h"

namespace euiccd::dbus {

namespace {

using Snapshot = daemon::EuiccSnapshot;
using Table = PropertyTable<daemon::Euicc, bool (*)(const Snapshot&, const Snapshot&)>;

std::vector<std::string> profile_iccids(const Snapshot& s) {
  std::vector<std::string> v;
  for (const auto& p : s.profiles) v.push_back(p.iccid);
  return v;
}

std::string enabled_iccid(const Snapshot& s) {
  const lpa::ProfileInfo* p = s.enabled_profile();
  return p ? p->iccid : std::string();
}

std::string enabled_path(const daemon::Euicc& euicc) {
  const std::string iccid = enabled_iccid(euicc.snapshot());
  return iccid.empty() ? "/" : profile_path(euicc.index(), iccid);
}

constexpr uint64_t kConst = SD_BUS_VTABLE_PROPERTY_CONST;
constexpr uint64_t kEmits = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;

constexpr Table::Row kProperties[] = {
    {"Eid", "s", kConst,
     [](sd_bus_message* m, const daemon::Euicc& e) { return append_string(m, e.snapshot().eid); }},
    {"Reader", "s", kConst,
     [](sd_bus_message* m, const daemon::Euicc& e) { return append_string(m, e.reader()); }},
    {"Transport", "s", kConst,
     [](sd_bus_message* m, const daemon::Euicc& e) { return append_string(m, e.transport()); }},
    // Follows ModemManager's modem (a new object path after a switch), announced by
    // modem_object_changed.
    {"Modem", "o", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) { return append_path(m, e.modem_object()); }},
    {"Profiles", "ao", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) {
       int r = sd_bus_message_open_container(m, 'a', "o");
       for (const auto& p : e.snapshot().profiles) {
         if (r < 0 || p.iccid.empty()) continue;
         r = sd_bus_message_append(m, "o", profile_path(e.index(), p.iccid).c_str());
       }
       return r < 0 ? r : sd_bus_message_close_container(m);
     },
     [](const Snapshot& a, const Snapshot& b) { return profile_iccids(a) != profile_iccids(b); }},
    {"EnabledProfile", "o", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) { return append_path(m, enabled_path(e)); },
     [](const Snapshot& a, const Snapshot& b) { return enabled_iccid(a) != enabled_iccid(b); }},
    {"FreeNonVolatileMemory", "t", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) {
       return sd_bus_message_append(m, "t", e.snapshot().free_nvm);
     },
     [](const Snapshot& a, const Snapshot& b) { return a.free_nvm != b.free_nvm; }},
    {"SvnVersion", "s", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) { return append_string(m, e.snapshot().svn); },
     [](const Snapshot& a, const Snapshot& b) { return a.svn != b.svn; }},
    {"DefaultSmdpAddress", "s", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) {
       return append_string(m, e.snapshot().default_smdp_address);
     },
     [](const Snapshot& a, const Snapshot& b) {
       return a.default_smdp_address != b.default_smdp_address;
     }},
    {"RootSmdsAddress", "s", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) {
       return append_string(m, e.snapshot().root_smds_address);
     },
     [](const Snapshot& a, const Snapshot& b) {
       return a.root_smds_address != b.root_smds_address;
     }},
    // The running job (a download, a discovery, a modem's switch), announced by
    // active_job_changed rather than by the snapshot's diff.
    {"ActiveJob", "o", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) {
       return append_path(m, e.active_job() ? job_path(e.active_job()->id()) : std::string());
     }},
    // What the travel policy says of the eUICC, announced by travel_changed.
    {"TravelPolicy", "a{sv}", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) {
       const daemon::TravelView& v = e.travel_view();
       return sd_bus_message_append(m, "a{sv}", 6, "Enabled", "b", static_cast<int>(v.enabled),
                                    "Paused", "b", static_cast<int>(v.paused), "LastDecision", "s",
                                    v.last_decision.c_str(), "LastReason", "s",
                                    v.last_reason.c_str(), "LastSwitch", "t", v.last_switch_usec,
                                    "Country", "s", v.country.c_str());
     }},
    {"PendingNotifications", "u", kEmits,
     [](sd_bus_message* m, const daemon::Euicc& e) {
       return sd_bus_message_append(m, "u", e.snapshot().pending_notifications);
     },
     [](const Snapshot& a, const Snapshot& b) {
       return a.pending_notifications != b.pending_notifications;
     }},
};
constexpr Table kTable{kProperties};

// ---- methods: read and check the arguments, then authorized_change / authorized_job ----

void download_profile(EuiccObject& self, sd_bus_message* m) {
  self.authorized_job(m, kActionDownload,
                      [request = read_download_request(m)](daemon::Euicc& euicc, uint64_t id,
                                                           const std::string& owner) {
                        return euicc.start_download(id, owner, request);
                      });
}

void discover_profiles(EuiccObject& self, sd_bus_message* m) {
  self.authorized_job(m, kActionDiscover,
                      [smds = read_optional_address(m, "the SM-DS address")](
                          daemon::Euicc& euicc, uint64_t id, const std::string& owner) {
                        return euicc.start_discovery(id, owner, smds);
                      });
}

void process_notifications(EuiccObject& self, sd_bus_message* m) {
  auto sent = std::make_shared<uint32_t>(0);
  self.authorized_change(
      m, kActionProcessNotifications, "process-notifications", {},
      [sent](daemon::Euicc& euicc, daemon::Euicc::Done done) {
        euicc.process_notifications(
            [sent, done = std::move(done)](const std::optional<Error>& error, unsigned n) {
              *sent = n;
              done(error);
            });
      },
      [sent](sd_bus_message* r) { return sd_bus_message_append(r, "u", *sent); });
}

void set_default_smdp_address(EuiccObject& self, sd_bus_message* m) {
  self.authorized_change(
      m, kActionConfigure, "set-default-smdp-address", {},
      [a = read_optional_address(m, "the SM-DP+ address")](daemon::Euicc& euicc, auto done) {
        euicc.set_default_smdp_address(a, std::move(done));
      });
}

void reset_memory(EuiccObject& self, sd_bus_message* m) {
  self.authorized_change(m, kActionResetMemory, "reset-memory", {},
                         [o = read_reset_options(m)](daemon::Euicc& euicc, auto done) {
                           euicc.reset_memory(o, std::move(done));
                         });
}

void refresh(EuiccObject& self, sd_bus_message* m) {
  // Reading is open to everyone, like the properties: no polkit.
  self.authorized_change(m, nullptr, "refresh", {},
                         [](daemon::Euicc& euicc, auto done) { euicc.refresh(std::move(done)); });
}

// PauseTravelPolicy / ResumeTravelPolicy: configuration of the daemon's own behaviour.
void set_travel_paused(EuiccObject& self, sd_bus_message* m, bool paused) {
  daemon::TravelRunner* travel = self.service().travel();
  self.authorized_change(m, kActionConfigure,
                         paused ? "pause-travel-policy" : "resume-travel-policy", {},
                         [travel, paused](daemon::Euicc& euicc, daemon::Euicc::Done done) {
                           try {
                             if (!travel)
                               throw Error(Errc::WrongState, "the travel policy is not running");
                             travel->set_paused(euicc, paused);
                           } catch (const Error& e) {
                             return done(e);
                           }
                           done(std::nullopt);
                         });
}

void pause_travel_policy(EuiccObject& self, sd_bus_message* m) {
  set_travel_paused(self, m, true);
}

void resume_travel_policy(EuiccObject& self, sd_bus_message* m) {
  set_travel_paused(self, m, false);
}

}  // namespace

const sd_bus_vtable* EuiccObject::vtable() {
  static const std::vector<sd_bus_vtable> v = kTable.vtable(
      &EuiccObject::get_property,
      {
          SD_BUS_METHOD_WITH_ARGS("DownloadProfile",
                                  SD_BUS_ARGS("s", activation_code, "a{sv}", options),
                                  SD_BUS_RESULT("o", job), &method_handler<&download_profile>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("DiscoverProfiles", SD_BUS_ARGS("s", smds_address),
                                  SD_BUS_RESULT("o", job), &method_handler<&discover_profiles>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("ProcessNotifications", SD_BUS_NO_ARGS, SD_BUS_RESULT("u", sent),
                                  &method_handler<&process_notifications>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("SetDefaultSmdpAddress", SD_BUS_ARGS("s", address),
                                  SD_BUS_NO_RESULT, &method_handler<&set_default_smdp_address>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("ResetMemory", SD_BUS_ARGS("u", options), SD_BUS_NO_RESULT,
                                  &method_handler<&reset_memory>, SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("Refresh", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                  &method_handler<&refresh>, SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("PauseTravelPolicy", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                  &method_handler<&pause_travel_policy>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("ResumeTravelPolicy", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                  &method_handler<&resume_travel_policy>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_SIGNAL_WITH_ARGS(
              "PolicySwitch", SD_BUS_ARGS("s", from_iccid, "s", to_iccid, "s", reason, "o", job),
              0),
      });
  return v.data();
}

EuiccObject::EuiccObject(Service& service, std::shared_ptr<daemon::Euicc> euicc)
    : service_(service), euicc_(std::move(euicc)), path_(euicc_path(euicc_->index())) {
  const int r = sd_bus_add_object_vtable(service_.bus(), slot_.put(), path_.c_str(),
                                         kEuiccInterface, vtable(), this);
  if (r < 0) throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
  for (const auto& p : euicc_->snapshot().profiles)
    if (!p.iccid.empty()) add_profile(p.iccid, false);
  euicc_->on_snapshot_changed = [this](const daemon::EuiccSnapshot& before) {
    snapshot_changed(before);
  };
  euicc_->on_active_job_changed = [this] { active_job_changed(); };
  euicc_->on_modem_object_changed = [this] { modem_object_changed(); };
}

EuiccObject::~EuiccObject() {
  euicc_->on_snapshot_changed = nullptr;
  euicc_->on_active_job_changed = nullptr;
  euicc_->on_modem_object_changed = nullptr;
  pending_.abort_all("the eUICC " + euicc_->eid() + " went away (removed, or euiccd is stopping)");
  while (!profiles_.empty()) remove_profile(profiles_.begin()->first);
  if (announced_) sd_bus_emit_object_removed(service_.bus(), path_.c_str());
}

void EuiccObject::announce() {
  if (announced_) return;
  announced_ = true;
  sd_bus_emit_object_added(service_.bus(), path_.c_str());
  for (auto& [iccid, profile] : profiles_) profile->announce();
}

void EuiccObject::add_profile(const std::string& iccid, bool announce_it) {
  if (profiles_.count(iccid)) return;
  auto profile = std::make_unique<ProfileObject>(*this, iccid);
  if (announce_it) profile->announce();
  profiles_[iccid] = std::move(profile);
}

void EuiccObject::remove_profile(const std::string& iccid) {
  profiles_.erase(iccid);  // ProfileObject's destructor sends InterfacesRemoved
}

void EuiccObject::snapshot_changed(const daemon::EuiccSnapshot& before) {
  const daemon::EuiccSnapshot& now = euicc_->snapshot();
  std::set<std::string> present;
  for (const auto& p : now.profiles)
    if (!p.iccid.empty()) present.insert(p.iccid);
  std::vector<std::string> gone;
  for (const auto& [iccid, profile] : profiles_)
    if (!present.count(iccid)) gone.push_back(iccid);
  for (const auto& iccid : gone) remove_profile(iccid);
  for (const auto& p : now.profiles) {
    if (p.iccid.empty()) continue;
    auto it = profiles_.find(p.iccid);
    if (it == profiles_.end()) {
      add_profile(p.iccid, announced_);
    } else if (const lpa::ProfileInfo* old = before.find_profile(p.iccid)) {
      it->second->emit_changes(*old, p);
    }
  }

  if (!announced_) return;
  emit_properties_changed(service_.bus(), path_, kEuiccInterface,
                          kTable.changed([&](auto differs) { return differs(before, now); }));
}

void EuiccObject::travel_changed() {
  if (announced_) emit_properties_changed(service_.bus(), path_, kEuiccInterface, {"TravelPolicy"});
}

void EuiccObject::policy_switch(const std::string& from, const std::string& to,
                                const std::string& reason, uint64_t job_id) {
  if (!announced_) return;
  sd_bus_emit_signal(service_.bus(), path_.c_str(), kEuiccInterface, "PolicySwitch", "ssso",
                     from.c_str(), to.c_str(), reason.c_str(),
                     job_id ? job_path(job_id).c_str() : "/");
}

void EuiccObject::active_job_changed() {
  // A job started inside the daemon (a switch) gets its Job object here; a download's is
  // published by authorized_job, which finds it already there.
  if (const auto& job = euicc_->active_job()) service_.publish_job(job);
  if (announced_) emit_properties_changed(service_.bus(), path_, kEuiccInterface, {"ActiveJob"});
}

void EuiccObject::modem_object_changed() {
  if (announced_) emit_properties_changed(service_.bus(), path_, kEuiccInterface, {"Modem"});
}

int EuiccObject::get_property(sd_bus*, const char*, const char*, const char* property,
                              sd_bus_message* reply, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<EuiccObject*>(userdata);
  return kTable.get(property, reply, error,
                    [&]() -> const daemon::Euicc& { return *self->euicc_; });
}

void EuiccObject::authorized_change(sd_bus_message* m, const char* action,
                                    const std::string& operation, const std::string& iccid,
                                    Change change, std::function<int(sd_bus_message*)> reply) {
  PendingCallPtr call = pending_.add(m);
  std::weak_ptr<daemon::Euicc> weak = euicc_;
  const std::string sender = call->sender();
  auto act = [call, weak, operation, iccid, change = std::move(change), reply = std::move(reply),
              sender] {
    auto euicc = weak.lock();
    if (!euicc || euicc->is_shut_down()) {
      call->fail(aborted("the eUICC went away"));
      return;
    }
    daemon::LogFields fields{.eid = euicc->eid(), .iccid = iccid, .operation = operation};
    change(*euicc, [call, reply, fields, sender](const std::optional<Error>& error) {
      if (error) {
        call->fail(*error);
        return;
      }
      daemon::log(daemon::Level::Notice, fields, "done for " + sender);
      call->reply(reply);
    });
  };
  if (action)
    service_.authorizer().check(call, action, std::move(act));
  else
    act();
}

void EuiccObject::authorized_job(sd_bus_message* m, const char* action, StartJob start) {
  PendingCallPtr call = pending_.add(m);
  Service* service = &service_;
  std::weak_ptr<daemon::Euicc> weak = euicc_;
  service->authorizer().check(call, action, [call, service, weak, start = std::move(start)] {
    auto euicc = weak.lock();
    if (!euicc || euicc->is_shut_down()) return call->fail(aborted("the eUICC went away"));
    auto job = start(*euicc, service->next_job_id(), call->sender());
    const std::string path = service->publish_job(job);
    call->reply([&](sd_bus_message* r) { return sd_bus_message_append(r, "o", path.c_str()); });
  });
}

}  // namespace euiccd::dbus
