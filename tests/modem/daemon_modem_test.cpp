// eUICCs inside modems served by euiccd itself, proven through the daemon: a private
// dbus-daemon, polkit stood in by python-dbusmock, euiccd configured with a [Modem:] section
// for the emulated modem (veuicc --modem at|qmi on a pty; QMI through Debian's qmi-proxy, which
// libqmi spawns as it would on a real system), and euiccctl driving it the way a person does.
// Every ES10 management operation and a full download from the test SM-DP+ over each
// transport, the card's state file checked after each; faults from the emulated modems each end
// in a named error, a clean card and a daemon that still answers.
//
// Parametrised over transports: AT, QMI and MBIM.
// Runs inside tests/integration/pcsc-sandbox.sh: private network namespace (qmi-proxy's
// abstract socket is ours), private /run/pcscd (the daemon's PC/SC watcher sees only the
// sandbox's empty readers) and a PID namespace that takes everything down at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace smdpp_test = euiccd::smdpp_test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kHome[] = "8944476500001224158";
constexpr char kTravel[] = "89012600000000000013";
constexpr char kPlainIccid[] = "8944000000000000017";
constexpr char kEuiccctl[] = EUICCD_BINARY_DIR "/euiccctl/euiccctl";

struct Transport {
  const char* name;         // veuicc --modem and Transport=
  const char* device_name;  // the emulated modem's pty link, in the test's directory
  const char* timeout;      // TimeoutSec= (short: the silent modem is waited for this long)
};

const Transport kAt{"at", "ttyUSB2", "1"};
// Opening includes spawning qmi-proxy and its first exchange with the device.
const Transport kQmi{"qmi", "cdc-wdm0", "3"};
// The same for mbim-proxy.
const Transport kMbim{"mbim", "wwan0mbim0", "3"};

std::string transport_name(const ::testing::TestParamInfo<Transport>& info) {
  return info.param.name;
}

std::string seed() {
  return json{{"profiles",
               {{{"iccid", kHome},
                 {"state", "enabled"},
                 {"nickname", "Home"},
                 {"service_provider_name", "Veuicc Mobile"},
                 {"profile_name", "Home plan"},
                 {"profile_class", "operational"}},
                {{"iccid", kTravel},
                 {"service_provider_name", "Roam Anywhere"},
                 {"profile_name", "Travel data"},
                 {"profile_class", "operational"}}}}}
      .dump();
}

SharedSmdp& smdp() {
  static SharedSmdp s([] {
    json plain = smdpp_test::order("PLAIN", kPlainIccid, 5000);
    plain["reusable"] = true;
    return json::array({plain});
  }());
  return s;
}

struct Outcome {
  int status = -1;
  std::string out;  // stdout and stderr
};

// The daemon serving one emulated modem: the rig, with the card started as a modem and euiccd
// configured for it.
class ModemWorld {
 public:
  ModemWorld(const Transport& transport, const std::vector<std::string>& faults,
             bool expect_euicc = true)
      : transport_(transport),
        rig_({.card_seed = seed(), .smdp = smdp().server.get(), .start = false}) {
    std::vector<std::string> card = {"--modem", transport.name, "--pty-link", device(),
                                     "--verbose"};
    card.insert(card.end(), faults.begin(), faults.end());
    rig_.start_card(card);
    if (!eventually([&] { return access(device().c_str(), F_OK) == 0; }, 5s))
      throw std::runtime_error("the emulated modem made no device" + rig_.logs());
    std::ostringstream config;
    config << "[Readers]\n# only the modem: the sandbox's vpcd readers stay unused\nDeny=*\n"
           << "[Notifications]\nAutoProcess=no\nRetryIntervalSec=0\n"
           << "[Modem:test]\nTransport=" << transport.name << "\nDevice=" << device()
           << "\nTimeoutSec=" << transport.timeout << "\n";
    rig_.write_daemon_config(config.str());
    rig_.start_daemon();
    if (expect_euicc && !rig_.wait_for_euicc(20s))
      throw std::runtime_error("the modem's eUICC did not come up on the bus" + rig_.logs());
    rig_.allow_all();
  }

