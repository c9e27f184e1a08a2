// euiccd killed with SIGKILL at each stage of a download driven over D-Bus (no chance to end
// the session), then started again: it comes back and puts the card on the bus, the card holds
// the whole profile or none of it, a following download works (no RSP session stuck on card,
// daemon or server side), and every notification the card generated is still on the card or
// was received by the SM-DP+. The card answers with 25 ms latency per APDU so each stage lasts
// long enough to be seen on the Job's Stage property and hit. Runs inside pcsc-sandbox.sh.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "apdu/pcsc_reader.h"
#include "tests/support/dbus_test_bus.h"
#include "tests/support/dbus_test_client.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

using namespace euiccd::testing;
using namespace euiccd::smdpp_test;
using namespace std::chrono_literals;

namespace {

constexpr char kBus[] = "org.euiccd1";
constexpr char kManager[] = "/org/euiccd1";
constexpr char kEuicc[] = "/org/euiccd1/euicc/0";
constexpr char kEuiccIface[] = "org.euiccd1.Euicc";
constexpr char kProfileIface[] = "org.euiccd1.Profile";
constexpr char kJobIface[] = "org.euiccd1.Job";
constexpr char kEid[] = "89049032123451234512345678901235";  // tests/pki/make-test-pki.sh
constexpr char kFirstIccid[] = "8944000000000000017";
// The test SM-DP+ generates profiles of exactly the ordered size; the card stores that size.
constexpr int kFirstSize = 12000;
constexpr char kNextIccid[] = "8944000000000000025";

struct Rig {
  TempDir dir;
  std::string pki = shared_test_pki();
  std::unique_ptr<Server> smdp;

