// When an eUICC's notifications are delivered (daemon/notification_scheduler.h), against a card
// that only records what the scheduler asks for: deliveries after the changes that queue
// notifications and when the eUICC appears, never two at once, the retry timer armed while
// some stay, backing off, waiting for a job, and gone once none is left or the eUICC is. The
// deliveries themselves run on the virtual eUICC in tests/unit/daemon_euicc_test.cpp.
#include "daemon/notification_scheduler.h"

#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

using namespace euiccd;
using namespace euiccd::daemon;
using namespace std::chrono_literals;

namespace {

class RecordingCard : public NotificationScheduler::Card {
 public:
  const std::string& eid() const override { return eid_; }
  unsigned pending_notifications() const override { return pending; }
  const std::string* job_operation() const override { return job ? &*job : nullptr; }
  void queue_delivery(const std::string& operation,
                      NotificationScheduler::ReportDone done) override {
    queued.push_back(operation);
    deliveries.push_back({operation, std::move(done)});
  }

  // Ends the oldest delivery as daemon::Euicc does: the snapshot first (`left` pending), then
  // the caller, then the scheduler's look at what changed.
  void finish(unsigned sent, unsigned left, const std::optional<Error>& error = std::nullopt) {
    ASSERT_FALSE(deliveries.empty());
    Delivery delivery = std::move(deliveries.front());
    deliveries.pop_front();
    pending = left;
    lpa::NotificationReport report;
    report.sent = sent;
    report.failed = left;
    delivery.done(error, report);
    scheduler->change_finished(delivery.operation);
  }

  unsigned pending = 0;
  std::optional<std::string> job;
  std::vector<std::string> queued;  // every delivery asked for, by operation
  NotificationScheduler* scheduler = nullptr;

 private:
  struct Delivery {
    std::string operation;
    NotificationScheduler::ReportDone done;
  };
  std::string eid_ = "89049032000001000000000000000001";
  std::deque<Delivery> deliveries;
};

class NotificationSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sd_event_new(&event_), 0); }
  void TearDown() override {
    scheduler_.reset();
    sd_event_unref(event_);
  }

  NotificationScheduler& start(NotificationsConfig settings) {
    scheduler_.emplace(card_, event_, settings);
    card_.scheduler = &*scheduler_;
    return *scheduler_;
  }

  sd_event* event_ = nullptr;
  RecordingCard card_;
  std::optional<NotificationScheduler> scheduler_;
};

TEST_F(NotificationSchedulerTest, ChangesThatQueueNotificationsDeliverThemOneAtATime) {
  NotificationScheduler& scheduler = start({.auto_process = true, .retry_interval = 1h});
  card_.pending = 2;
  scheduler.change_finished("enable");
  scheduler.change_finished("delete");        // the delivery on its way covers these too
  scheduler.change_finished("set-nickname");  // queues none
  EXPECT_EQ(card_.queued, std::vector<std::string>{"auto-notifications"});
  EXPECT_EQ(scheduler.deliveries_in_flight(), 1u);
  EXPECT_FALSE(scheduler.timer().armed());  // not while a delivery is on its way
  card_.finish(2, 0);
  EXPECT_EQ(scheduler.deliveries_in_flight(), 0u);
  EXPECT_FALSE(scheduler.timer().armed());
}

TEST_F(NotificationSchedulerTest, AnAppearingEuiccDeliversWhatItHolds) {
  NotificationScheduler& scheduler = start({});
  scheduler.card_appeared();  // nothing pending
  EXPECT_TRUE(card_.queued.empty());
  card_.pending = 1;
  scheduler.card_appeared();
  EXPECT_EQ(card_.queued, std::vector<std::string>{"auto-notifications"});
}

TEST_F(NotificationSchedulerTest, WithoutAutoProcessNothingLeavesOnItsOwn) {
  NotificationScheduler& scheduler = start({.auto_process = false, .retry_interval = 1h});
  card_.pending = 3;
  scheduler.card_appeared();
  scheduler.change_finished("download");
  EXPECT_TRUE(card_.queued.empty());
  EXPECT_FALSE(scheduler.timer().armed());
  // Asked for, they go.
  std::optional<unsigned> sent;
  scheduler.deliver("process-notifications",
                    [&](const std::optional<Error>&, const lpa::NotificationReport& report) {
                      sent = report.sent;
                    });
  card_.finish(3, 0);
  EXPECT_EQ(sent, 3u);
}

TEST_F(NotificationSchedulerTest, WhatStaysIsRetriedWithAWaitThatDoubles) {
  NotificationScheduler& scheduler = start({.auto_process = true, .retry_interval = 10s});
  card_.pending = 2;
  scheduler.change_finished("disable");
  card_.finish(0, 2, Error(Errc::Network, "server down"));
  ASSERT_TRUE(scheduler.timer().armed());
  EXPECT_EQ(scheduler.timer().delay(), 10s);

  scheduler.retry();  // as the timer does when it fires
  EXPECT_EQ(card_.queued.back(), "notification-retry");
  card_.finish(1, 1);
  EXPECT_TRUE(scheduler.timer().armed());
  EXPECT_EQ(scheduler.timer().delay(), 20s);

  scheduler.retry();
  card_.finish(1, 0);  // none left: the timer goes, its wait is the interval again
  EXPECT_FALSE(scheduler.timer().armed());
  EXPECT_EQ(scheduler.timer().delay(), 10s);
}

TEST_F(NotificationSchedulerTest, ARetryWaitsForTheJobHoldingTheCard) {
  NotificationScheduler& scheduler = start({.auto_process = true, .retry_interval = 10s});
  card_.pending = 1;
  card_.job = "download";
  scheduler.change_finished("enable");  // refused while the job runs; the timer covers it
  EXPECT_TRUE(card_.queued.empty());
  EXPECT_TRUE(scheduler.timer().armed());
  scheduler.retry();
  EXPECT_TRUE(card_.queued.empty());
  EXPECT_TRUE(scheduler.timer().armed());
  card_.job.reset();
  scheduler.retry();
  EXPECT_EQ(card_.queued, std::vector<std::string>{"notification-retry"});
}

TEST_F(NotificationSchedulerTest, AZeroIntervalMeansNoTimer) {
  NotificationScheduler& scheduler = start({.auto_process = true, .retry_interval = 0s});
  card_.pending = 1;
  scheduler.change_finished("enable");
  card_.finish(0, 1);
  EXPECT_FALSE(scheduler.timer().armed());
}

TEST_F(NotificationSchedulerTest, AShutDownEuiccHasNoTimerAndQueuesNothing) {
  NotificationScheduler& scheduler = start({.auto_process = true, .retry_interval = 10s});
  card_.pending = 1;
  card_.job = "download";
  scheduler.change_finished("enable");
  ASSERT_TRUE(scheduler.timer().armed());
  scheduler.stop();
  EXPECT_FALSE(scheduler.timer().armed());
  card_.job.reset();
  scheduler.change_finished("enable");
  scheduler.card_appeared();
  scheduler.retry();
  EXPECT_TRUE(card_.queued.empty());
  EXPECT_FALSE(scheduler.timer().armed());
}

}  // namespace