  DaemonRig& rig() { return rig_; }
  std::string device() const { return rig_.dir().file(transport_.device_name); }

  Outcome ctl(std::vector<std::string> args) {
    // sh gives us stderr with stdout; the arguments pass through untouched.
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", kEuiccctl,
                                     "--bus=" + rig_.bus_address()};
    argv.insert(argv.end(), args.begin(), args.end());
    Outcome r;
    r.status = run_command(argv, &r.out, 60s);
    return r;
  }

  // APDU commands the emulated modem carried so far (+CGLA/+CSIM lines; QMI UIM Send APDU
  // requests), from its --verbose log.
  uint64_t apdus() const {
    std::istringstream log(rig_.card_log());
    uint64_t n = 0;
    for (std::string line; std::getline(log, line);) {
      if (std::string(transport_.name) == "at") {
        if (line.starts_with("veuicc: at ") &&
            (line.find("+CGLA=") != std::string::npos || line.find("+CSIM=") != std::string::npos))
          ++n;
      } else if (line.starts_with("veuicc: QMI <- ")) {
        const std::string frame = line.substr(15);
        // QMUX: 01 len(2) flags service(0B = UIM) client | flags tid(2) message(3B00 = Send APDU)
        if (frame.size() > 22 && frame.substr(8, 2) == "0B" && frame.substr(18, 4) == "3B00") ++n;
      }
    }
    return n;
  }

  json card_profile(const std::string& iccid) { return rig_.card_profile(iccid); }
  size_t card_profiles() { return rig_.card_state().at("profiles").size(); }

 private:
  Transport transport_;
  DaemonRig rig_;
};

std::string describe(const Outcome& r) {
  return "exit " + std::to_string(r.status) + ":\n" + r.out;
}

// APDUs the daemon's probe of a fresh card takes (EID and snapshot), measured once per
// transport: the faults below aim at the first command after it.
std::map<std::string, uint64_t>& probe_apdus() {
  static std::map<std::string, uint64_t> counts;
  return counts;
}

uint64_t measured_probe(const Transport& t) {
  auto it = probe_apdus().find(t.name);
  if (it != probe_apdus().end()) return it->second;
  ModemWorld world(t, {});
  return probe_apdus()[t.name] = world.apdus();
}

class DaemonModem : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
    if (std::string(GetParam().name) == "qmi" && access("/usr/libexec/qmi-proxy", X_OK) != 0)
      GTEST_SKIP() << "apt-get install libqmi-proxy";
  }

  // Runs one euiccctl operation, with its wall time and APDU count in the figures.
  Outcome timed(ModemWorld& world, const std::string& label, std::vector<std::string> args) {
    const uint64_t before = world.apdus();
    const auto start = Clock::now();
    Outcome r = world.ctl(std::move(args));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    std::printf("[figures] %-4s %-10s %4llu APDUs %6lld ms\n", GetParam().name, label.c_str(),
                static_cast<unsigned long long>(world.apdus() - before),
                static_cast<long long>(ms.count()));
    return r;
  }
};

