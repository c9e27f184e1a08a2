// The Job model behind org.euiccd1.Job: its states and change reports on the loop side, and
// JobControl, where a download on the card worker waits for Confirm, a cancel or a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/job.h"
#include "daemon/job_context.h"

namespace euiccd::daemon {
namespace {

using namespace std::chrono_literals;

TEST(DbusJobControl, ConfirmReachesTheWaitingWorker) {
  JobControl control;
  EXPECT_FALSE(control.decide(true)) << "nobody waits yet";
  control.open_decision();
  auto worker = std::async(std::launch::async, [&] { return control.wait_for_decision(5s); });
  EXPECT_TRUE(control.decide(false));
  EXPECT_FALSE(worker.get());
  EXPECT_FALSE(control.decide(true)) << "the wait is over";
}

TEST(DbusJobControl, AnAnswerBeforeTheWaitIsKept) {
  JobControl control;
  control.open_decision();
  EXPECT_TRUE(control.decide(true));
  EXPECT_FALSE(control.decide(false)) << "one answer only";
  EXPECT_TRUE(control.wait_for_decision(1s));
}

TEST(DbusJobControl, CancelWakesTheWaitAndRaisesTheFlags) {
  JobControl control;
  control.open_decision();
  auto worker = std::async(std::launch::async, [&] {
    try {
      control.wait_for_decision(10s);
      return Errc::Internal;
    } catch (const Error& e) {
      return e.code();
    }
  });
  std::this_thread::sleep_for(20ms);
  const auto start = std::chrono::steady_clock::now();
  control.cancel(CancelReason::Postponed);
  EXPECT_EQ(worker.get(), Errc::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(control.cancelled());
  EXPECT_TRUE(control.http_cancel().load());
  EXPECT_EQ(control.token().reason(), CancelReason::Postponed);
  control.cancel(CancelReason::EndUserRejection);  // the first reason stays
  EXPECT_EQ(control.token().reason(), CancelReason::Postponed);
}

// What reaches the server after a cancel: the session cleanup, and nothing else.
class RecordingClient : public lpa::HttpClient {
 public:
  explicit RecordingClient(std::vector<std::string>& sent) : sent_(sent) {}
  lpa::HttpResponse post(const lpa::HttpRequest& request) override {
    sent_.push_back(request.url);
    lpa::HttpResponse response;
    response.status = 200;
    return response;
  }

 private:
  std::vector<std::string>& sent_;
};

TEST(DbusJobControl, AfterACancelOnlyTheSessionCleanupIsSent) {
  auto control = std::make_shared<JobControl>();
  std::vector<std::string> sent;
  CleanupAfterCancelClient client(std::make_unique<RecordingClient>(sent), control);
  const std::string es9p = "https://smdp.example.com/gsma/rsp2/es9plus/";
  auto request = [&](const std::string& function) {
    lpa::HttpRequest r;
    r.url = es9p + function;
    return r;
  };

  client.post(request("initiateAuthentication"));
  control->cancel(CancelReason::EndUserRejection);
  // A request the engine began before it saw the cancel (it passed its last checkpoint) would
  // otherwise wait out a stalled server's timeout.
  try {
    client.post(request("authenticateClient"));
    ADD_FAILURE() << "sent after the cancel";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Cancelled);
  }
  EXPECT_TRUE(control->http_cancel().load());
  client.post(request("cancelSession"));
  EXPECT_FALSE(control->http_cancel().load()) << "the cleanup must not be aborted";
  EXPECT_EQ(sent,
            (std::vector<std::string>{es9p + "initiateAuthentication", es9p + "cancelSession"}));
}

TEST(DbusJobControl, NobodyAnsweringIsATimeout) {
  JobControl control;
  control.open_decision();
  try {
    control.wait_for_decision(30ms);
    ADD_FAILURE() << "no timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Timeout);
  }
}

TEST(DbusJob, ReportsWhatChangedAndFinishesOnce) {
  Job job(7, "download", 0, ":1.42");
  unsigned fields = 0;
  int completed = 0;
  bool success = false;
  job.on_changed = [&](unsigned f) { fields |= f; };
  job.on_completed = [&](bool s) {
    ++completed;
    success = s;
  };
  EXPECT_EQ(job.stage(), "queued");
  EXPECT_EQ(job.state(), JobState::Running);
  job.set_stage("authenticating", 0.5);
  EXPECT_EQ(fields, Job::kStage | Job::kProgress | Job::kOverallProgress);
  fields = 0;
  job.set_stage("authenticating", 0.5);
  EXPECT_EQ(fields, 0U) << "no change, no report";
  job.set_waiting(true);
  EXPECT_EQ(job.state(), JobState::Waiting);
  EXPECT_EQ(std::string(job_state_name(job.state())), "waiting");
  job.set_waiting(false);
  job.set_result_iccid("8944476500001224158");
  job.finish(std::nullopt);
  EXPECT_EQ(job.state(), JobState::Succeeded);
  EXPECT_EQ(job.progress(), 1.0);
  EXPECT_EQ(job.stage(), "done");
  job.finish(Error(Errc::Network, "late"));
  EXPECT_EQ(job.state(), JobState::Succeeded) << "a finished job stays finished";
  EXPECT_EQ(completed, 1);
  EXPECT_TRUE(success);
  fields = 0;
  job.set_stage("installing", 0.1);
  EXPECT_EQ(fields, 0U);
}

// Progress restarts with each stage; OverallProgress is what a progress bar binds to, so it
// must only go up, across stages and across a download that starts over after a card reset.
TEST(DbusJob, OverallProgressOnlyGoesUp) {
  Job job(3, "download", 0, "");
  std::vector<double> seen;
  job.on_changed = [&](unsigned f) {
    if (f & Job::kOverallProgress) seen.push_back(job.overall_progress());
  };
  job.set_stage("queued", 0);
  EXPECT_EQ(job.overall_progress(), 0.0);
  const std::vector<std::pair<std::string, double>> steps = {
      {"authenticating", 0}, {"authenticating", 1}, {"waiting-for-confirmation", 0},
      {"preparing", 0},      {"preparing", 1},      {"downloading", 0.5},
      {"installing", 0},     {"installing", 0.5},   {"authenticating", 0},  // card reset
      {"authenticating", 1}, {"preparing", 1},      {"downloading", 1},
      {"installing", 0.5},   {"installing", 0.9},   {"notifying", 0}};
  double before = 0;
  for (const auto& [stage, fraction] : steps) {
    job.set_stage(stage, fraction);
    EXPECT_GE(job.overall_progress(), before) << stage << " " << fraction;
    EXPECT_LT(job.overall_progress(), 1.0) << stage << " " << fraction;
    before = job.overall_progress();
  }
  EXPECT_GT(job.overall_progress(), 0.9) << "notifying is the last stage";
  job.finish(std::nullopt);
  EXPECT_EQ(job.overall_progress(), 1.0);
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.back(), 1.0);

  // Within a stage the figure moves with the stage's own progress.
  Job other(4, "download", 0, "");
  other.set_stage("installing", 0.2);
  const double at_20 = other.overall_progress();
  other.set_stage("installing", 0.8);
  EXPECT_GT(other.overall_progress(), at_20);

  // A failed job keeps the figure it reached.
  other.finish(Error(Errc::CardRemoved, "pulled"));
  EXPECT_LT(other.overall_progress(), 1.0);
}

TEST(DbusJob, CancelledAndFailedAreToldApart) {
  Job cancelled(1, "download", 0, "");
  cancelled.finish(Error(Errc::Cancelled, "the download was cancelled"));
  EXPECT_EQ(cancelled.state(), JobState::Cancelled);
  ASSERT_TRUE(cancelled.error());
  EXPECT_EQ(cancelled.error()->code(), Errc::Cancelled);
  Job failed(2, "discovery", 0, "");
  failed.finish(Error(Errc::ServerError, "8.1 / 3.8: refused"));
  EXPECT_EQ(failed.state(), JobState::Failed);
  EXPECT_EQ(std::string(job_state_name(failed.state())), "failed");
}

}  // namespace
}  // namespace euiccd::daemon