  Rig() {
    // 12 kB: installing takes a few dozen STORE DATA blocks (over a second at 25 ms each), so
    // "early" and "late" inside it can be told apart on the Job's Progress.
    json first = order("FIRST", kFirstIccid, kFirstSize);
    first["reusable"] = true;
    json next = order("NEXT", kNextIccid, 5000);
    next["reusable"] = true;
    smdp =
        std::make_unique<Server>(pki, smdp_config(kSmdpHost, {first, next}), dir.file("smdp.log"));
  }
};

Rig& rig() {
  static Rig r;
  return r;
}

class DaemonKill : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("VPCD_PORT") == nullptr) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    server_notifications_before_ = rig().smdp->state()["notifications"].size();
  }

  // Bus, polkit (everything allowed), a slow card, and the daemon.
  void start() {
    bus_ = std::make_unique<PrivateBus>();
    polkit_ = std::make_unique<PolkitMock>(*bus_);
    client_ = std::make_unique<BusClient>(bus_->address());
    ASSERT_TRUE(eventually([&] { return client_->has_owner("org.freedesktop.PolicyKit1"); }));
    const std::string& pki = rig().pki;
    card_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/veuicc/veuicc", "--state",
                                 dir_.file("state.json"), "--euicc-cert", pki + "/euicc.pem",
                                 "--euicc-key", pki + "/euicc.key", "--eum-cert", pki + "/eum.pem",
                                 "--ci-cert", pki + "/ci.pem", "--latency-ms", "25"},
        dir_.file("veuicc.log"));
    start_daemon();
    if (HasFatalFailure()) return;
    sd_bus_message* m = nullptr;
    sd_bus_message_new_method_call(client_->bus(), &m, "org.freedesktop.PolicyKit1",
                                   "/org/freedesktop/PolicyKit1/Authority",
                                   "org.freedesktop.DBus.Mock", "AllowUnknown");
    sd_bus_message_append(m, "b", 1);
    BusReply r = client_->call_message(m);
    sd_bus_message_unref(m);
    ASSERT_TRUE(r.ok()) << r.error_message();
  }

  // The daemon (again), up when its eUICC object is on the bus.
  void start_daemon() {
    const std::string& pki = rig().pki;
    daemon_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/daemon/euiccd", "--bus", bus_->address(),
                                 "--config", dir_.file("none.conf"), "--config-dir",
                                 dir_.file("none.d"), "--ca", pki + "/ci.pem", "--resolve",
                                 rig().smdp->resolve_entry(), "--verbose"},
        dir_.file("euiccd.log"));
    ASSERT_TRUE(eventually(
        [&] { return client_->get_string(kBus, kEuicc, kEuiccIface, "Eid") == kEid; }, 20s))
        << logs();
  }

  void stop() {
    daemon_.reset();
    card_.reset();
    client_.reset();
    polkit_.reset();
    bus_.reset();
  }

  std::string code(const char* matching_id) {
    return "LPA:1$" + rig().smdp->address() + "$" + matching_id;
  }
  std::string job_string(const std::string& job, const char* name) {
    return client_->get_string(kBus, job, kJobIface, name);
  }
  std::string start_download(const char* matching_id) {
    BusReply r = client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                               code(matching_id).c_str(), 0);
    if (!r.ok()) throw std::runtime_error(r.error_name() + ": " + r.error_message());
    return r.read_string('o');
  }
  // Waits for the job to end; returns its final State.
  std::string wait_job(const std::string& job, std::chrono::milliseconds deadline = 60s) {
    std::string state;
    eventually(
        [&] {
          state = job_string(job, "State");
          return state != "running" && state != "waiting";
        },
        deadline);
    return state;
  }

  json card_state() {
    std::ifstream in(dir_.file("state.json"));
    return json::parse(in);
  }
  // The profile as the card stored it, or null.
  json card_profile(const std::string& iccid) {
    const json state = card_state();  // not a temporary: the loop refers into it
    for (const auto& p : state.at("profiles"))
      if (p.at("iccid") == iccid) return p;
    return nullptr;
  }

  void expect_daemon_answers() {
    EXPECT_TRUE(daemon_->running()) << logs();
    EXPECT_FALSE(client_->get_string(kBus, kManager, "org.euiccd1.Manager", "Version").empty());
  }
  // Every sequence number the card handed out is still on the card or reached the SM-DP+.
  // The card is read first: a notification delivered meanwhile is then on the server.
  void expect_no_notification_lost() {
    const json state = card_state();
    std::set<long> kept;
    for (const auto& n : state.value("notifications", json::array()))
      kept.insert(n.at("seq").get<long>());
    const json received = rig().smdp->state()["notifications"];
    std::set<long> acknowledged;
    for (size_t i = server_notifications_before_; i < received.size(); ++i)
      if (received[i].contains("seqNumber") && received[i]["seqNumber"].is_number())
        acknowledged.insert(received[i]["seqNumber"].get<long>());
    const long next = state.value("next_seq_number", 1L);
    for (long seq = 1; seq < next; ++seq)
      EXPECT_TRUE(kept.count(seq) || acknowledged.count(seq))
          << "notification " << seq << " is neither on the card nor at the server\n"
          << state.dump() << "\n"
          << received.dump() << logs();
  }

  // The next download on the same card succeeds: no RSP session left on card or daemon.
  void expect_next_download_works() {
    const std::string job = start_download("NEXT");
    ASSERT_EQ(wait_job(job), "succeeded")
        << job_string(job, "ErrorName") << ": " << job_string(job, "ErrorMessage") << logs();
    EXPECT_FALSE(card_profile(kNextIccid).is_null());
    // Auto-processing delivers the install notification after the job.
    EXPECT_TRUE(eventually(
        [&] {
          return client_->get_basic<uint32_t>(kBus, kEuicc, kEuiccIface, "PendingNotifications",
                                              'u') == 0;
        },
        20s))
        << logs();
  }

  // Starts a download of FIRST (stopping at the preview when `confirm`), SIGKILLs the daemon
  // as soon as the job's Stage/Progress satisfy `now`, starts it again, and checks everything
  // listed at the top.
  void kill_download_when(bool confirm,
                          const std::function<bool(const std::string&, double)>& now) {
    start();
    if (HasFatalFailure()) return;
    BusReply r = client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                               code("FIRST").c_str(), 1, "confirm_metadata", "b", confirm ? 1 : 0);
    ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
    const std::string job = r.read_string('o');
    std::string stage;
    double progress = 0;
    ASSERT_TRUE(eventually(
        [&] {
          stage = job_string(job, "Stage");
          progress = client_->get_basic<double>(kBus, job, kJobIface, "Progress", 'd');
          return now(stage, progress);
        },
        60s))
        << "never reached the stage; last " << stage << logs();
    const int status = daemon_->stop(SIGKILL, 5s);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    std::cout << "[ outcome  ] killed at stage " << stage << " (progress " << progress << ")"
              << std::endl;

    start_daemon();
    if (HasFatalFailure()) return;
    EXPECT_FALSE(client_->get_string(kBus, kManager, "org.euiccd1.Manager", "Version").empty());
    // The killed job is gone with its daemon.
    EXPECT_THROW(job_string(job, "State"), std::runtime_error);
    const json profile = card_profile(kFirstIccid);
    const std::vector<std::string> on_bus =
        client_->get_strv(kBus, kEuicc, kEuiccIface, "Profiles");
    if (profile.is_null()) {
      EXPECT_TRUE(on_bus.empty()) << logs();
    } else {
      std::cout << "[ outcome  ] the profile was installed before the kill" << std::endl;
      EXPECT_EQ(profile.value("size", 0), kFirstSize) << "not the whole profile";
      EXPECT_EQ(on_bus, std::vector<std::string>{std::string(kEuicc) + "/profile/" + kFirstIccid});
    }
    expect_next_download_works();
    expect_no_notification_lost();
    EXPECT_TRUE(daemon_->running()) << logs();
  }

  std::string logs() {
    return "\n--- euiccd log ---\n" + read_text(dir_.file("euiccd.log")) +
           "\n--- veuicc log (tail) ---\n" + tail(read_text(dir_.file("veuicc.log")));
  }
  static std::string tail(const std::string& s) {
    return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
  }

  TempDir dir_;
  size_t server_notifications_before_ = 0;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<PolkitMock> polkit_;
  std::unique_ptr<BusClient> client_;
  std::unique_ptr<Subprocess> card_;
  std::unique_ptr<Subprocess> daemon_;
};