TEST_P(DaemonModem, EveryManagementOperationAndADownloadThroughEuiccctl) {
  ModemWorld world(GetParam(), {});
  DaemonRig& rig = world.rig();
  probe_apdus()[GetParam().name] = world.apdus();
  const std::string key = std::string(GetParam().name) + ":" + world.device() + "#1";

  // What the eUICC is and what carries it.
  Outcome status = timed(world, "status", {"--json", "status"});
  ASSERT_EQ(status.status, 0) << describe(status);
  const json s = json::parse(status.out).at("euiccs").at(0);
  EXPECT_EQ(s.at("Eid"), kTestEid);
  EXPECT_EQ(s.at("Transport"), GetParam().name);
  EXPECT_EQ(s.at("Reader"), key);
  EXPECT_EQ(s.at("Modem"), "/");  // from the configuration, not ModemManager
  Outcome text = world.ctl({"status"});
  EXPECT_NE(text.out.find(key), std::string::npos) << text.out;

  Outcome list = timed(world, "list", {"--json", "list"});
  ASSERT_EQ(list.status, 0) << describe(list);
  const json profiles = json::parse(list.out);
  ASSERT_EQ(profiles.size(), 2u) << list.out;
  EXPECT_EQ(profiles.at(0).at("Iccid"), kHome);
  EXPECT_EQ(profiles.at(0).at("State"), "enabled");

  Outcome r = timed(world, "enable", {"enable", kTravel});
  ASSERT_EQ(r.status, 0) << describe(r) << rig.logs();
  EXPECT_EQ(world.card_profile(kTravel).value("state", ""), "enabled");
  EXPECT_EQ(world.card_profile(kHome).value("state", ""), "disabled");

  r = timed(world, "disable", {"disable", kTravel});
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_EQ(world.card_profile(kTravel).value("state", ""), "disabled");

  r = timed(world, "nickname", {"nickname", kTravel, "Trips"});
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_EQ(world.card_profile(kTravel).value("nickname", ""), "Trips");

  r = timed(world, "delete", {"--yes", "delete", kTravel});
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_TRUE(world.card_profile(kTravel).is_null());

  r = timed(world, "download",
            {"--yes", "download", smdp().activation_code("PLAIN"), "--nickname=Fresh"});
  ASSERT_EQ(r.status, 0) << describe(r) << rig.logs();
  const json installed = world.card_profile(kPlainIccid);
  ASSERT_FALSE(installed.is_null()) << rig.card_state().dump(1);
  EXPECT_EQ(installed.value("nickname", ""), "Fresh");
  EXPECT_EQ(world.card_profiles(), 2u);

  // The daemon's view agrees with the card's.
  list = world.ctl({"--json", "list"});
  ASSERT_EQ(list.status, 0) << describe(list);
  EXPECT_NE(list.out.find(kPlainIccid), std::string::npos) << list.out;
}

INSTANTIATE_TEST_SUITE_P(Transports, DaemonModem, ::testing::Values(kAt, kQmi, kMbim),
                         transport_name);

// ---- faults ----------------------------------------------------------------------------------

// A management operation whose first modem command meets the fault: a named error, nothing
// changed on the card, and the same operation succeeds right after on the same daemon.
void expect_clean_failure(ModemWorld& world, const std::string& error_name) {
  const auto start = Clock::now();
  Outcome r = world.ctl({"enable", kTravel});
  const auto took = Clock::now() - start;
  EXPECT_NE(r.status, 0) << describe(r);
  EXPECT_NE(r.out.find("org.euiccd1.Error." + error_name), std::string::npos)
      << describe(r) << world.rig().logs();
  EXPECT_LT(took, 10s);
  EXPECT_EQ(world.card_profile(kHome).value("state", ""), "enabled");
  EXPECT_EQ(world.card_profile(kTravel).value("state", ""), "disabled");
  EXPECT_TRUE(world.rig().daemon_answers());
  r = world.ctl({"enable", kTravel});
  EXPECT_EQ(r.status, 0) << describe(r) << world.rig().logs();
  EXPECT_EQ(world.card_profile(kTravel).value("state", ""), "enabled");
}

// The faults are each a carrier's own: one fixture, the transport named per test.
class DaemonModemFault : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
  }
  bool no_qmi_proxy() const { return access("/usr/libexec/qmi-proxy", X_OK) != 0; }
};

TEST_F(DaemonModemFault, AtCmeErrorIsANamedErrorAndTheCardStaysAsItWas) {
  const uint64_t next = measured_probe(kAt) + 1;
  ModemWorld world(kAt, {"--at-fault", "cme-error@" + std::to_string(next)});
  expect_clean_failure(world, "CardError");
}

TEST_F(DaemonModemFault, AtSilentModemIsATimeoutWithinItsBound) {
  const uint64_t next = measured_probe(kAt) + 1;
  ModemWorld world(kAt, {"--at-fault", "silent@" + std::to_string(next)});
  expect_clean_failure(world, "Timeout");
  EXPECT_TRUE(world.rig().daemon_log_has("did not finish its answer")) << world.rig().logs();
}

