// euiccd on a private bus, driven the way users drive it: every test runs a real dbus-daemon,
// python-dbusmock as polkit, the virtual eUICC behind the sandbox's pcscd + vpcd, and the
// euiccd binary, then calls it over D-Bus and checks the bus and the card's state file.
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/dbus_test_bus.h"
#include "tests/support/dbus_test_client.h"
#include "tests/support/subprocess.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kBus[] = "org.euiccd1";
constexpr char kEuicc[] = "/org/euiccd1/euicc/0";
constexpr char kHome[] = "/org/euiccd1/euicc/0/profile/8944476500001224158";     // enabled
constexpr char kTravel[] = "/org/euiccd1/euicc/0/profile/89012600000000000013";  // disabled
constexpr char kTest[] = "/org/euiccd1/euicc/0/profile/891000000000000004";      // test class
constexpr char kEid[] = "89049032123451234512345678901235";
constexpr char kProfileIface[] = "org.euiccd1.Profile";
constexpr char kEuiccIface[] = "org.euiccd1.Euicc";
constexpr char kJobIface[] = "org.euiccd1.Job";
constexpr char kPolkitPath[] = "/org/freedesktop/PolicyKit1/Authority";

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

const char* binary_dir() {
  return EUICCD_BINARY_DIR;
}

// The card-side PKI, made once for all tests (key generation is the slow part).
const TempDir& pki() {
  static TempDir dir;
  static const bool made = [] {
    std::string out;
    return run_command({std::string(EUICCD_SOURCE_DIR) + "/tests/pki/make-test-pki.sh", dir.path()},
                       &out, 60s) == 0;
  }();
  if (!made) throw std::runtime_error("make-test-pki.sh failed");
  return dir;
}

struct AsyncCall {
  bool done = false;
  std::string error_name;
};

int on_async_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* call = static_cast<AsyncCall*>(userdata);
  call->done = true;
  if (const sd_bus_error* e = sd_bus_message_get_error(m)) call->error_name = e->name;
  return 0;
}

