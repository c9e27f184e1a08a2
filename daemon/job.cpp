#include "daemon/job.h"

#include "daemon/job_progress.h"

namespace euiccd::daemon {

uint64_t next_job_id() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

const char* job_state_name(JobState state) {
  switch (state) {
    case JobState::Running: return "running";
    case JobState::Waiting: return "waiting";
    case JobState::Succeeded: return "succeeded";
    case JobState::Failed: return "failed";
    case JobState::Cancelled: return "cancelled";
  }
  return "failed";
}

// ---- JobControl ---------------------------------------------------------------------------

void JobControl::cancel(CancelReason reason) {
  token_.cancel(reason);
  http_cancel_ = true;
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

void JobControl::open_decision() {
  std::lock_guard lock(mutex_);
  waiting_ = true;
  decision_.reset();
}

bool JobControl::wait_for_decision(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool answered = changed_.wait_for(
      lock, timeout, [this] { return decision_.has_value() || token_.cancelled(); });
  waiting_ = false;
  if (token_.cancelled()) throw Error(Errc::Cancelled, "the job was cancelled");
  if (!answered)
    throw Error(Errc::Timeout, "nobody confirmed the profile within " +
                                   std::to_string(timeout.count() / 1000) + " seconds");
  return *decision_;
}

bool JobControl::decide(bool accept) {
  std::lock_guard lock(mutex_);
  if (!waiting_ || decision_) return false;
  decision_ = accept;
  changed_.notify_all();
  return true;
}

// ---- Job ----------------------------------------------------------------------------------

Job::Job(uint64_t id, std::string operation, unsigned euicc_index, std::string owner)
    : id_(id),
      operation_(std::move(operation)),
      euicc_index_(euicc_index),
      owner_(std::move(owner)) {}

bool Job::finished() const {
  return state_ == JobState::Succeeded || state_ == JobState::Failed ||
         state_ == JobState::Cancelled;
}

void Job::changed(unsigned fields) {
  if (on_changed && fields) on_changed(fields);
}

void Job::set_stage(const std::string& stage, double progress) {
  if (finished()) return;
  unsigned fields = 0;
  if (stage != stage_) fields |= kStage;
  if (progress != progress_) fields |= kProgress;
  stage_ = stage;
  progress_ = progress;
  if (auto overall = daemon::overall_progress(operation_, stage, progress);
      overall && *overall > overall_progress_) {
    overall_progress_ = *overall;
    fields |= kOverallProgress;
  }
  changed(fields);
}

void Job::set_metadata(const lpa::ProfileMetadata& metadata) {
  if (finished()) return;
  metadata_ = metadata;
  changed(kMetadata);
}

void Job::set_waiting(bool waiting) {
  if (finished()) return;
  const JobState next = waiting ? JobState::Waiting : JobState::Running;
  if (next == state_) return;
  state_ = next;
  changed(kState);
}

void Job::set_result_iccid(const std::string& iccid) {
  if (finished()) return;
  result_iccid_ = iccid;
  changed(kResult);
}

void Job::set_events(std::vector<DiscoveredEvent> events) {
  if (finished()) return;
  events_ = std::move(events);
  changed(kEvents);
}

void Job::finish(const std::optional<Error>& error) {
  if (finished()) return;
  unsigned fields = kState;
  if (error) {
    error_ = *error;
    fields |= kError;
    state_ = error->code() == Errc::Cancelled ? JobState::Cancelled : JobState::Failed;
  } else {
    state_ = JobState::Succeeded;
    if (progress_ != 1.0) fields |= kProgress;
    if (overall_progress_ != 1.0) fields |= kOverallProgress;
    progress_ = 1.0;
    overall_progress_ = 1.0;
  }
  if (stage_ != "done") fields |= kStage;
  stage_ = "done";
  changed(fields);
  if (on_completed) on_completed(!error);
}

}  // namespace euiccd::daemon