// The firmware refuses the channel to the ISD-R (QMI AccessDenied on Open Logical Channel,
// SIMCom/Telit; MBIM's Open Channel refused): the eUICC cannot be served; the daemon says why
// in its log, keeps answering, and euiccctl says it sees no eUICC.
class DaemonModemRefused : public DaemonModemFault,
                           public ::testing::WithParamInterface<Transport> {};

TEST_P(DaemonModemRefused, IsNamedInTheLogAndTheDaemonStaysUp) {
  const Transport& t = GetParam();
  if (access(t.name == std::string("qmi") ? "/usr/libexec/qmi-proxy" : "/usr/libexec/mbim-proxy",
             X_OK) != 0)
    GTEST_SKIP() << "apt-get install lib" << t.name << "-proxy";
  ModemWorld world(t, {std::string("--") + t.name + "-fault", "access-denied"}, false);
  ASSERT_TRUE(eventually([&] { return world.rig().daemon_log_has("not usable as an eUICC"); }, 15s))
      << world.rig().logs();
  EXPECT_TRUE(world.rig().daemon_log_has("refuses access to the eUICC")) << world.rig().logs();
  EXPECT_TRUE(world.rig().daemon_log_has("firmware")) << world.rig().logs();
  EXPECT_TRUE(world.rig().daemon_answers());
  Outcome status = world.ctl({"status"});
  EXPECT_EQ(status.status, 0) << describe(status);
  EXPECT_NE(status.out.find("0 eUICCs"), std::string::npos) << status.out;
  Outcome enable = world.ctl({"enable", kTravel});
  EXPECT_EQ(enable.status, 3) << describe(enable);  // not found: there is no eUICC to act on
}

INSTANTIATE_TEST_SUITE_P(ProxiedCarriers, DaemonModemRefused, ::testing::Values(kQmi, kMbim),
                         transport_name);

// The modem resets in the middle of a download: a named error (or a download the engine
// restarted to the end), no half-installed profile, and the next download completes.
TEST_F(DaemonModemFault, QmiResetMidDownloadLeavesACleanCardAndALiveDaemon) {
  if (no_qmi_proxy()) GTEST_SKIP() << "apt-get install libqmi-proxy";
  // The third APDU of the download: inside AuthenticateServer, with a session on the card.
  const uint64_t at = measured_probe(kQmi) + 3;
  ModemWorld world(kQmi, {"--qmi-fault", "reset-mid@" + std::to_string(at)});
  Outcome first = world.ctl({"--yes", "download", smdp().activation_code("PLAIN")});
  ASSERT_TRUE(world.rig().card_log().find("modem reset") != std::string::npos)
      << "the fault did not fire" << world.rig().logs();
  std::printf("[figures] qmi reset-mid@%llu during a download: %s",
              static_cast<unsigned long long>(at), describe(first).c_str());
  std::istringstream log(world.rig().daemon_log());
  for (std::string line; std::getline(log, line);)
    if (line.find("operation=download") != std::string::npos)
      std::printf("[figures]   %s\n", line.c_str());
  if (first.status == 0) {
    EXPECT_FALSE(world.card_profile(kPlainIccid).is_null())
        << "success reported, nothing installed";
  } else {
    EXPECT_NE(first.out.find("org.euiccd1.Error."), std::string::npos) << describe(first);
    EXPECT_TRUE(world.card_profile(kPlainIccid).is_null()) << world.rig().card_state().dump(1);
    EXPECT_EQ(world.card_profiles(), 2u);
  }
  EXPECT_TRUE(world.rig().daemon_answers());
  Outcome list = world.ctl({"--json", "list"});
  ASSERT_EQ(list.status, 0) << describe(list) << world.rig().logs();
  if (first.status != 0) {
    Outcome again = world.ctl({"--yes", "download", smdp().activation_code("PLAIN")});
    ASSERT_EQ(again.status, 0) << describe(again) << world.rig().logs();
    EXPECT_FALSE(world.card_profile(kPlainIccid).is_null());
  }
}

}  // namespace
