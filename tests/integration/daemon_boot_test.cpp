// The [Boot] policy through the daemon: euiccd started with a euiccd.conf whose [Boot] lists
// preferred ICCIDs, the virtual eUICC behind the sandbox's pcscd + vpcd, a private dbus-daemon
// and python-dbusmock as ModemManager (tests/support/dbusmock_modemmanager.py), all from
// tests/support/daemon_rig.h. What the card ends up with is read back as the Profile objects'
// State over D-Bus; why, from the daemon's log.
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;

namespace {

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

class DaemonBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
  }

  // Card with `enabled` enabled, [Boot] preferring `preferred`, ModemManager (when given) on
  // the bus before the daemon starts.
  void start(const std::string& enabled, const std::string& preferred,
             std::optional<std::string> modem_manager = std::nullopt) {
    rig_.emplace(RigOptions{
        .card_seed = seed(enabled),
        .daemon_config = "[Boot]\nPreferredProfiles=" + preferred + "\nRegistrationTimeoutSec=1\n",
        .modem_manager = std::move(modem_manager)});
  }

  std::string state(const std::string& iccid) {
    return rig_->get_string(DaemonRig::profile_path(iccid), kProfileIface, "State");
  }
  bool log_has(const std::string& text) const { return rig_->daemon_log_has(text); }
  std::string log() const { return rig_->daemon_log(); }

  std::optional<DaemonRig> rig_;
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
  start(kFirst, std::string(kFirst) + " " + kSecond, modems({{kFirst, 8}}));
  EXPECT_TRUE(eventually([&] { return log_has(std::string(kFirst) + " is already enabled"); }, 10s))
      << log();
  EXPECT_TRUE(eventually([&] { return log_has("boot policy done"); }, 15s)) << log();
  EXPECT_EQ(state(kFirst), "enabled");
  EXPECT_EQ(state(kSecond), "disabled");
  EXPECT_FALSE(log_has("enabling ")) << log();
}

TEST_F(DaemonBootTest, FallsBackWhenTheModemDoesNotRegister) {
  // The modem carrying the first profile stays "searching" (7); the second one registers.
  start(kMissing, std::string(kFirst) + " " + kSecond, modems({{kFirst, 7}, {kSecond, 8}}));
  EXPECT_TRUE(eventually([&] { return state(kSecond) == "enabled"; }, 20s)) << log();
  EXPECT_EQ(state(kFirst), "disabled");
  EXPECT_TRUE(log_has(std::string(kFirst) + " did not register within 1 s")) << log();
  EXPECT_TRUE(eventually([&] { return log_has(std::string(kSecond) + " registered: "); }, 15s))
      << log();
  EXPECT_TRUE(eventually([&] { return log_has("boot policy done"); }, 5s)) << log();
}

TEST_F(DaemonBootTest, StaysWhenTheModemRegisters) {
  start(kMissing, std::string(kFirst) + " " + kSecond, modems({{kFirst, 8}}));
  EXPECT_TRUE(eventually([&] { return log_has(std::string(kFirst) + " registered: "); }, 20s))
      << log();
  EXPECT_TRUE(eventually([&] { return log_has("boot policy done"); }, 5s)) << log();
  EXPECT_EQ(state(kFirst), "enabled");
  EXPECT_EQ(state(kSecond), "disabled");
}

}  // namespace
