// Profile switches on an eUICC inside a modem (issue 13 item 1), through the daemon: euiccd
// serving an emulated AT modem (veuicc --modem at on a pty) and python-dbusmock standing in for
// ModemManager (tests/support/dbusmock_modemmanager.py), whose modem follows the virtual eUICC:
// its SIM is the card's enabled profile (read from the card's state file), it leaves while
// inhibited and after a SIM restart and comes back under a new object path, and only the SIMs
// the test gives a network register. Each case records the switch Job's stages (PropertiesChanged
// of Stage, the Job found through the eUICC's ActiveJob) and checks the card's state file.
//
// Runs inside tests/integration/pcsc-sandbox.sh, like daemon_modem_test.
#include "tests/modem/switch_world.h"

namespace {

using namespace euiccd::testing;
using namespace euiccd::testing::switching;
using namespace std::chrono_literals;
using json = nlohmann::json;

class DaemonSwitch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
  }
};

// An AT modem re-reads its SIM through AT+CFUN (its SimRestart= default), with ModemManager
// inhibited.
const std::vector<std::string> kForward = {
    "inhibiting",        "switching", "restarting-sim", "releasing",
    "waiting-for-modem", "verifying", "registering",    "done"};

TEST_F(DaemonSwitch, EnableFollowsTheModemBackOnline) {
  SwitchWorld world;
  const std::vector<std::string> before_paths = world.mm().calls({"InhibitDevice"});  // none yet
  EXPECT_TRUE(before_paths.empty());
  const std::string modem_before =
      world.rig().get_path(DaemonRig::euicc_path(), kEuiccIface, "Modem");
  EXPECT_TRUE(modem_before.starts_with("/org/freedesktop/ModemManager1/Modem/")) << modem_before;

  SwitchRecord r = world.run(kTravel, "Enable");
  EXPECT_EQ(r.reply.error_name, "") << r.reply.error_message << world.rig().logs();
  EXPECT_EQ(distinct(r.stages), kForward) << joined(r.stages) << world.rig().logs();
  ASSERT_FALSE(r.jobs.empty());
  EXPECT_EQ(world.rig().job_string(r.jobs.front(), "Operation"), "switch");
  EXPECT_EQ(world.rig().job_string(r.jobs.front(), "State"), "succeeded");
  EXPECT_EQ(world.enabled_on_card(), kTravel);
  // ModemManager was asked to step aside and to take the modem back, by its Device.
  EXPECT_EQ(
      world.mm().calls({"InhibitDevice"}),
      (std::vector<std::string>{std::string("InhibitDevice \"") + kModemDevice + "\" True",
                                std::string("InhibitDevice \"") + kModemDevice + "\" False"}));
  EXPECT_TRUE(world.rig().daemon_log_has(std::string(kTravel) + " is registered"))
      << world.rig().daemon_log();
  EXPECT_EQ(world.rig().get_path(DaemonRig::euicc_path(), kEuiccIface, "ActiveJob"), "/");
  EXPECT_EQ(world.rig().get_path(DaemonRig::euicc_path(), kEuiccIface, "EnabledProfile"),
            DaemonRig::profile_path(kTravel));
  // Modem follows ModemManager's modem to its new object path, announced.
  const std::string modem_after =
      world.rig().get_path(DaemonRig::euicc_path(), kEuiccIface, "Modem");
  EXPECT_TRUE(modem_after.starts_with("/org/freedesktop/ModemManager1/Modem/")) << modem_after;
  EXPECT_NE(modem_after, modem_before);
  EXPECT_EQ(r.modems, std::vector<std::string>{modem_after}) << joined(r.modems);
  // [TravelPolicy] is off by default: nothing to pause.
  BusReply pause = world.rig().call(DaemonRig::euicc_path(), kEuiccIface, "PauseTravelPolicy");
  EXPECT_EQ(pause.error_name(), "org.euiccd1.Error.WrongState") << pause.error_message();

  // And back, Disable: no profile, so no registration to wait for.
  SwitchRecord off = world.run(kTravel, "Disable");
  EXPECT_EQ(off.reply.error_name, "") << off.reply.error_message << world.rig().logs();
  EXPECT_EQ(distinct(off.stages),
            (std::vector<std::string>{"inhibiting", "switching", "restarting-sim", "releasing",
                                      "waiting-for-modem", "verifying", "done"}))
      << joined(off.stages);
  EXPECT_EQ(world.enabled_on_card(), "");
}

