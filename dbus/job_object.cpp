#include "dbus/job_object.h"

#include <cstring>
#include <vector>

#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/polkit.h"
#include "dbus/profile_object.h"
#include "dbus/service.h"

namespace euiccd::dbus {

namespace {

const char* ppr_name(lpa::Ppr p) {
  switch (p) {
    case lpa::Ppr::UpdateControl: return "pprUpdateControl";
    case lpa::Ppr::Ppr1DisableNotAllowed: return "ppr1";
    case lpa::Ppr::Ppr2DeleteNotAllowed: return "ppr2";
  }
  return "";
}

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
      if (md.profile_policy_rules->has(p)) rules.emplace_back(ppr_name(p));
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

}  // namespace

const sd_bus_vtable JobObject::kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Operation", "s", &JobObject::get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Stage", "s", &JobObject::get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Progress", "d", &JobObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("OverallProgress", "d", &JobObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("State", "s", &JobObject::get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Metadata", "a{sv}", &JobObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Result", "o", &JobObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ErrorName", "s", &JobObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ErrorMessage", "s", &JobObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Events", "a(sss)", &JobObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
    SD_BUS_METHOD_WITH_ARGS("Confirm", SD_BUS_ARGS("b", accept), SD_BUS_NO_RESULT,
                            &JobObject::confirm, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, &JobObject::cancel,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_ARGS("Completed", SD_BUS_ARGS("b", success), 0),
    SD_BUS_VTABLE_END,
};

JobObject::JobObject(Service& service, std::shared_ptr<daemon::Job> job)
    : service_(service), job_(std::move(job)), path_(job_path(job_->id())) {
  const int r =
      sd_bus_add_object_vtable(service_.bus(), &slot_, path_.c_str(), kJobInterface, kVtable, this);
  if (r < 0) throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
  job_->on_changed = [this](unsigned fields) { changed(fields); };
  job_->on_completed = [this](bool success) { completed(success); };
  sd_bus_emit_object_added(service_.bus(), path_.c_str());
}

JobObject::~JobObject() {
  job_->on_changed = nullptr;
  job_->on_completed = nullptr;
  pending_.abort_all("the job went away");
  sd_event_source_disable_unref(linger_);
  sd_bus_emit_object_removed(service_.bus(), path_.c_str());
  sd_bus_slot_unref(slot_);
}

void JobObject::changed(unsigned fields) {
  std::vector<const char*> names;
  if (fields & daemon::Job::kStage) names.push_back("Stage");
  if (fields & daemon::Job::kProgress) names.push_back("Progress");
  if (fields & daemon::Job::kOverallProgress) names.push_back("OverallProgress");
  if (fields & daemon::Job::kState) names.push_back("State");
  if (fields & daemon::Job::kMetadata) names.push_back("Metadata");
  if (fields & daemon::Job::kResult) names.push_back("Result");
  if (fields & daemon::Job::kError) {
    names.push_back("ErrorName");
    names.push_back("ErrorMessage");
  }
  if (fields & daemon::Job::kEvents) names.push_back("Events");
  if (names.empty()) return;
  names.push_back(nullptr);
  sd_bus_emit_properties_changed_strv(service_.bus(), path_.c_str(), kJobInterface,
                                      const_cast<char**>(names.data()));
}

void JobObject::completed(bool success) {
  sd_bus_emit_signal(service_.bus(), path_.c_str(), kJobInterface, "Completed", "b",
                     success ? 1 : 0);
  const uint64_t usec =
      std::chrono::duration_cast<std::chrono::microseconds>(service_.settings().job_linger).count();
  sd_event_add_time_relative(service_.event(), &linger_, CLOCK_MONOTONIC, usec, 0,
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
  return run_property(error, [&]() -> int {
    const daemon::Job& job = *self->job_;
    const std::string name = property;
    auto str = [&](const std::string& v) { return sd_bus_message_append(reply, "s", v.c_str()); };
    if (name == "Operation") return str(job.operation());
    if (name == "Stage") return str(job.stage());
    if (name == "Progress") return sd_bus_message_append(reply, "d", job.progress());
    if (name == "OverallProgress") return sd_bus_message_append(reply, "d", job.overall_progress());
    if (name == "State") return str(daemon::job_state_name(job.state()));
    if (name == "Metadata") return append_metadata(reply, job.metadata());
    if (name == "Result") {
      const std::string path = job.result_iccid().empty()
                                   ? std::string("/")
                                   : profile_path(job.euicc_index(), job.result_iccid());
      return sd_bus_message_append(reply, "o", path.c_str());
    }
    if (name == "ErrorName") return str(job.error() ? error_name(job.error()->code()) : "");
    if (name == "ErrorMessage") return str(job.error() ? job.error()->what() : "");
    if (name == "Events") {
      // Event ids work like matching ids: only the caller that asked for them sees them.
      sd_bus_message* current = sd_bus_get_current_message(bus);
      const char* asker = current ? sd_bus_message_get_sender(current) : nullptr;
      const bool owner = asker && job.owner() == asker;
      int r = sd_bus_message_open_container(reply, 'a', "(sss)");
      for (const auto& e : job.events()) {
        if (r < 0 || !owner) break;
        r = sd_bus_message_append(reply, "(sss)", e.event_id.c_str(), e.smdp_address.c_str(),
                                  e.activation_code.c_str());
      }
      return r < 0 ? r : sd_bus_message_close_container(reply);
    }
    return -ENOENT;
  });
}

void JobObject::owner_or_authorized(const PendingCallPtr& call, std::function<void()> act) {
  if (job_->owner() == call->sender()) {
    act();
    return;
  }
  service_.authorizer().check(call, kActionDownload, std::move(act));
}

int JobObject::confirm(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<JobObject*>(userdata);
  return run_method(m, [&] {
    int accept = 0;
    if (int r = sd_bus_message_read(m, "b", &accept); r < 0) return r;
    PendingCallPtr call = self->pending_.add(m);
    std::weak_ptr<daemon::Job> weak = self->job_;
    self->owner_or_authorized(call, [call, weak, accept] {
      auto job = weak.lock();
      if (!job || job->state() != daemon::JobState::Waiting || !job->control()->decide(accept))
        return call->fail(
            Error(Errc::WrongState, "the job is not waiting for a confirmation (see its State)"));
      call->reply();
    });
    return 1;
  });
}

int JobObject::cancel(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<JobObject*>(userdata);
  return run_method(m, [&] {
    PendingCallPtr call = self->pending_.add(m);
    std::weak_ptr<daemon::Job> weak = self->job_;
    self->owner_or_authorized(call, [call, weak] {
      auto job = weak.lock();
      if (!job || job->finished())
        return call->fail(Error(Errc::WrongState, "the job has already finished"));
      // The worker ends the session (card and server) and the job then reports "cancelled"
      // with Completed(false); the reply does not wait for that.
      job->control()->cancel(CancelReason::EndUserRejection);
      call->reply();
    });
    return 1;
  });
}

}  // namespace euiccd::dbus