TEST_F(DaemonKill, WhileAuthenticating) {
  kill_download_when(false,
                     [](const std::string& stage, double) { return stage == "authenticating"; });
}

TEST_F(DaemonKill, WhileWaitingForConfirmation) {
  kill_download_when(
      true, [](const std::string& stage, double) { return stage == "waiting-for-confirmation"; });
}

TEST_F(DaemonKill, WhilePreparingOrDownloading) {
  kill_download_when(false, [](const std::string& stage, double) {
    return stage == "preparing" || stage == "downloading";
  });
}

TEST_F(DaemonKill, EarlyInInstalling) {
  kill_download_when(false, [](const std::string& stage, double progress) {
    return stage == "installing" && progress > 0.1;
  });
}

TEST_F(DaemonKill, LateInInstalling) {
  kill_download_when(false, [](const std::string& stage, double progress) {
    return stage == "installing" && progress > 0.8;
  });
}

// Not a kill, but what pcscd does after one: the client that died holding the card leaves
// pcscd to reset it, and that reset can land in the middle of the next client's session. Here
// another PC/SC client resets the card while the daemon's download waits at the preview (the
// card holds the session): the daemon starts a new session once, without asking the user
// again, and the download succeeds.
TEST_F(DaemonKill, CardResetByAnotherProgramAtThePreviewIsSurvived) {
  start();
  if (HasFatalFailure()) return;
  BusReply r = client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                             code("FIRST").c_str(), 1, "confirm_metadata", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  const std::string job = r.read_string('o');
  ASSERT_TRUE(
      eventually([&] { return job_string(job, "Stage") == "waiting-for-confirmation"; }, 30s))
      << logs();

  {
    euiccd::apdu::PcscContext context;
    euiccd::apdu::PcscCard other(context, "Virtual PCD 00 00");
    DWORD active = 0;
    ASSERT_EQ(SCardReconnect(other.handle(), SCARD_SHARE_SHARED,
                             SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &active),
              SCARD_S_SUCCESS);
  }
  r = client_->call(kBus, job, kJobIface, "Confirm", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  ASSERT_EQ(wait_job(job), "succeeded")
      << job_string(job, "ErrorName") << ": " << job_string(job, "ErrorMessage") << logs();
  EXPECT_EQ(card_profile(kFirstIccid).value("size", 0), kFirstSize);
  const std::string log = read_text(dir_.file("euiccd.log"));
  EXPECT_NE(log.find("starting again with a new session"), std::string::npos) << logs();
  EXPECT_NE(read_text(dir_.file("veuicc.log")).find("veuicc: reset"), std::string::npos);
  expect_no_notification_lost();
}

}  // namespace