// Drives `client`'s connection until every call is answered or the deadline passes.
bool pump(BusClient& client, const std::vector<AsyncCall*>& calls,
          std::chrono::milliseconds deadline = 15s) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    bool all = true;
    for (auto* c : calls) all = all && c->done;
    if (all) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    while (sd_bus_process(client.bus(), nullptr) > 0) {
    }
    sd_bus_wait(client.bus(), 20'000);
  }
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("VPCD_PORT") == nullptr) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    std::ofstream(dir_.file("seed.json")) << kSeed;
    bus_ = std::make_unique<PrivateBus>();
    polkit_ = std::make_unique<PolkitMock>(*bus_);
    client_ = std::make_unique<BusClient>(bus_->address());
    ASSERT_TRUE(eventually([&] { return client_->has_owner("org.freedesktop.PolicyKit1"); }))
        << "the polkit mock did not come up";
  }

  void TearDown() override {
    daemon_.reset();
    card_.reset();
  }

  void start_card(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{std::string(binary_dir()) + "/veuicc/veuicc",
                                  "--state",
                                  dir_.file("state.json"),
                                  "--seed",
                                  dir_.file("seed.json"),
                                  "--euicc-cert",
                                  pki().file("euicc.pem"),
                                  "--euicc-key",
                                  pki().file("euicc.key"),
                                  "--eum-cert",
                                  pki().file("eum.pem"),
                                  "--ci-cert",
                                  pki().file("ci.pem")};
    for (auto& e : extra) argv.push_back(std::move(e));
    card_ = std::make_unique<Subprocess>(argv, dir_.file("veuicc.log"));
  }

  void start_daemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{std::string(binary_dir()) + "/daemon/euiccd",
                                  "--bus",
                                  bus_->address(),
                                  "--config",
                                  dir_.file("none.conf"),
                                  "--config-dir",
                                  dir_.file("none.conf.d"),
                                  "--ca",
                                  pki().file("ci.pem"),
                                  "--verbose"};
    for (auto& e : extra) argv.push_back(std::move(e));
    daemon_ = std::make_unique<Subprocess>(argv, dir_.file("euiccd.log"));
  }

  // Card and daemon up, the eUICC object on the bus.
  void start_all(std::vector<std::string> card_extra = {},
                 std::vector<std::string> daemon_extra = {}) {
    start_card(std::move(card_extra));
    start_daemon(std::move(daemon_extra));
    ASSERT_TRUE(wait_for_euicc()) << log();
  }

  bool wait_for_euicc(std::chrono::milliseconds deadline = 15s) {
    return eventually([&] { return get(kEuicc, kEuiccIface, "Eid") == kEid; }, deadline);
  }

  void allow(const std::vector<std::string>& actions) {
    sd_bus_message* m = nullptr;
    sd_bus_message_new_method_call(client_->bus(), &m, "org.freedesktop.PolicyKit1", kPolkitPath,
                                   "org.freedesktop.DBus.Mock", "SetAllowed");
    sd_bus_message_open_container(m, 'a', "s");
    for (const auto& a : actions) sd_bus_message_append(m, "s", a.c_str());
    sd_bus_message_close_container(m);
    BusReply r = client_->call_message(m);
    sd_bus_message_unref(m);
    ASSERT_TRUE(r.ok()) << r.error_message();
  }

  std::string get(const std::string& path, const char* iface, const char* name) {
    return client_->get_string(kBus, path, iface, name);
  }
  std::string get_path(const std::string& path, const char* iface, const char* name) {
    return client_->get_object_path(kBus, path, iface, name);
  }
  BusReply call(const std::string& path, const char* iface, const char* member,
                const char* types = nullptr) {
    return client_->call(kBus, path, iface, member, types);
  }
  template <typename... Args>
  BusReply call(const std::string& path, const char* iface, const char* member, const char* types,
                Args... args) {
    return client_->call(kBus, path, iface, member, types, args...);
  }

  // The card's own view: veuicc's state file.
  nlohmann::json card_profile(const std::string& iccid) {
    std::ifstream in(dir_.file("state.json"));
    const nlohmann::json state = nlohmann::json::parse(in);
    for (const auto& p : state.at("profiles"))
      if (p.at("iccid") == iccid) return p;
    return nullptr;
  }
  std::string card_state(const std::string& iccid) {
    nlohmann::json p = card_profile(iccid);
    return p.is_null() ? "absent" : p.value("state", "disabled");
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

// ---- objects and properties ----------------------------------------------------------------

TEST_F(DaemonTest, PublishesTheCardWithItsProfiles) {
  start_all();
  EXPECT_EQ(client_->get_strv(kBus, "/org/euiccd1", "org.euiccd1.Manager", "Euiccs"),
            std::vector<std::string>{kEuicc});
  EXPECT_FALSE(get("/org/euiccd1", "org.euiccd1.Manager", "Version").empty());

  EXPECT_EQ(get(kEuicc, kEuiccIface, "Reader"), "Virtual PCD 00 00");
  EXPECT_EQ(client_->get_strv(kBus, kEuicc, kEuiccIface, "Profiles"),
            (std::vector<std::string>{kHome, kTravel, kTest}));
  EXPECT_EQ(get_path(kEuicc, kEuiccIface, "EnabledProfile"), kHome);
  EXPECT_EQ(get(kEuicc, kEuiccIface, "SvnVersion"), "2.2.2");
  EXPECT_EQ(get(kEuicc, kEuiccIface, "DefaultSmdpAddress"), "smdp.example.com");
  EXPECT_EQ(get(kEuicc, kEuiccIface, "RootSmdsAddress"), "lpa.ds.example.com");
  EXPECT_EQ(client_->get_basic<uint64_t>(kBus, kEuicc, kEuiccIface, "FreeNonVolatileMemory", 't'),
            1048576U - 120000U - 80000U - 20000U);
  EXPECT_EQ(client_->get_basic<uint32_t>(kBus, kEuicc, kEuiccIface, "PendingNotifications", 'u'),
            0U);

  EXPECT_EQ(get(kHome, kProfileIface, "Iccid"), "8944476500001224158");
  EXPECT_EQ(get(kHome, kProfileIface, "State"), "enabled");
  EXPECT_EQ(get(kHome, kProfileIface, "Nickname"), "Home");
  EXPECT_EQ(get(kHome, kProfileIface, "ServiceProviderName"), "Veuicc Mobile");
  EXPECT_EQ(get(kHome, kProfileIface, "ProfileName"), "Home plan");
  EXPECT_EQ(get(kHome, kProfileIface, "ProfileClass"), "operational");
  EXPECT_EQ(get(kHome, kProfileIface, "OwnerMccMnc"), "23401");
  EXPECT_EQ(get(kHome, kProfileIface, "IsdpAid").size(), 32U);
  EXPECT_EQ(get(kTest, kProfileIface, "ProfileClass"), "test");
  EXPECT_EQ(get(kTravel, kProfileIface, "State"), "disabled");

  // The ObjectManager lists them all.
  BusReply objects =
      call("/org/euiccd1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
  ASSERT_TRUE(objects.ok()) << objects.error_message();
  std::vector<std::string> paths;
  sd_bus_message* m = objects.message();
  ASSERT_GE(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}"), 0);
  while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
    const char* path = nullptr;
    sd_bus_message_read(m, "o", &path);
    paths.emplace_back(path);
    sd_bus_message_skip(m, "a{sa{sv}}");
    sd_bus_message_exit_container(m);
  }
  EXPECT_NE(std::find(paths.begin(), paths.end(), kEuicc), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), kTravel), paths.end());
}

