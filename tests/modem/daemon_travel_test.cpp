// The travel policy (issue 13 item 2) through the daemon: [TravelPolicy] maps the travel
// profile to Bahrain (MCC 426) and the home profile to the UK (234); the ModemManager stand-in
// (tests/support/dbusmock_modemmanager.py, SetNetwork) moves the modem between countries, and
// euiccd must switch with the same staged switch job as Enable() — in when abroad, back at home,
// honouring the hold-off, the rate limit, a running USSD session and a pause. Each case checks
// the PolicySwitch signal, the switch Job's stages, the TravelPolicy property and the card's
// state file.
//
// Runs inside tests/integration/pcsc-sandbox.sh, like daemon_switch_test (whose rig it uses).
#include "tests/modem/switch_world.h"

namespace {

using namespace euiccd::testing;
using namespace euiccd::testing::switching;

constexpr char kBahrain[] = R"({"operator": "42602"})";
constexpr char kUk[] = R"({"operator": "23415"})";

std::string travel_config(int hold_off_sec, int max_per_hour) {
  return std::string("[TravelPolicy]\nEnabled=yes\nHome=") + kHome +
         "\nHomeCountries=234\nCountry=426:" + kTravel +
         "\nHoldOffSec=" + std::to_string(hold_off_sec) +
         "\nMaxSwitchesPerHour=" + std::to_string(max_per_hour) + "\n";
}

// One PolicySwitch signal.
struct PolicySwitch {
  std::string from, to, reason, job;
};

// Everything the eUICC announced while the test ran: PolicySwitch signals, the switch jobs
// (ActiveJob) and their stages.
struct Seen {
  std::vector<PolicySwitch> switches;
  SwitchRecord record;
};

int on_policy_switch(sd_bus_message* m, void* userdata, sd_bus_error*) {
  const char *from = nullptr, *to = nullptr, *reason = nullptr, *job = nullptr;
  if (sd_bus_message_read(m, "ssso", &from, &to, &reason, &job) >= 0)
    static_cast<Seen*>(userdata)->switches.push_back({from, to, reason, job});
  return 0;
}

// The TravelPolicy property, as a{sv}.
struct TravelPolicy {
  bool enabled = false, paused = false;
  std::string decision, reason, country;
  uint64_t last_switch = 0;
};

class TravelWorld {
 public:
  explicit TravelWorld(const std::string& config) : world_("", config) {
    sd_bus* bus = world_.rig().client().bus();
    sd_bus_match_signal(bus, policy_slot_.put(), nullptr, DaemonRig::euicc_path().c_str(),
                        kEuiccIface, "PolicySwitch", on_policy_switch, &seen_);
    sd_bus_match_signal(bus, changes_slot_.put(), nullptr, nullptr,
                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                        on_properties_changed, &seen_.record);
    // The home SIM registered at home: the policy has looked and stays.
    if (!pump([&] { return policy().decision == "stay" && policy().country == "234"; }))
      throw std::runtime_error("the policy did not settle at home: " + policy().reason +
                               world_.rig().logs());
  }

  DaemonRig& rig() { return world_.rig(); }
  ModemManagerMock& mm() { return world_.mm(); }
  Seen& seen() { return seen_; }
  std::string enabled_on_card() { return world_.enabled_on_card(); }

  bool pump(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 30s) {
    return rig().pump_until(condition, deadline);
  }

