// Profile download through euiccd's D-Bus API, end to end: a private dbus-daemon, polkit
// stood in by python-dbusmock, the virtual eUICC behind the sandbox's pcscd + vpcd, the Python
// test SM-DP+ on loopback with verified TLS, and the euiccd binary (tests/support/daemon_rig.h).
// DownloadProfile returns a Job; the Job stops at the profile preview for Confirm, and ends
// with the profile object on the bus (or, declined, with nothing installed).
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <string>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace smdpp_test = euiccd::smdpp_test;

namespace {

constexpr char kPlainIccid[] = "8944000000000000017";
constexpr char kCcIccid[] = "8944000000000000025";
constexpr char kCode[] = "1234";

// The SM-DP+ for all tests of this binary; each test gets its own bus, card and daemon.
SharedSmdp& smdp() {
  static SharedSmdp s([] {
    json plain = smdpp_test::order("PLAIN", kPlainIccid, 5000);
    plain["reusable"] = true;
    json cc = smdpp_test::order("CC", kCcIccid, 5000);
    cc["confirmationCode"] = kCode;
    cc["reusable"] = true;
    return json::array({plain, cc});
  }());
  return s;
}

std::string code(const char* matching_id) {
  return smdp().activation_code(matching_id);
}

class DaemonDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    rig_.emplace(RigOptions{.smdp = smdp().server.get()});
    rig_->allow({"org.euiccd1.download"});
  }

  DaemonRig& rig() { return *rig_; }
  bool card_has(const std::string& iccid) { return !rig().card_profile(iccid).is_null(); }
  // One string entry of the Job's Metadata (a{sv}), "" when absent.
  std::string metadata(const std::string& job, const char* key) {
    euiccd::sdbus::Message reply;
    euiccd::sdbus::Error error;
    std::string value;
    if (sd_bus_get_property(rig().client().bus(), kEuiccdBus, job.c_str(), kJobIface, "Metadata",
                            error, reply.put(), "a{sv}") >= 0 &&
        sd_bus_message_enter_container(reply, 'a', "{sv}") >= 0) {
      while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
        const char* k = nullptr;
        sd_bus_message_read(reply, "s", &k);
        const char* contents = nullptr;
        sd_bus_message_peek_type(reply, nullptr, &contents);
        if (std::string(k) == key && std::string(contents) == "s") {
          const char* v = nullptr;
          sd_bus_message_read(reply, "v", "s", &v);
          value = v;
        } else {
          sd_bus_message_skip(reply, "v");
        }
        sd_bus_message_exit_container(reply);
      }
    }
    return value;
  }
  // Starts a download stopping at the preview and waits until it is there.
  std::string download_to_the_preview() {
    BusReply r = rig().call(DaemonRig::euicc_path(), kEuiccIface, "DownloadProfile", "sa{sv}",
                            code("PLAIN").c_str(), 1, "confirm_metadata", "b", 1);
    if (!r.ok()) throw std::runtime_error(r.error_name() + ": " + r.error_message());
    const std::string job = r.read_string('o');
    if (!eventually([&] { return rig().job_string(job, "State") == "waiting"; }, 30s))
      throw std::runtime_error("the download never reached the preview" + rig().logs());
    return job;
  }

  std::optional<DaemonRig> rig_;
};