TEST_F(DaemonTest, IntrospectionMatchesTheContractXml) {
  start_all();
  allow({"org.euiccd1.discover"});
  BusReply job = call(kEuicc, kEuiccIface, "DiscoverProfiles", "s", "");  // fails, stays a while
  ASSERT_TRUE(job.ok()) << job.error_message();
  const std::string job_path = job.read_string('o');
  for (const std::string& path :
       {std::string("/org/euiccd1"), std::string(kEuicc), std::string(kTravel), job_path}) {
    BusReply xml = call(path, "org.freedesktop.DBus.Introspectable", "Introspect");
    ASSERT_TRUE(xml.ok()) << path << ": " << xml.error_message();
    const std::string file = dir_.file("live.xml");
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
  start_all();
  allow({"org.euiccd1.enable-disable"});
  BusReply r = call(kTravel, kProfileIface, "Enable");
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  // The reply comes after the new state is on the bus: no waiting needed.
  EXPECT_EQ(get_path(kEuicc, kEuiccIface, "EnabledProfile"), kTravel);
  EXPECT_EQ(get(kTravel, kProfileIface, "State"), "enabled");
  EXPECT_EQ(get(kHome, kProfileIface, "State"), "disabled");
  EXPECT_EQ(card_state("89012600000000000013"), "enabled");
  EXPECT_EQ(card_state("8944476500001224158"), "disabled");

  r = call(kTravel, kProfileIface, "Disable");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(get_path(kEuicc, kEuiccIface, "EnabledProfile"), "/");
  EXPECT_EQ(card_state("89012600000000000013"), "disabled");

  // The card's own refusal comes back named: disabling a disabled profile.
  r = call(kTravel, kProfileIface, "Disable");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState") << r.error_message();
}

TEST_F(DaemonTest, NicknameAndDeleteChangeTheCard) {
  start_all();
  allow({"org.euiccd1.rename", "org.euiccd1.delete"});
  BusReply r = call(kTravel, kProfileIface, "SetNickname", "s", "Trips ✈");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(get(kTravel, kProfileIface, "Nickname"), "Trips ✈");
  EXPECT_EQ(card_profile("89012600000000000013").value("nickname", ""), "Trips ✈");

  r = call(kTravel, kProfileIface, "Delete");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(client_->get_strv(kBus, kEuicc, kEuiccIface, "Profiles"),
            (std::vector<std::string>{kHome, kTest}));
  EXPECT_EQ(card_state("89012600000000000013"), "absent");
  EXPECT_THROW(get(kTravel, kProfileIface, "Iccid"), std::runtime_error);  // object gone
  // Deleting the enabled profile is the card's refusal, by name.
  r = call(kHome, kProfileIface, "Delete");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState") << r.error_message();
}

TEST_F(DaemonTest, UnauthorizedCallerIsRefused) {
  start_all();
  allow({});
  BusReply r = call(kTravel, kProfileIface, "Enable");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.NotAuthorized");
  EXPECT_NE(r.error_message().find("org.euiccd1.enable-disable"), std::string::npos)
      << r.error_message();
  r = call(kTravel, kProfileIface, "Delete");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.NotAuthorized");
  r = call(kEuicc, kEuiccIface, "ResetMemory", "u", 1U);
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.NotAuthorized");
  EXPECT_EQ(card_state("89012600000000000013"), "disabled");
  EXPECT_EQ(card_state("8944476500001224158"), "enabled");
  // Reading stays open.
  EXPECT_EQ(get(kTravel, kProfileIface, "State"), "disabled");
  EXPECT_TRUE(call(kEuicc, kEuiccIface, "Refresh").ok());
}

TEST_F(DaemonTest, BadArgumentsAreRefusedWithReasons) {
  start_all();
  allow({"org.euiccd1.rename", "org.euiccd1.download", "org.euiccd1.reset-memory",
         "org.euiccd1.configure", "org.euiccd1.discover"});
  auto expect_invalid = [&](BusReply r, const std::string& words) {
    EXPECT_EQ(r.error_name(), "org.euiccd1.Error.InvalidArgument") << r.error_message();
    EXPECT_NE(r.error_message().find(words), std::string::npos) << r.error_message();
  };
  expect_invalid(call(kTravel, kProfileIface, "SetNickname", "s", std::string(65, 'x').c_str()),
                 "too long");
  expect_invalid(call(kTravel, kProfileIface, "SetNickname", "s", "a\nb"), "control character");
  expect_invalid(call(kEuicc, kEuiccIface, "ResetMemory", "u", 0U), "at least one");
  expect_invalid(call(kEuicc, kEuiccIface, "ResetMemory", "u", 8U), "unknown bits");
  expect_invalid(call(kEuicc, kEuiccIface, "SetDefaultSmdpAddress", "s", "not a host!"),
                 "SM-DP+ address");
  expect_invalid(call(kEuicc, kEuiccIface, "DiscoverProfiles", "s", "bad_host"), "SM-DS");
  expect_invalid(call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", "2$x$y", 0),
                 "activation code");
  expect_invalid(call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", "LPA:1$smdp.example.com$X",
                      1, "colour", "s", "blue"),
                 "unknown option \"colour\"");
  expect_invalid(call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", "LPA:1$smdp.example.com$X",
                      1, "enable", "s", "yes"),
                 "must be a boolean");
  expect_invalid(call(kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}", "LPA:1$smdp.example.com$X",
                      1, "imei", "s", "12345"),
                 "imei");
  // Nothing reached the card.
  EXPECT_EQ(card_profile("89012600000000000013").value("nickname", ""), "");
  EXPECT_EQ(get(kEuicc, kEuiccIface, "DefaultSmdpAddress"), "smdp.example.com");
}

