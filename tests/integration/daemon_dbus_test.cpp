// euiccd on a private bus, driven the way users drive it: every test runs a real dbus-daemon,
// python-dbusmock as polkit, the virtual eUICC behind the sandbox's pcscd + vpcd, and the
// euiccd binary (tests/support/daemon_rig.h), then calls it over D-Bus and checks the bus and
// the card's state file.
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kEuicc[] = "/org/euiccd1/euicc/0";
constexpr char kHome[] = "/org/euiccd1/euicc/0/profile/8944476500001224158";     // enabled
constexpr char kTravel[] = "/org/euiccd1/euicc/0/profile/89012600000000000013";  // disabled
constexpr char kTest[] = "/org/euiccd1/euicc/0/profile/891000000000000004";      // test class

constexpr char kSeed[] = R"({
  "default_dp_address": "smdp.example.com",
  "root_ds_address": "lpa.ds.example.com",
  "memory": {"nvm_bytes": 1048576, "free_ram_bytes": 65536},
  "profiles": [
    {"iccid": "8944476500001224158", "state": "enabled", "nickname": "Home",
     "service_provider_name": "Veuicc Mobile", "profile_name": "Home plan",
     "profile_class": "operational", "size": 120000, "profile_owner": {"mcc_mnc": "32F410"}},
    {"iccid": "89012600000000000013", "state": "disabled",
     "service_provider_name": "Roam Anywhere", "profile_name": "Travel data",
     "profile_class": "operational", "size": 80000},
    {"iccid": "891000000000000004", "state": "disabled", "service_provider_name": "Test Lab",
     "profile_name": "Conformance test", "profile_class": "test", "size": 20000,
     "preloaded": true}
  ]
})";

// The card's own view of a profile's state: "absent" once deleted.
std::string card_state(const DaemonRig& rig, const std::string& iccid) {
  const nlohmann::json p = rig.card_profile(iccid);
  return p.is_null() ? "absent" : p.value("state", "disabled");
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
  }
};

// ---- objects and properties ----------------------------------------------------------------

TEST_F(DaemonTest, PublishesTheCardWithItsProfiles) {
  DaemonRig rig({.card_seed = kSeed});
  EXPECT_EQ(rig.get_paths(kManagerPath, kManagerIface, "Euiccs"), std::vector<std::string>{kEuicc});
  EXPECT_FALSE(rig.get_string(kManagerPath, kManagerIface, "Version").empty());

  EXPECT_EQ(rig.get_string(kEuicc, kEuiccIface, "Reader"), "Virtual PCD 00 00");
  EXPECT_EQ(rig.get_string(kEuicc, kEuiccIface, "Transport"), "pcsc");
  EXPECT_EQ(rig.get_path(kEuicc, kEuiccIface, "Modem"), "/");
  EXPECT_EQ(rig.get_paths(kEuicc, kEuiccIface, "Profiles"),
            (std::vector<std::string>{kHome, kTravel, kTest}));
  EXPECT_EQ(rig.get_path(kEuicc, kEuiccIface, "EnabledProfile"), kHome);
  EXPECT_EQ(rig.get_string(kEuicc, kEuiccIface, "SvnVersion"), "2.2.2");
  EXPECT_EQ(rig.get_string(kEuicc, kEuiccIface, "DefaultSmdpAddress"), "smdp.example.com");
  EXPECT_EQ(rig.get_string(kEuicc, kEuiccIface, "RootSmdsAddress"), "lpa.ds.example.com");
  EXPECT_EQ(rig.get<uint64_t>(kEuicc, kEuiccIface, "FreeNonVolatileMemory", 't'),
            1048576U - 120000U - 80000U - 20000U);
  EXPECT_EQ(rig.get<uint32_t>(kEuicc, kEuiccIface, "PendingNotifications", 'u'), 0U);

  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "Iccid"), "8944476500001224158");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "State"), "enabled");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "Nickname"), "Home");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "ServiceProviderName"), "Veuicc Mobile");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "ProfileName"), "Home plan");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "ProfileClass"), "operational");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "OwnerMccMnc"), "23401");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "IsdpAid").size(), 32U);
  EXPECT_EQ(rig.get_string(kTest, kProfileIface, "ProfileClass"), "test");
  EXPECT_EQ(rig.get_string(kTravel, kProfileIface, "State"), "disabled");

  // The ObjectManager lists them all.
  const std::vector<std::string> paths = rig.managed_objects();
  EXPECT_NE(std::find(paths.begin(), paths.end(), kEuicc), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), kTravel), paths.end());
}

