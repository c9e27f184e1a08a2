// Profile download through euiccd's D-Bus API, end to end: a private dbus-daemon, polkit
// stood in by python-dbusmock, the virtual eUICC behind the sandbox's pcscd + vpcd, the Python
// test SM-DP+ on loopback with verified TLS, and the euiccd binary. DownloadProfile returns a
// Job; the Job stops at the profile preview for Confirm, and ends with the profile object on
// the bus (or, declined, with nothing installed).
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/dbus_test_bus.h"
#include "tests/support/dbus_test_client.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

using namespace euiccd::testing;
using namespace euiccd::smdpp_test;
using namespace std::chrono_literals;

namespace {

constexpr char kBus[] = "org.euiccd1";
constexpr char kEuicc[] = "/org/euiccd1/euicc/0";
constexpr char kEuiccIface[] = "org.euiccd1.Euicc";
constexpr char kProfileIface[] = "org.euiccd1.Profile";
constexpr char kJobIface[] = "org.euiccd1.Job";
constexpr char kEid[] = "89049032123451234512345678901235";  // tests/pki/make-test-pki.sh
constexpr char kPlainIccid[] = "8944000000000000017";
constexpr char kCcIccid[] = "8944000000000000025";
constexpr char kCode[] = "1234";

// PKI and the SM-DP+ for all tests of this binary (key generation and the server start are the
// slow parts); each test gets its own bus, card and daemon.
struct Rig {
  TempDir dir;
  std::string pki = shared_test_pki();
  std::unique_ptr<Server> smdp;

  Rig() {
    json plain = order("PLAIN", kPlainIccid, 5000);
    plain["reusable"] = true;
    json cc = order("CC", kCcIccid, 5000);
    cc["confirmationCode"] = kCode;
    cc["reusable"] = true;
    smdp = std::make_unique<Server>(pki, smdp_config(kSmdpHost, {plain, cc}), dir.file("smdp.log"));
  }
};

Rig& rig() {
  static Rig r;
  return r;
}

class DaemonDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("VPCD_PORT") == nullptr) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    bus_ = std::make_unique<PrivateBus>();
    polkit_ = std::make_unique<PolkitMock>(*bus_);
    client_ = std::make_unique<BusClient>(bus_->address());
    ASSERT_TRUE(eventually([&] { return client_->has_owner("org.freedesktop.PolicyKit1"); }));
    const std::string& pki = rig().pki;
    card_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/veuicc/veuicc", "--state",
                                 dir_.file("state.json"), "--euicc-cert", pki + "/euicc.pem",
                                 "--euicc-key", pki + "/euicc.key", "--eum-cert", pki + "/eum.pem",
                                 "--ci-cert", pki + "/ci.pem"},
        dir_.file("veuicc.log"));
    daemon_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/daemon/euiccd", "--bus", bus_->address(),
                                 "--config", dir_.file("none.conf"), "--config-dir",
                                 dir_.file("none.d"), "--ca", pki + "/ci.pem", "--resolve",
                                 rig().smdp->resolve_entry(), "--verbose"},
        dir_.file("euiccd.log"));
    ASSERT_TRUE(eventually(
        [&] { return client_->get_string(kBus, kEuicc, kEuiccIface, "Eid") == kEid; }, 15s))
        << log();
    BusReply r =
        client_->call("org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
                      "org.freedesktop.DBus.Mock", "SetAllowed", "as", 1, "org.euiccd1.download");
    ASSERT_TRUE(r.ok()) << r.error_message();
  }

  std::string code(const char* matching_id) {
    return "LPA:1$" + rig().smdp->address() + "$" + matching_id;
  }
  std::string job_string(const std::string& job, const char* name) {
    return client_->get_string(kBus, job, kJobIface, name);
  }
  // One string entry of the Job's Metadata (a{sv}), "" when absent.
  std::string metadata(const std::string& job, const char* key) {
    sd_bus_message* reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    std::string value;
    if (sd_bus_get_property(client_->bus(), kBus, job.c_str(), kJobIface, "Metadata", &error,
                            &reply, "a{sv}") >= 0 &&
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
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    return value;
  }
  bool card_has(const std::string& iccid) {
    std::ifstream in(dir_.file("state.json"));
    const json state = json::parse(in);
    for (const auto& p : state.at("profiles"))
      if (p.at("iccid") == iccid) return true;
    return false;
  }
  std::string log() {
    std::ifstream in(dir_.file("euiccd.log"));
    return "--- euiccd log ---\n" + std::string(std::istreambuf_iterator<char>(in), {});
  }

  TempDir dir_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<PolkitMock> polkit_;
  std::unique_ptr<BusClient> client_;
  std::unique_ptr<Subprocess> card_;
  std::unique_ptr<Subprocess> daemon_;
};

