#include "dbus/job_object.h"

#include <cstring>
#include <vector>

#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/polkit.h"
#include "dbus/profile_object.h"
#include "dbus/property_table.h"
#include "dbus/service.h"
#include "dbus/validate.h"
#include "lpa/value_names.h"

namespace euiccd::dbus {

namespace {

// The profile preview as a{sv} (keys in docs/dbus-api.md).
int append_metadata(sd_bus_message* m, const std::optional<lpa::ProfileMetadata>& metadata) {
  int r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r < 0 || !metadata) return r < 0 ? r : sd_bus_message_close_container(m);
  const lpa::ProfileMetadata& md = *metadata;
  auto str = [&](const char* key, const std::string& value) {
    if (r >= 0) r = sd_bus_message_append(m, "{sv}", key, "s", value.c_str());
  };
  str("iccid", md.iccid);
  str("service_provider_name", md.service_provider_name);
  str("profile_name", md.profile_name);
  str("profile_class", profile_class_name(md.profile_class));
  if (md.profile_owner) str("owner_mcc_mnc", md.profile_owner->mcc_mnc);
  if (md.icon_type && !md.icon.empty()) {
    str("icon_type", *md.icon_type == lpa::IconType::Png ? "png" : "jpg");
    if (r >= 0) r = sd_bus_message_open_container(m, 'e', "sv");
    if (r >= 0) r = sd_bus_message_append(m, "s", "icon");
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', "ay");
    if (r >= 0) r = sd_bus_message_append_array(m, 'y', md.icon.data(), md.icon.size());
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  if (md.profile_policy_rules) {
    std::vector<std::string> rules;
    for (auto p :
         {lpa::Ppr::UpdateControl, lpa::Ppr::Ppr1DisableNotAllowed, lpa::Ppr::Ppr2DeleteNotAllowed})
      if (md.profile_policy_rules->has(p)) rules.emplace_back(lpa::name_of(p));
    if (r >= 0) r = sd_bus_message_open_container(m, 'e', "sv");
    if (r >= 0) r = sd_bus_message_append(m, "s", "policy_rules");
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', "as");
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "s");
    for (const auto& rule : rules)
      if (r >= 0) r = sd_bus_message_append(m, "s", rule.c_str());
    for (int i = 0; i < 3 && r >= 0; ++i) r = sd_bus_message_close_container(m);
  }
  return r < 0 ? r : sd_bus_message_close_container(m);
}

// What a Job getter reads: the job, and who is asking (Events is for the job's owner only).
struct JobView {
  const daemon::Job& job;
  const char* asker;
};
using Job = daemon::Job;
using Table = PropertyTable<JobView, unsigned>;  // changed: the Job's field bits

constexpr uint64_t kEmits = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;

constexpr Table::Row kProperties[] = {
    {"Operation", "s", SD_BUS_VTABLE_PROPERTY_CONST,
     [](sd_bus_message* m, const JobView& v) { return append_string(m, v.job.operation()); }},
    {"Stage", "s", kEmits,
     [](sd_bus_message* m, const JobView& v) { return append_string(m, v.job.stage()); },
     Job::kStage},
    {"Progress", "d", kEmits,
     [](sd_bus_message* m, const JobView& v) {
       return sd_bus_message_append(m, "d", v.job.progress());
     },
     Job::kProgress},
    {"OverallProgress", "d", kEmits,
     [](sd_bus_message* m, const JobView& v) {
       return sd_bus_message_append(m, "d", v.job.overall_progress());
     },
     Job::kOverallProgress},
    {"State", "s", kEmits,
     [](sd_bus_message* m, const JobView& v) {
       return append_string(m, daemon::job_state_name(v.job.state()));
     },
     Job::kState},
    {"Metadata", "a{sv}", kEmits,
     [](sd_bus_message* m, const JobView& v) { return append_metadata(m, v.job.metadata()); },
     Job::kMetadata},
    {"Result", "o", kEmits,
     [](sd_bus_message* m, const JobView& v) {
       return append_path(m, v.job.result_iccid().empty()
                                 ? std::string()
                                 : profile_path(v.job.euicc_index(), v.job.result_iccid()));
     },
     Job::kResult},
    {"ErrorName", "s", kEmits,
     [](sd_bus_message* m, const JobView& v) {
       return append_string(m, v.job.error() ? error_name(v.job.error()->code()) : "");
     },
     Job::kError},
    {"ErrorMessage", "s", kEmits,
     [](sd_bus_message* m, const JobView& v) {
       return append_string(m, v.job.error() ? v.job.error()->what() : "");
     },
     Job::kError},
    {"Events", "a(sss)", SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION,
     [](sd_bus_message* m, const JobView& v) {
       // Event ids work like matching ids: only the caller that asked for them sees them.
       const bool owner = v.asker && v.job.owner() == v.asker;
       int r = sd_bus_message_open_container(m, 'a', "(sss)");
       for (const auto& e : v.job.events()) {
         if (r < 0 || !owner) break;
         r = sd_bus_message_append(m, "(sss)", e.event_id.c_str(), e.smdp_address.c_str(),
                                   e.activation_code.c_str());
       }
       return r < 0 ? r : sd_bus_message_close_container(m);
     },
     Job::kEvents},
};
constexpr Table kTable{kProperties};

}  // namespace