  TravelPolicy policy() {
    TravelPolicy p;
    BusReply r = rig().call(DaemonRig::euicc_path(), "org.freedesktop.DBus.Properties", "Get", "ss",
                            kEuiccIface, "TravelPolicy");
    sd_bus_message* m = r.message();
    if (!m || sd_bus_message_enter_container(m, 'v', "a{sv}") < 0) return p;
    sd_bus_message_enter_container(m, 'a', "{sv}");
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
      const char* key = nullptr;
      sd_bus_message_read(m, "s", &key);
      const std::string name = key;
      char type = 0;
      const char* contents = nullptr;
      sd_bus_message_peek_type(m, &type, &contents);
      sd_bus_message_enter_container(m, 'v', contents);
      if (std::strcmp(contents, "b") == 0) {
        int b = 0;
        sd_bus_message_read(m, "b", &b);
        (name == "Enabled" ? p.enabled : p.paused) = b != 0;
      } else if (std::strcmp(contents, "t") == 0) {
        sd_bus_message_read(m, "t", &p.last_switch);
      } else {
        const char* s = nullptr;
        sd_bus_message_read(m, "s", &s);
        (name == "LastDecision" ? p.decision : name == "LastReason" ? p.reason : p.country) = s;
      }
      sd_bus_message_exit_container(m);
      sd_bus_message_exit_container(m);
    }
    return p;
  }

  // Waits for the policy's switch number `n` (1-based) to have ended, with `iccid` enabled.
  bool switched(size_t n, const std::string& iccid) {
    return pump([&] {
      return seen_.switches.size() >= n && !seen_.switches[n - 1].job.empty() &&
             rig().job_string(seen_.switches[n - 1].job, "State") == "succeeded" &&
             enabled_on_card() == iccid;
    });
  }

 private:
  SwitchWorld world_;
  Seen seen_;
  euiccd::sdbus::Slot policy_slot_, changes_slot_;
};

class DaemonTravel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
  }
};

// An AT modem's switch (its SimRestart= default: AT+CFUN, inhibited).
const std::vector<std::string> kStages = {
    "inhibiting",        "switching", "restarting-sim", "releasing",
    "waiting-for-modem", "verifying", "registering",    "done"};

TEST_F(DaemonTravel, SwitchesInAbroadAndBackAtHomeAndPauses) {
  TravelWorld world(travel_config(0, 60));
  TravelPolicy p = world.policy();
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ(p.last_switch, 0u);

  world.mm().set_network(kBahrain);  // landed: the home SIM roams in Bahrain
  ASSERT_TRUE(world.switched(1, kTravel)) << world.policy().reason << world.rig().logs();
  const PolicySwitch in = world.seen().switches[0];
  EXPECT_EQ(in.from, kHome);
  EXPECT_EQ(in.to, kTravel);
  EXPECT_NE(in.reason.find("for country 426"), std::string::npos) << in.reason;
  EXPECT_EQ(world.rig().job_string(in.job, "Operation"), "switch");
  EXPECT_EQ(distinct(world.seen().record.stages), kStages) << joined(world.seen().record.stages);
  ASSERT_TRUE(world.pump([&] { return world.policy().decision == "stay"; }));
  p = world.policy();
  EXPECT_EQ(p.country, "426");
  EXPECT_NE(p.last_switch, 0u);
  EXPECT_NE(p.reason.find(std::string(kTravel) + " is enabled for country 426"), std::string::npos)
      << p.reason;
  EXPECT_TRUE(world.rig().daemon_log_has("travel policy: switching to " + std::string(kTravel)))
      << world.rig().daemon_log();

  world.mm().set_network(kUk);  // home again: the travel SIM roams in the UK
  ASSERT_TRUE(world.switched(2, kHome)) << world.policy().reason << world.rig().logs();
  EXPECT_EQ(world.seen().switches[1].from, kTravel);
  EXPECT_NE(world.seen().switches[1].reason.find("home country 234"), std::string::npos);

  // Paused: abroad again, and nothing moves until it is resumed.
  BusReply paused = world.rig().call(DaemonRig::euicc_path(), kEuiccIface, "PauseTravelPolicy");
  ASSERT_TRUE(paused.ok()) << paused.error_message();
  EXPECT_TRUE(world.policy().paused);
  world.mm().set_network(kBahrain);
  ASSERT_TRUE(world.pump([&] {
    const TravelPolicy now = world.policy();
    return now.country == "426" && now.reason.find("paused") != std::string::npos;
  })) << world.policy().reason;
  EXPECT_EQ(world.seen().switches.size(), 2u);
  EXPECT_EQ(world.enabled_on_card(), kHome);
  BusReply resumed = world.rig().call(DaemonRig::euicc_path(), kEuiccIface, "ResumeTravelPolicy");
  ASSERT_TRUE(resumed.ok()) << resumed.error_message();
  ASSERT_TRUE(world.switched(3, kTravel)) << world.policy().reason << world.rig().logs();
  EXPECT_FALSE(world.policy().paused);
}

