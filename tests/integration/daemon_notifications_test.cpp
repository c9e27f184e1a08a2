// Notification delivery by the daemon on its own ([Notifications] RetryIntervalSec=): a
// notification the SM-DP+ refused stays on the card and is tried again on a timer until the
// server takes it; no timer with RetryIntervalSec=0; what a card holds when it appears (left
// by a crash or a power cut) is delivered at once. Real peers throughout: veuicc behind the
// sandbox's pcscd, the Python test SM-DP+ refusing handleNotification with HTTP 500 while the
// test says so, euiccd (tests/support/daemon_rig.h). Runs inside
// tests/integration/pcsc-sandbox.sh; skipped elsewhere.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace smdpp_test = euiccd::smdpp_test;

namespace {

constexpr char kIccid[] = "8944000000000000041";
constexpr char kSeededIccid[] = "89012600000000000013";

SharedSmdp& smdp() {
  static SharedSmdp s([] {
    json o = smdpp_test::order("RETRY", kIccid, 4000);
    o["reusable"] = true;
    return json::array({o});
  }());
  return s;
}

// Helpers the shared rig does not have (yet): what the SM-DP+ saw of handleNotification.
int notification_requests() {
  return smdp().server->state()["requestCounts"].value("handleNotification", 0);
}

bool server_received(long seq) {
  const json state = smdp().server->state();  // not a temporary: the loop refers into it
  for (const auto& n : state["notifications"])
    if (n.contains("seqNumber") && n["seqNumber"] == seq) return true;
  return false;
}

void refuse_notifications() {
  smdp().server->sabotage({{"function", "handleNotification"}, {"mode", "http500"}, {"count", 0}});
}

class DaemonNotifications : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    smdp().server->reset();  // counters, records and sabotage of an earlier test
  }

  void start(const std::string& config, const std::string& card_seed = {}) {
    rig_.emplace(
        RigOptions{.card_seed = card_seed, .daemon_config = config, .smdp = smdp().server.get()});
    rig_->allow({"org.euiccd1.download"});
  }

  // Downloads the order; the card then holds its install notification, which the refusing
  // server did not take (in the job, and right after it).
  long download_with_notification_refused() {
    const std::string job = rig().start_download(smdp().activation_code("RETRY"));
    if (rig().wait_job(job, 30s) != "succeeded")
      throw std::runtime_error("download: " + rig().job_error(job) + rig().logs());
    // The server counts a request before it answers: the daemon's log says when the refusal
    // of the delivery after the job has arrived.
    if (!eventually(
            [&] {
              return notification_requests() >= 2 &&
                     rig().daemon_log_has("stays on the card: handleNotification") &&
                     rig().daemon_log_has("operation=auto-notifications)");
            },
            10s))
      throw std::runtime_error("the daemon did not try to deliver the notification" + rig().logs());
    const json kept = card_notifications();
    if (kept.size() != 1) throw std::runtime_error("the card holds " + kept.dump() + rig().logs());
    return kept[0].at("seq").get<long>();
  }

  json card_notifications() const {
    return rig_->card_state().value("notifications", json::array());
  }
  uint32_t pending() {
    return rig().get<uint32_t>(DaemonRig::euicc_path(), kEuiccIface, "PendingNotifications", 'u');
  }
  DaemonRig& rig() { return *rig_; }

  std::optional<DaemonRig> rig_;
};