TEST_F(DaemonTest, IntrospectionMatchesTheContractXml) {
  DaemonRig rig({.card_seed = kSeed});
  rig.allow({"org.euiccd1.discover"});
  BusReply job = rig.call(kEuicc, kEuiccIface, "DiscoverProfiles", "s", "");  // fails, stays
  ASSERT_TRUE(job.ok()) << job.error_message();
  const std::string job_path = job.read_string('o');
  for (const std::string& path :
       {std::string(kManagerPath), std::string(kEuicc), std::string(kTravel), job_path}) {
    BusReply xml = rig.call(path, "org.freedesktop.DBus.Introspectable", "Introspect");
    ASSERT_TRUE(xml.ok()) << path << ": " << xml.error_message();
    const std::string file = rig.dir().file("live.xml");
    std::ofstream(file) << xml.read_string();
    std::string diff;
    EXPECT_EQ(
        run_command({"/usr/bin/python3",
                     std::string(EUICCD_SOURCE_DIR) + "/tests/support/dbus_introspection_diff.py",
                     std::string(EUICCD_SOURCE_DIR) + "/dbus/org.euiccd1.xml", file},
                    &diff),
        0)
        << path << ":\n"
        << diff;
  }
}

// ---- changes -------------------------------------------------------------------------------

TEST_F(DaemonTest, EnableAndDisableSwitchTheCard) {
  DaemonRig rig({.card_seed = kSeed});
  rig.allow({"org.euiccd1.enable-disable"});
  BusReply r = rig.call(kTravel, kProfileIface, "Enable");
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  // The reply comes after the new state is on the bus: no waiting needed.
  EXPECT_EQ(rig.get_path(kEuicc, kEuiccIface, "EnabledProfile"), kTravel);
  EXPECT_EQ(rig.get_string(kTravel, kProfileIface, "State"), "enabled");
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "State"), "disabled");
  EXPECT_EQ(card_state(rig, "89012600000000000013"), "enabled");
  EXPECT_EQ(card_state(rig, "8944476500001224158"), "disabled");

  r = rig.call(kTravel, kProfileIface, "Disable");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(rig.get_path(kEuicc, kEuiccIface, "EnabledProfile"), "/");
  EXPECT_EQ(card_state(rig, "89012600000000000013"), "disabled");

  // The card's own refusal comes back named: disabling a disabled profile.
  r = rig.call(kTravel, kProfileIface, "Disable");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState") << r.error_message();
}

TEST_F(DaemonTest, NicknameAndDeleteChangeTheCard) {
  DaemonRig rig({.card_seed = kSeed});
  rig.allow({"org.euiccd1.rename", "org.euiccd1.delete"});
  BusReply r = rig.call(kTravel, kProfileIface, "SetNickname", "s", "Trips ✈");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(rig.get_string(kTravel, kProfileIface, "Nickname"), "Trips ✈");
  EXPECT_EQ(rig.card_profile("89012600000000000013").value("nickname", ""), "Trips ✈");

  r = rig.call(kTravel, kProfileIface, "Delete");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(rig.get_paths(kEuicc, kEuiccIface, "Profiles"),
            (std::vector<std::string>{kHome, kTest}));
  EXPECT_EQ(card_state(rig, "89012600000000000013"), "absent");
  EXPECT_THROW(rig.get_string(kTravel, kProfileIface, "Iccid"), std::runtime_error);  // gone
  // Deleting the enabled profile is the card's refusal, by name.
  r = rig.call(kHome, kProfileIface, "Delete");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState") << r.error_message();
}

TEST_F(DaemonTest, UnauthorizedCallerIsRefused) {
  DaemonRig rig({.card_seed = kSeed});
  rig.allow({});
  BusReply r = rig.call(kTravel, kProfileIface, "Enable");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.NotAuthorized");
  EXPECT_NE(r.error_message().find("org.euiccd1.enable-disable"), std::string::npos)
      << r.error_message();
  r = rig.call(kTravel, kProfileIface, "Delete");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.NotAuthorized");
  r = rig.call(kEuicc, kEuiccIface, "ResetMemory", "u", 1U);
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.NotAuthorized");
  EXPECT_EQ(card_state(rig, "89012600000000000013"), "disabled");
  EXPECT_EQ(card_state(rig, "8944476500001224158"), "enabled");
  // Reading stays open.
  EXPECT_EQ(rig.get_string(kTravel, kProfileIface, "State"), "disabled");
  EXPECT_TRUE(rig.call(kEuicc, kEuiccIface, "Refresh").ok());
}