TEST_F(DaemonTest, ChangesOnOneCardRunInArrivalOrder) {
  start_all({"--latency-ms", "15"});
  allow({"org.euiccd1.enable-disable", "org.euiccd1.rename"});
  AsyncCall enable, rename, disable;
  sd_bus* bus = client_->bus();
  ASSERT_GE(sd_bus_call_method_async(bus, nullptr, kBus, kTravel, kProfileIface, "Enable",
                                     on_async_reply, &enable, nullptr),
            0);
  ASSERT_GE(sd_bus_call_method_async(bus, nullptr, kBus, kTravel, kProfileIface, "SetNickname",
                                     on_async_reply, &rename, "s", "Queued"),
            0);
  ASSERT_GE(sd_bus_call_method_async(bus, nullptr, kBus, kHome, kProfileIface, "Enable",
                                     on_async_reply, &disable, nullptr),
            0);
  ASSERT_TRUE(pump(*client_, {&enable, &rename, &disable}));
  EXPECT_EQ(enable.error_name, "");
  EXPECT_EQ(rename.error_name, "");
  EXPECT_EQ(disable.error_name, "");
  // Had they not run in order, Home's enable would have failed (already enabled) or Travel
  // would be the enabled one.
  EXPECT_EQ(card_state("8944476500001224158"), "enabled");
  EXPECT_EQ(card_state("89012600000000000013"), "disabled");
  EXPECT_EQ(get(kTravel, kProfileIface, "Nickname"), "Queued");
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

  start_all({}, {"--resolve", "silent.example.com:" + port + ":127.0.0.1"});
  allow({"org.euiccd1.discover", "org.euiccd1.enable-disable", "org.euiccd1.download"});
  BusReply r =
      call(kEuicc, kEuiccIface, "DiscoverProfiles", "s", ("silent.example.com:" + port).c_str());
  ASSERT_TRUE(r.ok()) << r.error_message();
  const std::string job = r.read_string('o');
  EXPECT_EQ(job, "/org/euiccd1/job/1");
  EXPECT_EQ(get(job, kJobIface, "Operation"), "discovery");
  ASSERT_TRUE(eventually([&] { return get(job, kJobIface, "Stage") == "authenticating"; }))
      << log();
  EXPECT_EQ(get(job, kJobIface, "State"), "running");

  r = call(kTravel, kProfileIface, "Enable");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.Busy") << r.error_message();
  EXPECT_NE(r.error_message().find("job 1"), std::string::npos) << r.error_message();
  r = call(kEuicc, kEuiccIface, "DiscoverProfiles", "s", "");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.Busy");
  r = call(job, kJobIface, "Confirm", "b", 1);
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState") << r.error_message();

  const auto cancelled_at = std::chrono::steady_clock::now();
  r = call(job, kJobIface, "Cancel");
  ASSERT_TRUE(r.ok()) << r.error_message();
  ASSERT_TRUE(eventually([&] { return get(job, kJobIface, "State") == "cancelled"; }, 10s))
      << log();
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 5s);
  EXPECT_EQ(get(job, kJobIface, "ErrorName"), "org.euiccd1.Error.Cancelled");
  EXPECT_EQ(get(job, kJobIface, "Stage"), "done");
  r = call(job, kJobIface, "Cancel");
  EXPECT_EQ(r.error_name(), "org.euiccd1.Error.WrongState");

  // The card is free again.
  r = call(kTravel, kProfileIface, "Enable");
  EXPECT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  close(listener);
}