TEST_F(DaemonTravel, TheHoldOffKeepsTheSwitchBackUntilItEnds) {
  TravelWorld world(travel_config(2, 60));
  world.mm().set_network(kBahrain);
  ASSERT_TRUE(world.switched(1, kTravel)) << world.policy().reason << world.rig().logs();
  const auto first_done = std::chrono::steady_clock::now();
  world.mm().set_network(kUk);  // straight back over the border
  ASSERT_TRUE(world.pump([&] { return world.policy().decision == "held-back"; }))
      << world.policy().reason;
  EXPECT_NE(world.policy().reason.find("HoldOffSec=2"), std::string::npos) << world.policy().reason;
  EXPECT_EQ(world.enabled_on_card(), kTravel);
  EXPECT_TRUE(world.rig().daemon_log_has("is held back: the last switch was"));
  // When the hold-off has passed, the policy looks again on its own.
  ASSERT_TRUE(world.switched(2, kHome)) << world.policy().reason << world.rig().logs();
  EXPECT_GE(std::chrono::steady_clock::now() - first_done, 1500ms);
}

TEST_F(DaemonTravel, AUssdSessionAndTheRateLimitHoldTheSwitchBack) {
  TravelWorld world(travel_config(0, 1));
  world.mm().set_ussd_state(2);  // someone is checking their balance
  world.mm().set_network(kBahrain);
  ASSERT_TRUE(world.pump([&] { return world.policy().decision == "held-back"; }))
      << world.policy().reason;
  EXPECT_NE(world.policy().reason.find("a USSD session is running"), std::string::npos)
      << world.policy().reason;
  EXPECT_EQ(world.enabled_on_card(), kHome);
  EXPECT_TRUE(world.seen().switches.empty());
  world.mm().set_ussd_state(1);  // the session ended
  ASSERT_TRUE(world.switched(1, kTravel)) << world.policy().reason << world.rig().logs();

  // One automatic switch an hour: the way back waits.
  world.mm().set_network(kUk);
  ASSERT_TRUE(world.pump([&] {
    const TravelPolicy now = world.policy();
    return now.decision == "held-back" && now.country == "234";
  })) << world.policy().reason;
  EXPECT_NE(world.policy().reason.find("MaxSwitchesPerHour=1"), std::string::npos)
      << world.policy().reason;
  EXPECT_EQ(world.enabled_on_card(), kTravel);
  EXPECT_EQ(world.seen().switches.size(), 1u);

  // euiccctl shows why, and pauses it.
  auto euiccctl = [&](const std::string& action, std::string& out) {
    return run_command(
        {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", EUICCD_BINARY_DIR "/euiccctl/euiccctl",
         "--bus=" + world.rig().bus_address(), "policy", action},
        &out, 20s);
  };
  std::string out;
  EXPECT_EQ(euiccctl("show", out), 0) << out;
  EXPECT_NE(out.find("held-back"), std::string::npos) << out;
  EXPECT_NE(out.find("MaxSwitchesPerHour=1"), std::string::npos) << out;
  EXPECT_EQ(euiccctl("pause", out), 0) << out;
  EXPECT_NE(out.find("paused"), std::string::npos) << out;
  EXPECT_TRUE(world.policy().paused);
}

}  // namespace
