// What a job body running on the card worker uses to report to its Job on the loop thread,
// to see a cancel, and to reach servers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/engine_settings.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/loop_queue.h"
#include "lpa/http.h"

namespace euiccd::daemon {

// After a cancel, only the session cleanup (ES9+ cancelSession) may reach a server: it lowers
// the abort flag for itself. Any other request refused here, not sent: a cancel that lands
// between the engine's last checkpoint and its next request must not turn that request into
// one that waits out a stalled server's timeout.
class CleanupAfterCancelClient : public lpa::HttpClient {
 public:
  CleanupAfterCancelClient(std::unique_ptr<lpa::HttpClient> inner,
                           std::shared_ptr<JobControl> control)
      : inner_(std::move(inner)), control_(std::move(control)) {}
  lpa::HttpResponse post(const lpa::HttpRequest& request) override {
    if (control_->cancelled()) {
      if (!request.url.ends_with("/cancelSession"))
        throw Error(Errc::Cancelled, "the job was cancelled");
      control_->lower_http_cancel();
    }
    return inner_->post(request);
  }

 private:
  std::unique_ptr<lpa::HttpClient> inner_;
  std::shared_ptr<JobControl> control_;
};

class JobContext {
 public:
  JobContext(std::weak_ptr<Job> job, std::shared_ptr<JobControl> control, LoopQueue& loop,
             const EngineSettings& settings, LogFields fields)
      : job_(std::move(job)),
        control_(std::move(control)),
        loop_(loop),
        settings_(settings),
        fields_(std::move(fields)) {}

  // Applies `change` to the Job on the loop thread (dropped if the job is gone).
  void update(std::function<void(Job&)> change) {
    loop_.post([job = job_, change = std::move(change)] {
      if (auto j = job.lock()) change(*j);
    });
  }
  JobControl& control() { return *control_; }
  const EngineSettings& settings() const { return settings_; }
  // Clients whose transfer in flight is interrupted by a cancel, while requests started after
  // the cancel (the session cleanup: ES9+ CancelSession) still go through.
  lpa::HttpClientFactory http() const {
    return [inner = make_http_factory(settings_.http, &control_->http_cancel()),
            control = control_](const std::string& address) -> std::unique_ptr<lpa::HttpClient> {
      return std::make_unique<CleanupAfterCancelClient>(inner(address), control);
    };
  }
  LogFields& fields() { return fields_; }
  void log(Level level, const std::string& message) { daemon::log(level, fields_, message); }

 private:
  std::weak_ptr<Job> job_;
  std::shared_ptr<JobControl> control_;
  LoopQueue& loop_;
  const EngineSettings& settings_;
  LogFields fields_;
};

}  // namespace euiccd::daemon