TEST_F(DaemonSwitch, AModemThatNeverRegistersIsRolledBack) {
  // Only the home profile has a network.
  SwitchWorld world(json{{kHome, {{"operator", "23415"}}}}.dump());
  SwitchRecord r = world.run(kTravel, "Enable");
  EXPECT_EQ(r.reply.error_name, "org.euiccd1.Error.RolledBack") << r.reply.error_message;
  EXPECT_NE(r.reply.error_message.find("while registering"), std::string::npos)
      << r.reply.error_message;
  EXPECT_NE(r.reply.error_message.find(std::string(kHome) + " is enabled again"), std::string::npos)
      << r.reply.error_message;
  const std::vector<std::string> stages = distinct(r.stages);
  const std::vector<std::string> expected = {
      "inhibiting",        "switching", "restarting-sim", "releasing",
      "waiting-for-modem", "verifying", "registering",    "rolling-back",
      "inhibiting",        "switching", "restarting-sim", "releasing",
      "waiting-for-modem", "verifying", "registering",    "done"};
  EXPECT_EQ(stages, expected) << joined(r.stages) << world.rig().logs();
  ASSERT_FALSE(r.jobs.empty());
  EXPECT_EQ(world.rig().job_string(r.jobs.front(), "State"), "failed");
  EXPECT_EQ(world.rig().job_string(r.jobs.front(), "ErrorName"), "org.euiccd1.Error.RolledBack");
  EXPECT_EQ(world.enabled_on_card(), kHome);
}

// Enables the travel profile with ModemManager sabotaged; the reply must be `error` naming
// `says`.
SwitchRecord sabotaged_enable(SwitchWorld& world, const char* sabotage, const std::string& error,
                              const std::string& says) {
  world.mm().set_sabotage(sabotage);
  SwitchRecord r = world.run(kTravel, "Enable");
  EXPECT_EQ(r.reply.error_name, "org.euiccd1.Error." + error) << r.reply.error_message;
  EXPECT_NE(r.reply.error_message.find(says), std::string::npos) << r.reply.error_message;
  return r;
}

TEST_F(DaemonSwitch, AModemThatDoesNotComeBackIsRolledBackWhenItDoes) {
  SwitchWorld world;
  SwitchRecord r =
      sabotaged_enable(world, R"({"skip_returns": 1})", "RolledBack", "did not come back");
  const std::vector<std::string> stages = distinct(r.stages);
  ASSERT_GE(stages.size(), 6u) << joined(r.stages);
  EXPECT_EQ(stages[4], "waiting-for-modem") << joined(r.stages);
  EXPECT_EQ(stages[5], "rolling-back") << joined(r.stages);
  EXPECT_EQ(stages.back(), "done") << joined(r.stages) << world.rig().logs();
  EXPECT_EQ(world.enabled_on_card(), kHome);
}

TEST_F(DaemonSwitch, AModemThatNeverComesBackEndsInAClearError) {
  SwitchWorld world;
  SwitchRecord r =
      sabotaged_enable(world, R"({"skip_returns": -1})", "SwitchFailed", "the rollback failed too");
  // The card itself went back: only the modem is missing.
  EXPECT_EQ(world.enabled_on_card(), kHome);
  // The rollback's card change happened; it waited for the modem in vain (the Job's last
  // stage is always "done").
  const std::vector<std::string> stages = distinct(r.stages);
  ASSERT_GE(stages.size(), 2u) << joined(r.stages);
  EXPECT_EQ(stages[stages.size() - 2], "waiting-for-modem") << joined(r.stages);
  EXPECT_NE(std::find(stages.begin(), stages.end(), "rolling-back"), stages.end());
}

// The card deletes only a disabled profile: Delete() of the enabled one is Disable()'s switch,
// then the delete; a switch that rolls back deletes nothing.
TEST_F(DaemonSwitch, DeleteOfTheEnabledProfileSwitchesItOffFirst) {
  SwitchWorld world;
  world.mm().set_sabotage(R"({"skip_returns": 1})");
  SwitchRecord refused = world.run(kHome, "Delete");
  EXPECT_EQ(refused.reply.error_name, "org.euiccd1.Error.RolledBack")
      << refused.reply.error_message << world.rig().logs();
  EXPECT_EQ(world.enabled_on_card(), kHome);
  EXPECT_FALSE(world.rig().card_profile(kHome).is_null());

  SwitchRecord r = world.run(kHome, "Delete");
  EXPECT_EQ(r.reply.error_name, "") << r.reply.error_message << world.rig().logs();
  EXPECT_EQ(distinct(r.stages),
            (std::vector<std::string>{"inhibiting", "switching", "restarting-sim", "releasing",
                                      "waiting-for-modem", "verifying", "done"}))
      << joined(r.stages);
  ASSERT_FALSE(r.jobs.empty());
  EXPECT_EQ(world.rig().job_string(r.jobs.front(), "Operation"), "switch");
  EXPECT_TRUE(world.rig().card_profile(kHome).is_null()) << world.rig().card_state().dump();
  EXPECT_EQ(world.enabled_on_card(), "");
  EXPECT_FALSE(world.rig().card_profile(kTravel).is_null());
}

