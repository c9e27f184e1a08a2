// The notification retry timer's waits (daemon/notification_retry.h): doubling per failed
// retry up to a day, back to the interval after a success, off at 0. Firing through the real
// daemon is tests/integration/daemon_notifications_test.cpp.
#include "daemon/notification_retry.h"

#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <vector>

#include "sdbus/sdbus.h"

using euiccd::daemon::next_retry_delay;
using euiccd::daemon::NotificationRetry;
using namespace std::chrono_literals;

namespace {

TEST(NotificationRetry, WaitDoublesUpToADay) {
  std::chrono::seconds wait = 1h;
  std::vector<std::chrono::seconds> waits;
  for (int i = 0; i < 7; ++i) waits.push_back(wait = next_retry_delay(1h, wait));
  EXPECT_EQ(waits, (std::vector<std::chrono::seconds>{2h, 4h, 8h, 16h, 24h, 24h, 24h}));
  EXPECT_EQ(next_retry_delay(1s, 1s), 2s);
  EXPECT_EQ(next_retry_delay(1s, 65536s), 24h);
  // An interval beyond a day is not shortened, nor grown.
  EXPECT_EQ(next_retry_delay(48h, 48h), 48h);
}

class NotificationRetryTimer : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sd_event_new(event_.put()), 0); }
  void TearDown() override { event_.reset(); }
  euiccd::sdbus::Event event_;
};

TEST_F(NotificationRetryTimer, BacksOffAndResets) {
  NotificationRetry retry(event_, 10s);
  EXPECT_TRUE(retry.enabled());
  EXPECT_EQ(retry.delay(), 10s);
  retry.back_off();
  retry.back_off();
  EXPECT_EQ(retry.delay(), 40s);
  retry.reset();
  EXPECT_EQ(retry.delay(), 10s);
}

TEST_F(NotificationRetryTimer, ArmsOnceAndCancels) {
  NotificationRetry retry(event_, 3600s);
  int fired = 0;
  ASSERT_TRUE(retry.arm([&] { ++fired; }));
  EXPECT_TRUE(retry.armed());
  ASSERT_TRUE(retry.arm([&] { fired += 10; }));  // already armed: the first one stays
  retry.cancel();
  EXPECT_FALSE(retry.armed());
  EXPECT_EQ(sd_event_run(event_, 0), 0);  // nothing left to dispatch
  EXPECT_EQ(fired, 0);
}

TEST_F(NotificationRetryTimer, IntervalZeroNeverArms) {
  NotificationRetry retry(event_, 0s);
  EXPECT_FALSE(retry.enabled());
  ASSERT_TRUE(retry.arm([] {}));
  EXPECT_FALSE(retry.armed());
}

}  // namespace