TEST_F(DaemonTest, BadArgumentsAreRefusedWithReasons) {
  DaemonRig rig({.card_seed = kSeed});
  rig.allow({"org.euiccd1.rename", "org.euiccd1.download", "org.euiccd1.reset-memory",
             "org.euiccd1.configure", "org.euiccd1.discover"});
  auto expect_invalid = [&](BusReply r, const std::string& words) {
    EXPECT_EQ(r.error_name(), "org.euiccd1.Error.InvalidArgument") << r.error_message();
    EXPECT_NE(r.error_message().find(words), std::string::npos) << r.error_message();
  };
  expect_invalid(rig.call(kTravel, kProfileIface, "SetNickname", "s", std::string(65, 'x').c_str()),
                 "too long");
  expect_invalid(rig.call(kTravel, kProfileIface, "SetNickname", "s", "a\nb"), "control character");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "ResetMemory", "u", 0U), "at least one");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "ResetMemory", "u", 8U), "unknown bits");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "SetDefaultSmdpAddress", "s", "not a host!"),
                 "SM-DP+ address");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "DiscoverProfiles", "s", "bad_host"), "SM-DS");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", "2$x$y", 0),
                 "activation code");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                          "LPA:1$smdp.example.com$X", 1, "colour", "s", "blue"),
                 "unknown option \"colour\"");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                          "LPA:1$smdp.example.com$X", 1, "enable", "s", "yes"),
                 "must be a boolean");
  expect_invalid(rig.call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                          "LPA:1$smdp.example.com$X", 1, "imei", "s", "12345"),
                 "imei");
  // The travel policy switches eUICCs inside modems only: a reader's cannot pause it.
  BusReply pause = rig.call(kEuicc, kEuiccIface, "PauseTravelPolicy");
  EXPECT_EQ(pause.error_name(), "org.euiccd1.Error.NotSupported") << pause.error_message();
  EXPECT_NE(pause.error_message().find("inside modems only"), std::string::npos)
      << pause.error_message();
  // Nothing reached the card.
  EXPECT_EQ(rig.card_profile("89012600000000000013").value("nickname", ""), "");
  EXPECT_EQ(rig.get_string(kEuicc, kEuiccIface, "DefaultSmdpAddress"), "smdp.example.com");
}

TEST_F(DaemonTest, ChangesOnOneCardRunInArrivalOrder) {
  DaemonRig rig({.card_seed = kSeed, .card_args = {"--latency-ms", "15"}});
  rig.allow({"org.euiccd1.enable-disable", "org.euiccd1.rename"});
  AsyncReply enable, rename, disable;
  ASSERT_TRUE(rig.call_async(enable, kTravel, kProfileIface, "Enable"));
  ASSERT_TRUE(rig.call_async(rename, kTravel, kProfileIface, "SetNickname", "s", "Queued"));
  ASSERT_TRUE(rig.call_async(disable, kHome, kProfileIface, "Enable"));
  ASSERT_TRUE(rig.pump_until([&] { return enable.done && rename.done && disable.done; }, 15s));
  EXPECT_EQ(enable.error_name, "");
  EXPECT_EQ(rename.error_name, "");
  EXPECT_EQ(disable.error_name, "");
  // Had they not run in order, Home's enable would have failed (already enabled) or Travel
  // would be the enabled one.
  EXPECT_EQ(card_state(rig, "8944476500001224158"), "enabled");
  EXPECT_EQ(card_state(rig, "89012600000000000013"), "disabled");
  EXPECT_EQ(rig.get_string(kTravel, kProfileIface, "Nickname"), "Queued");
}

// A discovery against an SM-DS that accepts the connection and never answers holds the card:
// other changes get Busy at once, Cancel ends the job.
TEST_F(DaemonTest, JobHoldsTheCardUntilCancelled) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));

  DaemonRig rig({.card_seed = kSeed,
                 .daemon_args = {"--resolve", "silent.example.com:" + port + ":127.0.0.1"}});
  rig.allow({"org.euiccd1.discover", "org.euiccd1.enable-disable", "org.euiccd1.download"});
  BusReply r = rig.call(kEuicc, kEuiccIface, "DiscoverProfiles", "s",
                        ("silent.example.com:" + port).c_str());
  ASSERT_TRUE(r.ok()) << r.error_message();
  const std::string job = r.read_string('o');
  EXPECT_EQ(job, "/org/euiccd1/job/1");
  EXPECT_EQ(rig.job_string(job, "Operation"), "discovery");
  ASSERT_TRUE(eventually([&] { return rig.job_string(job, "Stage") == "authenticating"; }))
      << rig.logs();
  EXPECT_EQ(rig.job_string(job, "State"), "running");

  r = rig.call(kTravel, kProfileIface, "Enable");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.Busy") << r.error_message();
  EXPECT_NE(r.error_message().find("job 1"), std::string::npos) << r.error_message();
  r = rig.call(kEuicc, kEuiccIface, "DiscoverProfiles", "s", "");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.Busy");
  r = rig.call(job, kJobIface, "Confirm", "b", 1);
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState") << r.error_message();

  const auto cancelled_at = std::chrono::steady_clock::now();
  r = rig.call(job, kJobIface, "Cancel");
  ASSERT_TRUE(r.ok()) << r.error_message();
  ASSERT_EQ(rig.wait_job(job, 10s), "cancelled") << rig.logs();
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 5s);
  EXPECT_EQ(rig.job_string(job, "ErrorName"), "org.euiccd1.Error.Cancelled");
  EXPECT_EQ(rig.job_string(job, "Stage"), "done");
  r = rig.call(job, kJobIface, "Cancel");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState");

  // The card is free again.
  r = rig.call(kTravel, kProfileIface, "Enable");
  EXPECT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  close(listener);
}

