// A long operation on one eUICC (a profile download, an SM-DS discovery), as the D-Bus Job
// object shows it. Job lives on the loop thread; JobControl is the part the card worker shares:
// the cancel request and the gate where a download waits for the user's Confirm.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/error.h"
#include "lpa/es10_download.h"

namespace euiccd::daemon {

enum class JobState { Running, Waiting, Succeeded, Failed, Cancelled };
const char* job_state_name(JobState state);  // "running", "waiting", ...

// One SM-DS event; `activation_code` is what DownloadProfile takes to fetch it.
struct DiscoveredEvent {
  std::string event_id;
  std::string smdp_address;
  std::string activation_code;
};

// The next job id, unique in the daemon (D-Bus Job paths): jobs start on the bus (downloads)
// and inside the daemon (a boot policy's switch).
uint64_t next_job_id();

class JobControl {
 public:
  // Any thread. The first reason wins; wakes a worker waiting for a decision.
  void cancel(CancelReason reason);
  bool cancelled() const { return token_.cancelled(); }
  const CancelToken& token() const { return token_; }
  // Raised by cancel(): aborts the HTTP transfer in flight. The session cleanup (ES9+
  // cancelSession) lowers it again, because it must reach the server (daemon/job_context.h).
  const std::atomic<bool>& http_cancel() const { return http_cancel_; }
  void lower_http_cancel() { http_cancel_ = false; }

  // Worker thread: from here on decide() is accepted (call before the Job shows "waiting").
  void open_decision();
  // Worker thread: waits for decide() after open_decision(). Throws Error(Cancelled) on cancel
  // and Error(Timeout) when nobody answered within `timeout`.
  bool wait_for_decision(std::chrono::milliseconds timeout);
  // Loop thread: the user's answer. False when the job is not waiting for one.
  bool decide(bool accept);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool waiting_ = false;
  std::optional<bool> decision_;
  CancelToken token_;
  std::atomic<bool> http_cancel_{false};
};

class Job {
 public:
  // Bits for on_changed: which properties moved.
  enum Field : unsigned {
    kStage = 1,
    kProgress = 2,
    kState = 4,
    kMetadata = 8,
    kResult = 16,
    kError = 32,
    kEvents = 64,
    kOverallProgress = 128,
  };

  Job(uint64_t id, std::string operation, unsigned euicc_index, std::string owner);

  uint64_t id() const { return id_; }
  // "download", "discovery", "switch"
  const std::string& operation() const { return operation_; }
  unsigned euicc_index() const { return euicc_index_; }
  // The D-Bus unique name that started the job (it may Confirm/Cancel without polkit).
  const std::string& owner() const { return owner_; }
  const std::string& stage() const { return stage_; }
  double progress() const { return progress_; }  // within the current stage
  // The whole job, 0..1, never going back (a download that starts over after a card reset
  // holds its figure until it passes it again); 1 when succeeded.
  double overall_progress() const { return overall_progress_; }
  JobState state() const { return state_; }
  bool finished() const;
  const std::optional<lpa::ProfileMetadata>& metadata() const { return metadata_; }
  const std::string& result_iccid() const { return result_iccid_; }  // download: the profile
  const std::optional<Error>& error() const { return error_; }
  const std::vector<DiscoveredEvent>& events() const { return events_; }
  const std::shared_ptr<JobControl>& control() const { return control_; }

  // Loop thread; each fires on_changed with what moved. Ignored once the job has finished.
  void set_stage(const std::string& stage, double progress);
  void set_metadata(const lpa::ProfileMetadata& metadata);
  void set_waiting(bool waiting);
  void set_result_iccid(const std::string& iccid);
  void set_events(std::vector<DiscoveredEvent> events);
  // Ends the job: succeeded, or failed / cancelled (Errc::Cancelled) with the error; fires
  // on_completed. Later calls are ignored.
  void finish(const std::optional<Error>& error);

  std::function<void(unsigned fields)> on_changed;
  std::function<void(bool success)> on_completed;

 private:
  void changed(unsigned fields);

  uint64_t id_;
  std::string operation_;
  unsigned euicc_index_;
  std::string owner_;
  std::string stage_ = "queued";
  double progress_ = 0;
  double overall_progress_ = 0;
  JobState state_ = JobState::Running;
  std::optional<lpa::ProfileMetadata> metadata_;
  std::string result_iccid_;
  std::optional<Error> error_;
  std::vector<DiscoveredEvent> events_;
  std::shared_ptr<JobControl> control_ = std::make_shared<JobControl>();
};

}  // namespace euiccd::daemon
