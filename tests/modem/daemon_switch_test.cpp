// Profile switches on an eUICC inside a modem (issue 13 item 1), through the daemon: euiccd
// serving an emulated AT modem (veuicc --modem at on a pty) and python-dbusmock standing in for
// ModemManager (tests/support/dbusmock_modemmanager.py), whose modem follows the virtual eUICC:
// its SIM is the card's enabled profile (read from the card's state file), it leaves while
// inhibited and after a SIM restart and comes back under a new object path, and only the SIMs
// the test gives a network register. Each case records the switch Job's stages (PropertiesChanged
// of Stage, the Job found through the eUICC's ActiveJob) and checks the card's state file.
//
// Runs inside tests/integration/pcsc-sandbox.sh, like daemon_modem_test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "sdbus/sdbus.h"
#include "tests/support/daemon_rig.h"

namespace {

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

// The card's two profiles; the modem's `Device` in ModemManager.
constexpr char kModemDevice[] = "/sys/devices/mock/usb1/1-1";
constexpr char kHome[] = "8944476500001224158";
constexpr char kTravel[] = "89012600000000000013";

std::string seed() {
  return json{{"profiles",
               {{{"iccid", kHome}, {"state", "enabled"}, {"profile_class", "operational"}},
                {{"iccid", kTravel}, {"profile_class", "operational"}}}}}
      .dump();
}

// What one Enable/Disable call saw: its reply, the switch job and the stages it went through.
struct SwitchRecord {
  AsyncReply reply;
  std::vector<std::string> jobs;    // ActiveJob values other than "/", in order
  std::vector<std::string> stages;  // the Job's Stage values, in order
};

int on_properties_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* record = static_cast<SwitchRecord*>(userdata);
  const char* interface = nullptr;
  if (sd_bus_message_read(m, "s", &interface) < 0) return 0;
  if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0) return 0;
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    const char* name = nullptr;
    sd_bus_message_read(m, "s", &name);
    const bool stage = std::strcmp(interface, kJobIface) == 0 && std::strcmp(name, "Stage") == 0;
    const bool job =
        std::strcmp(interface, kEuiccIface) == 0 && std::strcmp(name, "ActiveJob") == 0;
    if (stage || job) {
      const char* value = nullptr;
      sd_bus_message_enter_container(m, 'v', stage ? "s" : "o");
      sd_bus_message_read_basic(m, stage ? 's' : 'o', &value);
      sd_bus_message_exit_container(m);
      if (stage) record->stages.emplace_back(value);
      if (job && std::strcmp(value, "/") != 0) record->jobs.emplace_back(value);
    } else {
      sd_bus_message_skip(m, "v");
    }
    sd_bus_message_exit_container(m);
  }
  return 0;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// An emulated modem: veuicc --modem and Transport=, its device in the test's directory, its
// port type for ModemManager (MMModemPortType), TimeoutSec= (QMI/MBIM start their proxy).
struct Transport {
  const char* name;
  const char* device_name;
  int port_type;
  const char* timeout;
};
const Transport kAt{"at", "ttyUSB2", 3, "1"};
const Transport kQmi{"qmi", "cdc-wdm0", 6, "3"};
const Transport kMbim{"mbim", "wwan0mbim0", 7, "3"};

// The daemon serving an emulated modem that the ModemManager stand-in manages too.
class SwitchWorld {
 public:
  explicit SwitchWorld(const std::string& networks_json = "", const std::string& boot = "",
                       const Transport& transport = kAt)
      : transport_(transport), rig_({.card_seed = seed(), .start = false}) {
    rig_.start_card({"--modem", transport.name, "--pty-link", device(), "--verbose"});
    if (!eventually([&] { return access(device().c_str(), F_OK) == 0; }, 5s))
      throw std::runtime_error("the emulated modem made no device" + rig_.logs());
    json networks = networks_json.empty()
                        ? json{{kHome, {{"operator", "23415"}}},
                               {kTravel, {{"operator", "42602"}, {"roaming", true}}}}
                        : json::parse(networks_json);
    json modem = {{"card_state", rig_.dir().file("card.json")},
                  {"device", kModemDevice},
                  {"ports", json::array({json::array({device(), transport.port_type})})},
                  {"primary_port", device()},
                  {"plugin", "generic"},
                  {"networks", networks},
                  {"return_delay", 0.3},
                  {"register_delay", 0.2}};
    rig_.start_modem_manager(json{{"modems", json::array({modem})}}.dump());
    std::ostringstream config;
    config << "[Readers]\nDeny=*\n"
           << "[Notifications]\nAutoProcess=no\nRetryIntervalSec=0\n"
           << "[Boot]\nRegistrationTimeoutSec=3\n"
           << boot << "[Modem:test]\nTransport=" << transport.name << "\nDevice=" << device()
           << "\nTimeoutSec=" << transport.timeout << "\n";
    rig_.write_daemon_config(config.str());
    rig_.start_daemon();
    if (!rig_.wait_for_euicc(20s))
      throw std::runtime_error("the modem's eUICC did not come up on the bus" + rig_.logs());
    rig_.allow_all();
  }

  DaemonRig& rig() { return rig_; }
  std::string device() const { return rig_.dir().file(transport_.device_name); }
  ModemManagerMock& mm() { return *rig_.modem_manager(); }

  // Calls Profile.`method` on `iccid` and records the switch until its reply; `during` runs
  // at each turn (sabotage in the middle of a switch).
  SwitchRecord run(const std::string& iccid, const char* method,
                   const std::function<void(SwitchRecord&)>& during = {}) {
    SwitchRecord record;
    euiccd::sdbus::Slot slot;
    sd_bus_match_signal(rig_.client().bus(), slot.put(), nullptr, nullptr,
                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                        on_properties_changed, &record);
    // The reply comes when the whole switch has ended: seconds here (sd-bus's default 25 s
    // timeout is enough with RegistrationTimeoutSec=3).
    rig_.call_async(record.reply, DaemonRig::profile_path(iccid), kProfileIface, method);
    rig_.pump_until(
        [&] {
          if (during) during(record);
          return record.reply.done;
        },
        40s);
    rig_.pump_until([] { return false; }, 100ms);  // the last PropertiesChanged
    return record;
  }

  std::string enabled_on_card() {
    const json state = rig_.card_state();  // not a temporary: the loop refers into it
    for (const auto& p : state.at("profiles"))
      if (p.value("state", std::string()) == "enabled") return p.at("iccid");
    return "";
  }

 private:
  Transport transport_;
  DaemonRig rig_;
};

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

// The stages in `seen` with repeats (progress updates) folded.
std::vector<std::string> distinct(const std::vector<std::string>& seen) {
  std::vector<std::string> out;
  for (const auto& s : seen)
    if (out.empty() || out.back() != s) out.push_back(s);
  return out;
}

TEST_F(DaemonSwitch, EnableFollowsTheModemBackOnline) {
  SwitchWorld world;
  const std::vector<std::string> before_paths = world.mm().calls({"InhibitDevice"});  // none yet
  EXPECT_TRUE(before_paths.empty());

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
