// The [Boot] policy through the daemon: euiccd started with a euiccd.conf whose [Boot] lists
// preferred ICCIDs, the virtual eUICC behind the sandbox's pcscd + vpcd, a private dbus-daemon
// and python-dbusmock as ModemManager (tests/support/dbusmock_modemmanager.py). What the card
// ends up with is read back as the Profile objects' State over D-Bus; why, from the daemon's
// log.
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/dbus_test_client.h"
#include "tests/support/dbusmock_modemmanager.h"
#include "tests/support/subprocess.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kBus[] = "org.euiccd1";
constexpr char kEuicc[] = "/org/euiccd1/euicc/0";
constexpr char kEid[] = "89049032123451234512345678901235";
constexpr char kProfileIface[] = "org.euiccd1.Profile";
constexpr char kFirst[] = "8937404000000000012";
constexpr char kSecond[] = "8937404000000000020";
constexpr char kMissing[] = "8937404000000000038";  // preferred, but not on the card

std::string seed(const std::string& enabled) {
  auto profile = [&](const char* iccid, const char* name) {
    return std::string(R"({"iccid": ")") + iccid + R"(", "state": ")" +
           (enabled == iccid ? "enabled" : "disabled") +
           R"(", "service_provider_name": "Karabakh Telecom", "profile_name": ")" + name +
           R"(", "profile_class": "operational", "size": 90000, )" +
           R"("profile_owner": {"mcc_mnc": "82F340"}})";
  };
  return R"({"default_dp_address": "smdp.example.com",
  "memory": {"nvm_bytes": 1048576, "free_ram_bytes": 65536},
  "profiles": [)" +
         profile(kFirst, "First") + ", " + profile(kSecond, "Second") + "]}";
}

// Modems whose active SIMs are these ICCIDs, in these MMModemStates (8 = registered).
std::string modems(const std::vector<std::pair<std::string, int>>& sims) {
  std::string list;
  for (const auto& [sim, state] : sims) {
    if (!list.empty()) list += ", ";
    list += R"({"sim": ")" + sim + R"(", "model": "EG25", "state": )" + std::to_string(state) + "}";
  }
  return R"({"modems": [)" + list + "]}";
}

std::string profile_path(const std::string& iccid) {
  return std::string(kEuicc) + "/profile/" + iccid;
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

class DaemonBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("VPCD_PORT") == nullptr) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    bus_ = std::make_unique<PrivateBus>();
    // The daemon finds ModemManager on --modem-manager-bus; the system bus address points there
    // too, so that nothing falls through to a real system bus.
    setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address().c_str(), 1);
    client_ = std::make_unique<BusClient>(bus_->address());
  }

  void TearDown() override {
    daemon_.reset();
    card_.reset();
    mm_.reset();
  }

  void start(const std::string& enabled, const std::string& preferred) {
    std::ofstream(dir_.file("seed.json")) << seed(enabled);
    std::ofstream(dir_.file("euiccd.conf"))
        << "[Boot]\nPreferredProfiles=" << preferred << "\nRegistrationTimeoutSec=1\n";
    card_ = std::make_unique<Subprocess>(
        std::vector<std::string>{std::string(EUICCD_BINARY_DIR) + "/veuicc/veuicc", "--state",
                                 dir_.file("card.json"), "--seed", dir_.file("seed.json"),
                                 "--euicc-cert", pki().file("euicc.pem"), "--euicc-key",
                                 pki().file("euicc.key"), "--eum-cert", pki().file("eum.pem"),
                                 "--ci-cert", pki().file("ci.pem")},
        dir_.file("veuicc.log"));
    daemon_ = std::make_unique<Subprocess>(
        std::vector<std::string>{std::string(EUICCD_BINARY_DIR) + "/daemon/euiccd", "--bus",
                                 bus_->address(), "--modem-manager-bus", bus_->address(),
                                 "--config", dir_.file("euiccd.conf"), "--config-dir",
                                 dir_.file("none.conf.d"), "--state-dir", dir_.file("state"),
                                 "--ca", pki().file("ci.pem"), "--verbose"},
        dir_.file("euiccd.log"));
    ASSERT_TRUE(eventually(
        [&] { return client_->get_string(kBus, kEuicc, "org.euiccd1.Euicc", "Eid") == kEid; }, 15s))
        << log();
  }

  void start_modem_manager(const std::string& parameters) {
    mm_ = std::make_unique<ModemManagerMock>(*bus_, parameters);
  }

  std::string state(const std::string& iccid) {
    return client_->get_string(kBus, profile_path(iccid), kProfileIface, "State");
  }
  bool log_has(const std::string& text) const { return log().find(text) != std::string::npos; }
  std::string log() const { return read_text_file(dir_.file("euiccd.log")); }

  TempDir dir_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<BusClient> client_;
  std::unique_ptr<ModemManagerMock> mm_;
  std::unique_ptr<Subprocess> card_;
  std::unique_ptr<Subprocess> daemon_;
};