const sd_bus_vtable* JobObject::vtable() {
  static const std::vector<sd_bus_vtable> v = kTable.vtable(
      &JobObject::get_property,
      {
          SD_BUS_METHOD_WITH_ARGS("Confirm", SD_BUS_ARGS("b", accept), SD_BUS_NO_RESULT,
                                  &method_handler<&JobObject::confirm>, SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                  &method_handler<&JobObject::cancel>, SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_SIGNAL_WITH_ARGS("Completed", SD_BUS_ARGS("b", success), 0),
      });
  return v.data();
}

JobObject::JobObject(Service& service, std::shared_ptr<daemon::Job> job)
    : service_(service), job_(std::move(job)), path_(job_path(job_->id())) {
  const int r = sd_bus_add_object_vtable(service_.bus(), slot_.put(), path_.c_str(), kJobInterface,
                                         vtable(), this);
  if (r < 0) throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
  job_->on_changed = [this](unsigned fields) { changed(fields); };
  job_->on_completed = [this](bool success) { completed(success); };
  sd_bus_emit_object_added(service_.bus(), path_.c_str());
}

JobObject::~JobObject() {
  job_->on_changed = nullptr;
  job_->on_completed = nullptr;
  pending_.abort_all("the job went away");
  linger_.reset();
  sd_bus_emit_object_removed(service_.bus(), path_.c_str());
}

void JobObject::changed(unsigned fields) {
  emit_properties_changed(service_.bus(), path_, kJobInterface,
                          kTable.changed([&](unsigned bits) { return (fields & bits) != 0; }));
}

void JobObject::completed(bool success) {
  sd_bus_emit_signal(service_.bus(), path_.c_str(), kJobInterface, "Completed", "b",
                     success ? 1 : 0);
  const uint64_t usec =
      std::chrono::duration_cast<std::chrono::microseconds>(service_.settings().job_linger).count();
  sd_event_add_time_relative(service_.event(), linger_.put(), CLOCK_MONOTONIC, usec, 0,
                             &JobObject::on_linger_end, this);
  service_.job_finished(job_->id());  // may retire an older finished job
}

int JobObject::on_linger_end(sd_event_source*, uint64_t, void* userdata) {
  auto* self = static_cast<JobObject*>(userdata);
  self->service_.remove_job(self->job_->id());  // deletes self
  return 0;
}

int JobObject::get_property(sd_bus* bus, const char*, const char*, const char* property,
                            sd_bus_message* reply, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<JobObject*>(userdata);
  return kTable.get(property, reply, error, [&] {
    sd_bus_message* current = sd_bus_get_current_message(bus);
    return JobView{*self->job_, current ? sd_bus_message_get_sender(current) : nullptr};
  });
}

void JobObject::owner_or_authorized(const PendingCallPtr& call, std::function<void()> act) {
  if (job_->owner() == call->sender()) {
    act();
    return;
  }
  service_.authorizer().check(call, kActionDownload, std::move(act));
}

void JobObject::confirm(sd_bus_message* m) {
  int accept = 0;
  read_basic(m, 'b', &accept, "the answer");
  PendingCallPtr call = pending_.add(m);
  std::weak_ptr<daemon::Job> weak = job_;
  owner_or_authorized(call, [call, weak, accept] {
    auto job = weak.lock();
    if (!job || job->state() != daemon::JobState::Waiting || !job->control()->decide(accept))
      return call->fail(
          Error(Errc::WrongState, "the job is not waiting for a confirmation (see its State)"));
    call->reply();
  });
}

void JobObject::cancel(sd_bus_message* m) {
  PendingCallPtr call = pending_.add(m);
  std::weak_ptr<daemon::Job> weak = job_;
  owner_or_authorized(call, [call, weak] {
    auto job = weak.lock();
    if (!job || job->finished())
      return call->fail(Error(Errc::WrongState, "the job has already finished"));
    // The worker ends the session (card and server) and the job then reports "cancelled"
    // with Completed(false); the reply does not wait for that.
    job->control()->cancel(CancelReason::EndUserRejection);
    call->reply();
  });
}

}  // namespace euiccd::dbus