TEST_F(DaemonDownload, StopsAtThePreviewAndInstallsOnConfirm) {
  const std::string euicc = DaemonRig::euicc_path();
  BusReply r = rig().call(euicc, kEuiccIface, "DownloadProfile", "sa{sv}", code("PLAIN").c_str(), 2,
                          "confirm_metadata", "b", 1, "nickname", "s", "Fresh");
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  const std::string job = r.read_string('o');
  EXPECT_EQ(rig().job_string(job, "Operation"), "download");
  ASSERT_TRUE(eventually([&] { return rig().job_string(job, "State") == "waiting"; }, 30s))
      << rig().logs();
  EXPECT_EQ(rig().job_string(job, "Stage"), "waiting-for-confirmation");
  // Authenticated, nothing prepared yet: the overall figure sits between the two.
  const double at_preview = rig().get<double>(job, kJobIface, "OverallProgress", 'd');
  EXPECT_GT(at_preview, 0.0);
  EXPECT_LT(at_preview, 0.5);
  EXPECT_EQ(metadata(job, "iccid"), kPlainIccid);
  EXPECT_EQ(metadata(job, "service_provider_name"), "Test Telecom");
  EXPECT_EQ(metadata(job, "profile_name"), "Profile PLAIN");
  EXPECT_FALSE(card_has(kPlainIccid));
  // Another change meanwhile: the card belongs to the job.
  r = rig().call(euicc, kEuiccIface, "Refresh");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.Busy");

  r = rig().call(job, kJobIface, "Confirm", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_message();
  ASSERT_EQ(rig().wait_job(job), "succeeded") << rig().job_error(job) << rig().logs();
  EXPECT_EQ(rig().get<double>(job, kJobIface, "OverallProgress", 'd'), 1.0);
  const std::string profile = DaemonRig::profile_path(kPlainIccid);
  EXPECT_EQ(rig().get_path(job, kJobIface, "Result"), profile);
  EXPECT_EQ(rig().get_string(profile, kProfileIface, "State"), "disabled");
  EXPECT_EQ(rig().get_string(profile, kProfileIface, "Nickname"), "Fresh");
  EXPECT_EQ(rig().get_string(profile, kProfileIface, "ServiceProviderName"), "Test Telecom");
  EXPECT_TRUE(card_has(kPlainIccid));
}

TEST_F(DaemonDownload, DeclinedAtThePreviewInstallsNothing) {
  const std::string job = download_to_the_preview();
  BusReply r = rig().call(job, kJobIface, "Confirm", "b", 0);
  ASSERT_TRUE(r.ok()) << r.error_message();
  ASSERT_EQ(rig().wait_job(job, 30s), "cancelled") << rig().logs();
  EXPECT_EQ(rig().job_string(job, "ErrorName"), "org.euiccd1.Error.Cancelled");
  EXPECT_EQ(rig().get_path(job, kJobIface, "Result"), "/");
  EXPECT_FALSE(card_has(kPlainIccid));
  // The card is free again.
  EXPECT_TRUE(rig().call(DaemonRig::euicc_path(), kEuiccIface, "Refresh").ok());
}

TEST_F(DaemonDownload, ConfirmationCodeIsAskedForAndUsed) {
  std::string job = rig().start_download(code("CC"));
  ASSERT_EQ(rig().wait_job(job, 30s), "failed") << rig().logs();
  EXPECT_EQ(rig().job_string(job, "ErrorName"), "org.euiccd1.Error.InvalidArgument");
  EXPECT_NE(rig().job_string(job, "ErrorMessage").find("confirmation code"), std::string::npos)
      << rig().job_string(job, "ErrorMessage");
  EXPECT_FALSE(card_has(kCcIccid));

  BusReply r = rig().call(DaemonRig::euicc_path(), kEuiccIface, "DownloadProfile", "sa{sv}",
                          code("CC").c_str(), 2, "confirmation_code", "s", kCode, "enable", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_message();
  job = r.read_string('o');
  ASSERT_EQ(rig().wait_job(job), "succeeded") << rig().job_error(job) << rig().logs();
  EXPECT_EQ(rig().get_path(DaemonRig::euicc_path(), kEuiccIface, "EnabledProfile"),
            DaemonRig::profile_path(kCcIccid));
  // The confirmation code never reaches the log.
  EXPECT_EQ(rig().daemon_log().find(std::string("$CC")), std::string::npos);
}

// SIGTERM in the middle of a download: the session ends on card and server with reason
// "postponed" (the order stays usable) before the daemon exits.
TEST_F(DaemonDownload, StopDuringADownloadPostponesTheSession) {
  const size_t cancelled_before = smdp().server->state()["cancelledSessions"].size();
  download_to_the_preview();
  const auto start = std::chrono::steady_clock::now();
  const int status = rig().stop_daemon(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << rig().logs();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  const json cancelled = smdp().server->state()["cancelledSessions"];
  ASSERT_EQ(cancelled.size(), cancelled_before + 1) << cancelled.dump() << rig().logs();
  EXPECT_EQ(cancelled.back()["reason"], 1) << "postponed";
  EXPECT_EQ(cancelled.back()["signatureVerified"], true);
  EXPECT_FALSE(card_has(kPlainIccid));
}

}  // namespace