TEST_F(DaemonDownload, StopsAtThePreviewAndInstallsOnConfirm) {
  BusReply r =
      client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", code("PLAIN").c_str(),
                    2, "confirm_metadata", "b", 1, "nickname", "s", "Fresh");
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  const std::string job = r.read_string('o');
  EXPECT_EQ(job_string(job, "Operation"), "download");
  ASSERT_TRUE(eventually([&] { return job_string(job, "State") == "waiting"; }, 30s)) << log();
  EXPECT_EQ(job_string(job, "Stage"), "waiting-for-confirmation");
  EXPECT_EQ(metadata(job, "iccid"), kPlainIccid);
  EXPECT_EQ(metadata(job, "service_provider_name"), "Test Telecom");
  EXPECT_EQ(metadata(job, "profile_name"), "Profile PLAIN");
  EXPECT_FALSE(card_has(kPlainIccid));
  // Another change meanwhile: the card belongs to the job.
  r = client_->call(kBus, kEuicc, kEuiccIface, "Refresh", nullptr);
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.Busy");

  r = client_->call(kBus, job, kJobIface, "Confirm", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_message();
  ASSERT_TRUE(eventually(
      [&] {
        return job_string(job, "State") != "waiting" && job_string(job, "State") != "running";
      },
      60s))
      << log();
  ASSERT_EQ(job_string(job, "State"), "succeeded")
      << job_string(job, "ErrorName") << ": " << job_string(job, "ErrorMessage") << log();
  const std::string profile = std::string(kEuicc) + "/profile/" + kPlainIccid;
  EXPECT_EQ(client_->get_object_path(kBus, job, kJobIface, "Result"), profile);
  EXPECT_EQ(client_->get_string(kBus, profile, kProfileIface, "State"), "disabled");
  EXPECT_EQ(client_->get_string(kBus, profile, kProfileIface, "Nickname"), "Fresh");
  EXPECT_EQ(client_->get_string(kBus, profile, kProfileIface, "ServiceProviderName"),
            "Test Telecom");
  EXPECT_TRUE(card_has(kPlainIccid));
}

TEST_F(DaemonDownload, DeclinedAtThePreviewInstallsNothing) {
  BusReply r = client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                             code("PLAIN").c_str(), 1, "confirm_metadata", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_message();
  const std::string job = r.read_string('o');
  ASSERT_TRUE(eventually([&] { return job_string(job, "State") == "waiting"; }, 30s)) << log();
  r = client_->call(kBus, job, kJobIface, "Confirm", "b", 0);
  ASSERT_TRUE(r.ok()) << r.error_message();
  ASSERT_TRUE(eventually([&] { return job_string(job, "State") == "cancelled"; }, 30s)) << log();
  EXPECT_EQ(job_string(job, "ErrorName"), "org.euiccd1.Error.Cancelled");
  EXPECT_EQ(client_->get_object_path(kBus, job, kJobIface, "Result"), "/");
  EXPECT_FALSE(card_has(kPlainIccid));
  // The card is free again.
  EXPECT_TRUE(client_->call(kBus, kEuicc, kEuiccIface, "Refresh", nullptr).ok());
}

TEST_F(DaemonDownload, ConfirmationCodeIsAskedForAndUsed) {
  BusReply r =
      client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", code("CC").c_str(), 0);
  ASSERT_TRUE(r.ok()) << r.error_message();
  std::string job = r.read_string('o');
  ASSERT_TRUE(eventually([&] { return job_string(job, "State") == "failed"; }, 30s)) << log();
  EXPECT_EQ(job_string(job, "ErrorName"), "org.euiccd1.Error.InvalidArgument");
  EXPECT_NE(job_string(job, "ErrorMessage").find("confirmation code"), std::string::npos)
      << job_string(job, "ErrorMessage");
  EXPECT_FALSE(card_has(kCcIccid));

  r = client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", code("CC").c_str(), 2,
                    "confirmation_code", "s", kCode, "enable", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_message();
  job = r.read_string('o');
  ASSERT_TRUE(eventually([&] { return job_string(job, "State") == "succeeded"; }, 60s))
      << job_string(job, "ErrorMessage") << log();
  EXPECT_EQ(client_->get_object_path(kBus, kEuicc, kEuiccIface, "EnabledProfile"),
            std::string(kEuicc) + "/profile/" + kCcIccid);
  // The confirmation code never reaches the log.
  EXPECT_EQ(log().find(std::string("$CC")), std::string::npos);
}

// SIGTERM in the middle of a download: the session ends on card and server with reason
// "postponed" (the order stays usable) before the daemon exits.
TEST_F(DaemonDownload, StopDuringADownloadPostponesTheSession) {
  const size_t cancelled_before = rig().smdp->state()["cancelledSessions"].size();
  BusReply r = client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                             code("PLAIN").c_str(), 1, "confirm_metadata", "b", 1);
  ASSERT_TRUE(r.ok()) << r.error_message();
  const std::string job = r.read_string('o');
  ASSERT_TRUE(eventually([&] { return job_string(job, "State") == "waiting"; }, 30s)) << log();
  const auto start = std::chrono::steady_clock::now();
  const int status = daemon_->stop(SIGTERM, 20s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  const json cancelled = rig().smdp->state()["cancelledSessions"];
  ASSERT_EQ(cancelled.size(), cancelled_before + 1) << cancelled.dump() << log();
  EXPECT_EQ(cancelled.back()["reason"], 1) << "postponed";
  EXPECT_EQ(cancelled.back()["signatureVerified"], true);
  EXPECT_FALSE(card_has(kPlainIccid));
}

}  // namespace