TEST_F(DaemonBootTest, EnablesTheFirstInstalledPreferredProfileAtStart) {
  start(kFirst, std::string(kMissing) + " " + kSecond + " " + kFirst);
  EXPECT_TRUE(eventually([&] { return state(kSecond) == "enabled"; }, 15s)) << log();
  EXPECT_EQ(state(kFirst), "disabled");
  EXPECT_TRUE(log_has("not installed: " + std::string(kMissing))) << log();
  // No ModemManager on the bus: the enable counts as registered, and the log says why.
  EXPECT_TRUE(eventually([&] { return log_has("counting it as registered"); }, 15s)) << log();
  EXPECT_TRUE(eventually([&] { return log_has("boot policy done"); }, 5s)) << log();
  EXPECT_EQ(state(kSecond), "enabled");
}

TEST_F(DaemonBootTest, LeavesAnAlreadyEnabledPreferredProfileAlone) {
  start_modem_manager(modems({{kFirst, 8}}));
  start(kFirst, std::string(kFirst) + " " + kSecond);
  EXPECT_TRUE(eventually([&] { return log_has(std::string(kFirst) + " is already enabled"); }, 10s))
      << log();
  EXPECT_TRUE(eventually([&] { return log_has("boot policy done"); }, 15s)) << log();
  EXPECT_EQ(state(kFirst), "enabled");
  EXPECT_EQ(state(kSecond), "disabled");
  EXPECT_FALSE(log_has("enabling ")) << log();
}

TEST_F(DaemonBootTest, FallsBackWhenTheModemDoesNotRegister) {
  // The modem carrying the first profile stays "searching" (7); the second one registers.
  start_modem_manager(modems({{kFirst, 7}, {kSecond, 8}}));
  start(kMissing, std::string(kFirst) + " " + kSecond);
  EXPECT_TRUE(eventually([&] { return state(kSecond) == "enabled"; }, 20s)) << log();
  EXPECT_EQ(state(kFirst), "disabled");
  EXPECT_TRUE(log_has(std::string(kFirst) + " did not register within 1 s")) << log();
  EXPECT_TRUE(eventually([&] { return log_has(std::string(kSecond) + " registered: "); }, 15s))
      << log();
  EXPECT_TRUE(eventually([&] { return log_has("boot policy done"); }, 5s)) << log();
}

TEST_F(DaemonBootTest, StaysWhenTheModemRegisters) {
  start_modem_manager(modems({{kFirst, 8}}));
  start(kMissing, std::string(kFirst) + " " + kSecond);
  EXPECT_TRUE(eventually([&] { return log_has(std::string(kFirst) + " registered: "); }, 20s))
      << log();
  EXPECT_TRUE(eventually([&] { return log_has("boot policy done"); }, 5s)) << log();
  EXPECT_EQ(state(kFirst), "enabled");
  EXPECT_EQ(state(kSecond), "disabled");
}

}  // namespace
