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
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "apdu/pcsc_reader.h"
#include "tests/support/daemon_rig.h"
#include "tests/support/fault_checks.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

class DaemonKill : public ::testing::Test {
 protected:
  // Bus, polkit (everything allowed), a slow card, and the daemon.
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    rig_.emplace(
        RigOptions{.card_args = {"--latency-ms", "25"}, .smdp = fault_smdp().server.get()});
    rig_->allow_all();
  }
  DaemonRig& rig() { return *rig_; }

  // Starts a download of FIRST, stopping at the preview when `confirm`.
  std::string start_download(bool confirm) {
    BusReply r = rig().call(DaemonRig::euicc_path(), kEuiccIface, "DownloadProfile", "sa{sv}",
                            fault_smdp().activation_code("FIRST").c_str(), 1, "confirm_metadata",
                            "b", confirm ? 1 : 0);
    if (!r.ok()) throw std::runtime_error(r.error_name() + ": " + r.error_message());
    return r.read_string('o');
  }

  // Starts a download of FIRST (stopping at the preview when `confirm`), SIGKILLs the daemon
  // as soon as the job's Stage/Progress satisfy `now`, starts it again, and checks everything
  // listed at the top.
  void kill_download_when(bool confirm,
                          const std::function<bool(const std::string&, double)>& now) {
    const std::string job = start_download(confirm);
    std::string stage;
    double progress = 0;
    ASSERT_TRUE(eventually(
        [&] {
          stage = rig().job_string(job, "Stage");
          progress = rig().get<double>(job, kJobIface, "Progress", 'd');
          return now(stage, progress);
        },
        60s))
        << "never reached the stage; last " << stage << rig().logs();
    const int status = rig().stop_daemon(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    std::cout << "[ outcome  ] killed at stage " << stage << " (progress " << progress << ")"
              << std::endl;

    rig().start_daemon();
    ASSERT_TRUE(rig().wait_for_euicc()) << rig().logs();
    EXPECT_TRUE(rig().daemon_answers()) << rig().logs();
    // The killed job is gone with its daemon.
    EXPECT_THROW(rig().job_string(job, "State"), std::runtime_error);
    const json profile = rig().card_profile(kFaultFirstIccid);
    const std::vector<std::string> on_bus =
        rig().get_paths(DaemonRig::euicc_path(), kEuiccIface, "Profiles");
    if (profile.is_null()) {
      EXPECT_TRUE(on_bus.empty()) << rig().logs();
    } else {
      std::cout << "[ outcome  ] the profile was installed before the kill" << std::endl;
      EXPECT_EQ(profile.value("size", 0), kFaultFirstSize) << "not the whole profile";
      EXPECT_EQ(on_bus, std::vector<std::string>{DaemonRig::profile_path(kFaultFirstIccid)});
    }
    expect_next_download_works(rig());
    expect_no_notification_lost(rig());
    EXPECT_TRUE(rig().daemon().running()) << rig().logs();
  }

  std::optional<DaemonRig> rig_;
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
  const std::string job = start_download(true);
  ASSERT_TRUE(
      eventually([&] { return rig().job_string(job, "Stage") == "waiting-for-confirmation"; }, 30s))
      << rig().logs();

  {
    euiccd::apdu::PcscContext context;
    euiccd::apdu::PcscCard other(context, "Virtual PCD 00 00");
    DWORD active = 0;
    ASSERT_EQ(SCardReconnect(other.handle(), SCARD_SHARE_SHARED,
                             SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &active),
              SCARD_S_SUCCESS);
  }
  BusReply r = rig().call(job, kJobIface, "Confirm", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  ASSERT_EQ(rig().wait_job(job), "succeeded") << rig().job_error(job) << rig().logs();
  EXPECT_EQ(rig().card_profile(kFaultFirstIccid).value("size", 0), kFaultFirstSize);
  EXPECT_TRUE(rig().daemon_log_has("starting again with a new session")) << rig().logs();
  EXPECT_NE(rig().card_log().find("veuicc: reset"), std::string::npos);
  expect_no_notification_lost(rig());
}

}  // namespace