// ---- hotplug and shutdown ------------------------------------------------------------------

TEST_F(DaemonTest, RemovedCardGoesAwayAndComesBackAtTheSamePath) {
  DaemonRig rig({.card_seed = kSeed});
  rig.stop_card();
  ASSERT_TRUE(eventually([&] {
    return rig.get_paths(kManagerPath, kManagerIface, "Euiccs").empty();
  })) << rig.logs();
  EXPECT_THROW(rig.get_string(kEuicc, kEuiccIface, "Eid"), std::runtime_error);
  EXPECT_THROW(rig.get_string(kHome, kProfileIface, "Iccid"), std::runtime_error);

  rig.start_card();  // same state file: the same card
  ASSERT_TRUE(rig.wait_for_euicc()) << rig.logs();
  EXPECT_EQ(rig.get_string(kHome, kProfileIface, "State"), "enabled");
}

TEST_F(DaemonTest, CallWaitingWhenTheCardGoesAwayIsAborted) {
  DaemonRig rig({.card_seed = kSeed});
  rig.allow({"org.euiccd1.enable-disable"});
  BusReply hang = rig.client().call(kPolkitBus, kPolkitPath, "org.freedesktop.DBus.Mock",
                                    "SimulateHangActions", "as", 1, "org.euiccd1.enable-disable");
  ASSERT_TRUE(hang.ok()) << hang.error_message();
  AsyncReply enable;
  ASSERT_TRUE(rig.call_async(enable, kTravel, kProfileIface, "Enable"));
  // polkit now holds the call; pull the card.
  ASSERT_TRUE(eventually([&] {
    BusReply r = rig.client().call(kPolkitBus, kPolkitPath, "org.freedesktop.DBus.Mock",
                                   "HaveHangingCalls", nullptr);
    int have = 0;
    return r.ok() && sd_bus_message_read(r.message(), "b", &have) >= 0 && have;
  }));
  rig.stop_card();
  ASSERT_TRUE(rig.pump_until([&] { return enable.done; }, 15s));
  EXPECT_EQ(enable.error_name, "org.euiccd1.Error.Aborted");
}

TEST_F(DaemonTest, NotifiesSystemdAndStopsCleanlyOnSigterm) {
  DaemonRig rig({.card_seed = kSeed, .start = false});
  // A NOTIFY_SOCKET of our own, as systemd would give.
  const std::string notify_path = rig.dir().file("notify");
  const int notify = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", notify_path.c_str());
  ASSERT_EQ(bind(notify, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  setenv("NOTIFY_SOCKET", notify_path.c_str(), 1);
  setenv("WATCHDOG_USEC", "200000", 1);
  rig.start_card();
  rig.start_daemon();
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(rig.wait_for_euicc()) << rig.logs();

  std::string messages;
  auto receive = [&](const std::string& what) {
    return eventually(
        [&] {
          char buf[512];
          ssize_t n;
          while ((n = recv(notify, buf, sizeof buf, MSG_DONTWAIT)) > 0)
            messages.append(buf, static_cast<size_t>(n)).push_back('\n');
          return messages.find(what) != std::string::npos;
        },
        5s);
  };
  EXPECT_TRUE(receive("READY=1")) << messages;
  EXPECT_TRUE(receive("WATCHDOG=1")) << messages;
  EXPECT_TRUE(receive("STATUS=Serving 1 eUICC(s)")) << messages;

  const auto start = std::chrono::steady_clock::now();
  const int status = rig.stop_daemon(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << rig.logs();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(receive("STOPPING=1")) << messages;
  EXPECT_FALSE(rig.client().has_owner(kEuiccdBus));
  close(notify);
}

}  // namespace