TEST_F(DaemonSwitch, ModemManagerRestartingMidSwitch) {
  SwitchWorld world;
  bool restarted = false;
  SwitchRecord r = world.run(kTravel, "Enable", [&](SwitchRecord& record) {
    if (restarted || std::find(record.stages.begin(), record.stages.end(), "waiting-for-modem") ==
                         record.stages.end())
      return;
    restarted = true;
    world.mm().restart();
  });
  EXPECT_TRUE(restarted);
  EXPECT_EQ(r.reply.error_name, "") << r.reply.error_message << world.rig().logs();
  EXPECT_EQ(distinct(r.stages), kForward) << joined(r.stages);
  EXPECT_EQ(world.enabled_on_card(), kTravel);
}

TEST_F(DaemonSwitch, ASecondSwitchWhileOneRunsIsBusy) {
  SwitchWorld world;
  SwitchRecord second;
  bool tried = false;
  SwitchRecord r = world.run(kTravel, "Enable", [&](SwitchRecord& record) {
    if (tried || record.stages.empty()) return;
    tried = true;
    BusReply busy = world.rig().call(DaemonRig::profile_path(kHome), kProfileIface, "Enable");
    second.reply.error_name = busy.error_name();
    second.reply.error_message = busy.error_message();
  });
  EXPECT_EQ(second.reply.error_name, "org.euiccd1.Error.Busy") << second.reply.error_message;
  EXPECT_EQ(r.reply.error_name, "") << r.reply.error_message;
  EXPECT_EQ(world.enabled_on_card(), kTravel);
}

TEST_F(DaemonSwitch, EuiccctlShowsTheStages) {
  SwitchWorld world;
  std::string out;
  const int status = run_command(
      {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", EUICCD_BINARY_DIR "/euiccctl/euiccctl",
       "--bus=" + world.rig().bus_address(), "enable", kTravel},
      &out, 60s);
  EXPECT_EQ(status, 0) << out;
  for (const char* stage :
       {"inhibiting", "switching", "waiting-for-modem", "verifying", "registering"})
    EXPECT_NE(out.find(std::string("  ") + stage + "\n"), std::string::npos) << stage << "\n"
                                                                             << out;
  EXPECT_NE(out.find("back online"), std::string::npos) << out;
  EXPECT_EQ(world.enabled_on_card(), kTravel);
}

TEST_F(DaemonSwitch, TheBootPolicyFallsBackWhenTheSwitchRollsBack) {
  // The first preference never registers: its switch rolls back, and the policy keeps the
  // second, which is the one enabled (and registered) again.
  SwitchWorld world(json{{kHome, {{"operator", "23415"}}}}.dump(),
                    std::string("PreferredProfiles=") + kTravel + " " + kHome + "\n");
  EXPECT_TRUE(eventually(
      [&] { return world.rig().daemon_log_has(std::string(kHome) + " registered"); }, 30s))
      << world.rig().daemon_log();
  EXPECT_TRUE(world.rig().daemon_log_has("rolling back")) << world.rig().daemon_log();
  EXPECT_TRUE(world.rig().daemon_log_has("falling back to")) << world.rig().daemon_log();
  EXPECT_EQ(world.enabled_on_card(), kHome);
}

// QMI and MBIM share the modem with ModemManager through their proxies: no inhibit. By their
// SimRestart= defaults a QMI modem's SIM is power-cycled, an MBIM modem carries out the eUICC's
// own REFRESH; ModemManager finds the modem again either way.
class DaemonSwitchProxied : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
    const std::string proxy = std::string("/usr/libexec/") + GetParam().name + "-proxy";
    if (access(proxy.c_str(), X_OK) != 0) GTEST_SKIP() << "no " << proxy;
  }
};

TEST_P(DaemonSwitchProxied, EnableFollowsTheModemBackOnlineWithoutInhibiting) {
  SwitchWorld world("", "", GetParam());
  SwitchRecord r = world.run(kTravel, "Enable");
  EXPECT_EQ(r.reply.error_name, "") << r.reply.error_message << world.rig().logs();
  std::vector<std::string> expected = {"switching", "waiting-for-modem", "verifying", "registering",
                                       "done"};
  if (std::string(GetParam().name) == "qmi")
    expected.insert(expected.begin() + 1, "restarting-sim");
  EXPECT_EQ(distinct(r.stages), expected) << joined(r.stages) << world.rig().logs();
  EXPECT_TRUE(world.mm().calls({"InhibitDevice"}).empty());
  EXPECT_EQ(world.enabled_on_card(), kTravel);
}

INSTANTIATE_TEST_SUITE_P(Transports, DaemonSwitchProxied, ::testing::Values(kQmi, kMbim),
                         [](const ::testing::TestParamInfo<Transport>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