TEST_F(DaemonNotifications, RefusedNotificationIsRetriedUntilTheServerTakesIt) {
  refuse_notifications();
  start("[Notifications]\nRetryIntervalSec=1\n");
  const long seq = download_with_notification_refused();

  // The timer tries again (after 1 s, then 2 s: the wait doubles) while the server refuses;
  // the notification stays on the card meanwhile.
  ASSERT_TRUE(eventually([] { return notification_requests() >= 3; }, 10s))
      << "no retry" << rig().logs();
  ASSERT_TRUE(eventually(
      [&] { return rig().daemon_log_has("notification retry: 0 delivered, 1 still on the card"); },
      5s))
      << rig().logs();
  EXPECT_TRUE(rig().daemon_log_has("next try in 2 s")) << rig().logs();
  EXPECT_EQ(card_notifications().size(), 1U);
  EXPECT_EQ(pending(), 1U);
  EXPECT_FALSE(server_received(seq));

  // The server is back: the daemon delivers by itself, within the next (doubled) wait.
  const auto back = std::chrono::steady_clock::now();
  smdp().server->clear_sabotage();
  ASSERT_TRUE(rig().wait_notifications_sent(15s)) << rig().logs();
  const auto took = std::chrono::steady_clock::now() - back;
  EXPECT_LT(took, 10s);
  EXPECT_TRUE(server_received(seq)) << smdp().server->state().dump();
  EXPECT_EQ(card_notifications(), json::array());
  EXPECT_TRUE(rig().daemon_log_has("notification retry delivered 1 notification(s)"))
      << rig().logs();
  EXPECT_EQ(rig().lost_notifications(), std::vector<long>{});

  // Nothing pending: no timer, no more requests.
  const int requests = notification_requests();
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(notification_requests(), requests);
  EXPECT_TRUE(rig().daemon().running()) << rig().logs();
}

TEST_F(DaemonNotifications, NoRetryWithIntervalZero) {
  refuse_notifications();
  start("[Notifications]\nRetryIntervalSec=0\n");
  download_with_notification_refused();
  // Even a server willing again hears nothing until the next operation.
  smdp().server->clear_sabotage();
  const int requests = notification_requests();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(notification_requests(), requests) << rig().logs();
  EXPECT_EQ(card_notifications().size(), 1U);
  EXPECT_EQ(pending(), 1U);
  EXPECT_FALSE(rig().daemon_log_has("notification retry")) << rig().logs();
}

// A card that appears holding a notification (the daemon crashed or the power went before it
// was delivered): delivered at once, without waiting for an operation or the retry interval.
TEST_F(DaemonNotifications, PendingNotificationIsDeliveredAtStart) {
  const json seed = {{"next_seq_number", 8},
                     {"notifications",
                      {{{"seq", 7},
                        {"event", "disable"},
                        {"address", smdp().server->address()},
                        {"iccid", kSeededIccid}}}},
                     {"profiles",
                      {{{"iccid", kSeededIccid},
                        {"state", "disabled"},
                        {"service_provider_name", "Veuicc Mobile"},
                        {"profile_class", "operational"},
                        {"size", 50000}}}}};
  start("", seed.dump());  // the default interval (1 h): only the start delivery can do it
  ASSERT_TRUE(rig().wait_notifications_sent(15s)) << rig().logs();
  EXPECT_TRUE(server_received(7)) << smdp().server->state().dump();
  EXPECT_EQ(card_notifications(), json::array());
  EXPECT_TRUE(rig().daemon_log_has("1 notification(s) pending on the card; delivering them"))
      << rig().logs();
}

// At start, while the server refuses: the timer takes over from the start delivery.
TEST_F(DaemonNotifications, StartDeliveryRefusedIsRetried) {
  refuse_notifications();
  const json seed = {{"next_seq_number", 3},
                     {"notifications",
                      {{{"seq", 2},
                        {"event", "delete"},
                        {"address", smdp().server->address()},
                        {"iccid", kSeededIccid}}}},
                     {"profiles", json::array()}};
  start("[Notifications]\nRetryIntervalSec=1\n", seed.dump());
  ASSERT_TRUE(eventually([] { return notification_requests() >= 2; }, 15s))
      << "no retry after the start delivery" << rig().logs();
  EXPECT_EQ(card_notifications().size(), 1U);
  smdp().server->clear_sabotage();
  ASSERT_TRUE(rig().wait_notifications_sent(15s)) << rig().logs();
  EXPECT_TRUE(server_received(2)) << smdp().server->state().dump();
  EXPECT_EQ(card_notifications(), json::array());
}

}  // namespace