// ---- hotplug and shutdown ------------------------------------------------------------------

TEST_F(DaemonTest, RemovedCardGoesAwayAndComesBackAtTheSamePath) {
  start_all();
  card_->stop(SIGTERM);
  ASSERT_TRUE(eventually([&] {
    return client_->get_strv(kBus, "/org/euiccd1", "org.euiccd1.Manager", "Euiccs").empty();
  })) << log();
  EXPECT_THROW(get(kEuicc, kEuiccIface, "Eid"), std::runtime_error);
  EXPECT_THROW(get(kHome, kProfileIface, "Iccid"), std::runtime_error);

  start_card();  // same state file: the same card
  ASSERT_TRUE(wait_for_euicc()) << log();
  EXPECT_EQ(get(kHome, kProfileIface, "State"), "enabled");
}

TEST_F(DaemonTest, CallWaitingWhenTheCardGoesAwayIsAborted) {
  start_all();
  allow({"org.euiccd1.enable-disable"});
  BusReply hang =
      client_->call("org.freedesktop.PolicyKit1", kPolkitPath, "org.freedesktop.DBus.Mock",
                    "SimulateHangActions", "as", 1, "org.euiccd1.enable-disable");
  ASSERT_TRUE(hang.ok()) << hang.error_message();
  AsyncCall enable;
  ASSERT_GE(sd_bus_call_method_async(client_->bus(), nullptr, kBus, kTravel, kProfileIface,
                                     "Enable", on_async_reply, &enable, nullptr),
            0);
  // polkit now holds the call; pull the card.
  ASSERT_TRUE(eventually([&] {
    BusReply r = client_->call("org.freedesktop.PolicyKit1", kPolkitPath,
                               "org.freedesktop.DBus.Mock", "HaveHangingCalls", nullptr);
    int have = 0;
    return r.ok() && sd_bus_message_read(r.message(), "b", &have) >= 0 && have;
  }));
  card_->stop(SIGTERM);
  ASSERT_TRUE(pump(*client_, {&enable}));
  EXPECT_EQ(enable.error_name, "org.euiccd1.Error.Aborted");
}

TEST_F(DaemonTest, NotifiesSystemdAndStopsCleanlyOnSigterm) {
  // A NOTIFY_SOCKET of our own, as systemd would give.
  const std::string notify_path = dir_.file("notify");
  const int notify = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", notify_path.c_str());
  ASSERT_EQ(bind(notify, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  setenv("NOTIFY_SOCKET", notify_path.c_str(), 1);
  setenv("WATCHDOG_USEC", "200000", 1);
  start_card();
  start_daemon();
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(wait_for_euicc()) << log();

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
  const int status = daemon_->stop(SIGTERM, 10s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(receive("STOPPING=1")) << messages;
  EXPECT_FALSE(client_->has_owner(kBus));
  close(notify);
}

}  // namespace
