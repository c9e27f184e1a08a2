// The QMI carrier end to end on an emulated modem, through Debian's real qmi-proxy:
//   Es10Client → Es10Channel → LogicalChannel → QmiChannelLink
//   → libqmi-glib → @qmi-proxy (/usr/libexec/qmi-proxy) → pty → veuicc --modem qmi.
// Debian's qmicli reads card and slot status from the same emulated device. Faults are
// injected by the emulated modem (veuicc --qmi-fault) and must each end in a named error
// within a bounded time, with the card usable afterwards.
//
// Runs inside tests/modem/modem-sandbox.sh (private network namespace, so @qmi-proxy is ours).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"
#include "lpa/es10_client.h"
#include "modem/qmi/qmi_channel_link.h"
#include "tests/modem/sim_restart_checks.h"
#include "tests/support/subprocess.h"

using namespace euiccd;
using namespace euiccd::lpa;
using namespace std::chrono_literals;
using euiccd::testing::Subprocess;
using euiccd::testing::TempDir;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kEid[] = "89049032123451234512345678901235";  // make-test-pki.sh's default
constexpr char kHome[] = "8944476500001224158";
constexpr char kTravel[] = "89012600000000000013";
constexpr char kQmiProxy[] = "/usr/libexec/qmi-proxy";

json seed() {
  return {{"profiles",
           {{{"iccid", kHome},
             {"state", "enabled"},
             {"nickname", "Home"},
             {"service_provider_name", "Veuicc Mobile"},
             {"profile_name", "Home plan"},
             {"profile_class", "operational"}},
            {{"iccid", kTravel},
             {"service_provider_name", "Roam Anywhere"},
             {"profile_name", "Travel data"},
             {"profile_class", "operational"}}}}};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The whole stack on one link.
struct Stack {
  explicit Stack(modem::qmi::QmiLinkOptions options)
      : link(std::move(options)), channel(link), es10_channel(channel), es10(es10_channel) {}
  modem::qmi::QmiChannelLink link;
  apdu::LogicalChannel channel;
  apdu::Es10Channel es10_channel;
  Es10Client es10;
};

class QmiModem : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0 || access(kQmiProxy, X_OK) != 0) return;
    pki_ = std::make_unique<TempDir>();
    std::string out;
    const int rc = euiccd::testing::run_command(
        {"/bin/sh", EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh", pki_->path()}, &out, 60s);
    ASSERT_EQ(rc, 0) << out;
  }
  static void TearDownTestSuite() { pki_.reset(); }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: run inside tests/modem/modem-sandbox.sh";
    if (access(kQmiProxy, X_OK) != 0) GTEST_SKIP() << "apt-get install libqmi-proxy";
    ASSERT_TRUE(pki_);
    std::ofstream(work_.file("seed.json")) << seed().dump(2);
    start_proxy();
  }

  void TearDown() override {
    stack_.reset();
    if (veuicc_) veuicc_->stop(SIGTERM);
    if (proxy_) proxy_->stop(SIGTERM);
    if (HasFailure()) {
      std::printf("--- veuicc log ---\n%s\n", read_file(work_.file("veuicc.log")).c_str());
      std::printf("--- qmi-proxy log ---\n%s\n", read_file(work_.file("proxy.log")).c_str());
    }
  }

  std::string device() const { return work_.file("cdc-wdm0"); }

  void start_proxy() {
    proxy_ = std::make_unique<Subprocess>(
        std::vector<std::string>{kQmiProxy, "--no-exit", "--verbose"}, work_.file("proxy.log"));
    // Bounded wait until the proxy listens on its abstract socket.
    const auto end = Clock::now() + 5s;
    while (read_file("/proc/net/unix").find("@qmi-proxy") == std::string::npos) {
      ASSERT_LT(Clock::now(), end) << "qmi-proxy did not listen within 5 s";
      usleep(5000);
    }
  }

  // Starts the emulated modem on a fresh state; returns when its pty link exists.
  void start_modem(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {EUICCD_BINARY_DIR "/veuicc/veuicc",
                                     "--state",
                                     work_.file("state.json"),
                                     "--seed",
                                     work_.file("seed.json"),
                                     "--euicc-cert",
                                     pki_->file("euicc.pem"),
                                     "--euicc-key",
                                     pki_->file("euicc.key"),
                                     "--eum-cert",
                                     pki_->file("eum.pem"),
                                     "--ci-cert",
                                     pki_->file("ci.pem"),
                                     "--modem",
                                     "qmi",
                                     "--pty-link",
                                     device(),
                                     "--verbose"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    veuicc_ = std::make_unique<Subprocess>(argv, work_.file("veuicc.log"));
    const auto end = Clock::now() + 5s;
    while (access(device().c_str(), F_OK) != 0) {
      ASSERT_LT(Clock::now(), end) << "the emulated modem made no device within 5 s";
      ASSERT_TRUE(veuicc_->running()) << read_file(work_.file("veuicc.log"));
      usleep(5000);
    }
  }

  Stack& stack(std::chrono::milliseconds timeout = 10s) {
    if (!stack_) {
      modem::qmi::QmiLinkOptions o;
      o.device_path = device();
      o.timeout = timeout;
      stack_ = std::make_unique<Stack>(o);
    }
    return *stack_;
  }

  json state_profile(const std::string& iccid) {
    const json state = json::parse(read_file(work_.file("state.json")));
    for (const auto& p : state["profiles"]) {
      if (p["iccid"] == iccid) return p;
    }
    return nullptr;
  }

  static inline std::unique_ptr<TempDir> pki_;
  TempDir work_;
  std::unique_ptr<Subprocess> proxy_;
  std::unique_ptr<Subprocess> veuicc_;
  std::unique_ptr<Stack> stack_;
};

// ---- qmicli ----------------------------------------------------------------------------------

TEST_F(QmiModem, QmicliReadsCardAndSlotStatusThroughTheProxy) {
  start_modem();
  std::string out;
  ASSERT_EQ(euiccd::testing::run_command({"/usr/bin/qmicli", "-p", "--device-open-qmi", "-d",
                                          device(), "--uim-get-card-status"},
                                         &out, 10s),
            0)
      << out;
  EXPECT_NE(out.find("Card state: 'present'"), std::string::npos) << out;
  EXPECT_NE(out.find("Application type:  'usim (2)'"), std::string::npos) << out;
  EXPECT_NE(out.find("Application state: 'ready'"), std::string::npos) << out;

  ASSERT_EQ(euiccd::testing::run_command({"/usr/bin/qmicli", "-p", "--device-open-qmi", "-d",
                                          device(), "--uim-get-slot-status"},
                                         &out, 10s),
            0)
      << out;
  EXPECT_NE(out.find(std::string("EID: ") + kEid), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("ICCID: ") + kHome), std::string::npos) << out;
  EXPECT_NE(out.find("Is eUICC: yes"), std::string::npos) << out;

  // A message the emulated modem does not know: InvalidQmiCommand, as from real firmware.
  EXPECT_NE(euiccd::testing::run_command({"/usr/bin/qmicli", "-p", "--device-open-qmi", "-d",
                                          device(), "--uim-get-supported-messages"},
                                         &out, 10s),
            0);
  EXPECT_NE(out.find("InvalidQmiCommand"), std::string::npos) << out;
}

// ---- ES10 over QMI ---------------------------------------------------------------------------

TEST_F(QmiModem, Es10ManagementOverQmiThroughTheProxy) {
  start_modem();
  Stack& s = stack();
  // Round trips per operation: QMI request/response pairs the link made.
  auto measure = [&](const char* what, auto&& op) {
    const uint64_t before = s.link.round_trips();
    const auto t0 = Clock::now();
    op();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    std::printf("  %-22s %2llu QMI round trips, %6.2f ms\n", what,
                static_cast<unsigned long long>(s.link.round_trips() - before),
                us.count() / 1000.0);
  };
  measure("GetEID (first: opens)", [&] { EXPECT_EQ(s.es10.get_eid(), kEid); });
  EXPECT_EQ(s.channel.number(), 1);
  measure("GetEID", [&] { EXPECT_EQ(s.es10.get_eid(), kEid); });
  measure("GetEUICCInfo2", [&] {
    const EuiccInfo2 info = s.es10.get_euicc_info2();
    EXPECT_EQ(to_hex(info.svn), "020202");
  });
  std::vector<ProfileInfo> list;
  measure("GetProfilesInfo", [&] { list = s.es10.get_profiles_info(); });
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].iccid, kHome);
  EXPECT_EQ(list[0].state, ProfileState::Enabled);
  EXPECT_EQ(list[0].nickname, "Home");
  EXPECT_EQ(list[1].iccid, kTravel);

  // GetProfilesInfo wall time through the proxy, averaged.
  constexpr int kRuns = 20;
  const auto t0 = Clock::now();
  for (int i = 0; i < kRuns; ++i) s.es10.get_profiles_info();
  const double avg_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kRuns;
  std::printf("  GetProfilesInfo over QMI through qmi-proxy: %.2f ms average of %d\n", avg_ms,
              kRuns);

  measure("SetNickname", [&] { s.es10.set_nickname(kTravel, "Abroad"); });
  measure("EnableProfile",
          [&] { s.es10.enable_profile(ProfileIdentifier::from_iccid(kTravel), false); });
  measure("DisableProfile",
          [&] { s.es10.disable_profile(ProfileIdentifier::from_iccid(kTravel), false); });
  measure("DeleteProfile", [&] { s.es10.delete_profile(ProfileIdentifier::from_iccid(kTravel)); });

  list = s.es10.get_profiles_info();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].iccid, kHome);
  EXPECT_EQ(state_profile(kTravel), nullptr);  // gone from the card's own state file too
  const json home = state_profile(kHome);      // enabling Travel disabled Home
  ASSERT_TRUE(home.is_object()) << read_file(work_.file("state.json"));
  EXPECT_EQ(home.value("state", ""), "disabled");

  // The channel was kept open across all of it: one Open Logical Channel in all.
  EXPECT_EQ(s.link.reset_count(), 0u);
  s.channel.close();
  // Closed on the modem: the next open gets channel 1 again.
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_EQ(s.channel.number(), 1);
}

// ---- faults ----------------------------------------------------------------------------------

struct FaultCase {
  const char* spec;     // --qmi-fault
  Errc expected;        // the named error of the faulty operation
  const char* message;  // a part of its message
};

class QmiFaults : public QmiModem, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(QmiFaults, EndsInANamedErrorInBoundedTimeAndTheCardWorksAfterwards) {
  const FaultCase& f = GetParam();
  start_modem({"--qmi-fault", f.spec});
  Stack& s = stack(1000ms);  // the link's bound on every wait
  // Operation 1 is a GetEID (Send APDU 1); operation 2 a GetProfilesInfo (Send APDU 2).
  std::optional<Error> failure;
  const auto t0 = Clock::now();
  for (int op = 0; op < 2 && !failure; ++op) {
    try {
      if (op == 0) {
        EXPECT_EQ(s.es10.get_eid(), kEid);
      } else {
        s.es10.get_profiles_info();
      }
    } catch (const Error& e) {
      failure = e;
    }
  }
  const auto took = Clock::now() - t0;
  ASSERT_TRUE(failure) << "no error for --qmi-fault " << f.spec;
  std::printf(
      "  %s -> %s after %lld ms: %s\n", f.spec, errc_name(failure->code()),
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      failure->what());
  EXPECT_EQ(failure->code(), f.expected) << failure->what();
  EXPECT_NE(std::string(failure->what()).find(f.message), std::string::npos) << failure->what();
  EXPECT_LT(took, 3s);  // the 1 s bound plus libqmi's cancellation, never libqmi's own 10 s+

  // The card is usable afterwards, on the same stack: the link reconnects or re-opens.
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_EQ(s.es10.get_profiles_info().size(), 2u);
  // And clean: closing frees the channel on the card, the next open gets channel 1 again
  // (after a reset the old channel is gone anyway).
  s.channel.close();
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_EQ(s.channel.number(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Qmi, QmiFaults,
    ::testing::Values(FaultCase{"access-denied", Errc::NotAllowed, "firmware"},
                      FaultCase{"no-reply@2", Errc::Timeout, "did not answer Send APDU"},
                      FaultCase{"slow@2", Errc::Timeout, "did not answer Send APDU"},
                      FaultCase{"garbled@2", Errc::Malformed, "APDU response TLV"},
                      FaultCase{"truncated@2", Errc::Malformed, "no status word"},
                      FaultCase{"reset-mid@2", Errc::CardRemoved, "went away"}),
    [](const auto& param_info) {
      std::string n = param_info.param.spec;
      for (char& c : n) {
        if (c == '-' || c == '@') c = '_';
      }
      return n;
    });

TEST_F(QmiModem, ProxyGoneIsACardResetAndTheNextOperationReconnects) {
  start_modem();
  Stack& s = stack(1000ms);
  EXPECT_EQ(s.es10.get_eid(), kEid);
  // The proxy dies and comes back (systemd or libqmi's own spawn would restart it; ours is
  // restarted here so that no untracked proxy is left in the sandbox).
  proxy_->stop(SIGKILL);
  start_proxy();
  const auto t0 = Clock::now();
  // When the link notices the loss before it sends, the command never reached the card and
  // Es10Channel resends it on a new channel (CardResetError); when a command was in flight,
  // the outcome is unknown and the operation fails with CardRemoved. Either way: no hang, a
  // reset counted, and the card works on the next operation.
  try {
    EXPECT_EQ(s.es10.get_profiles_info().size(), 2u);
    std::printf("  proxy gone -> reconnected before sending, operation went through\n");
  } catch (const Error& e) {
    std::printf("  proxy gone -> %s: %s\n", errc_name(e.code()), e.what());
    EXPECT_EQ(e.code(), Errc::CardRemoved) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 3s);
  EXPECT_EQ(s.link.reset_count(), 1u);
  EXPECT_EQ(s.es10.get_profiles_info().size(), 2u);
}

// An Enable with refreshFlag makes the modem restart the UICC after answering (the SIM refresh
// after a profile switch): the channel is gone, the next command is not run but resent on a
// new channel, and the switch is not taken for a failure.
TEST_F(QmiModem, SimRefreshAfterEnableIsACountedResetAndTheNextCommandGoesThrough) {
  start_modem();
  Stack& s = stack(1000ms);
  EXPECT_EQ(s.es10.get_eid(), kEid);
  const uint8_t before = s.channel.number();
  s.es10.enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/true);
  EXPECT_EQ(s.link.reset_count(), 0u);  // the answer arrived before the restart
  const auto list = s.es10.get_profiles_info();
  EXPECT_EQ(s.link.reset_count(), 1u);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].iccid, kTravel);
  EXPECT_EQ(list[1].state, ProfileState::Enabled);
  EXPECT_EQ(state_profile(kTravel)["state"], "enabled");
  EXPECT_TRUE(s.channel.is_open());
  std::printf("  refresh after Enable: channel %u -> %u, 1 reset counted\n", before,
              s.channel.number());
}

// ---- SIM restart (issue 13) ------------------------------------------------------------------

std::string qmicli(const std::string& device, const std::string& option) {
  std::string out;
  const int rc = euiccd::testing::run_command(
      {"/usr/bin/qmicli", "-p", "--device-open-qmi", "-d", device, option}, &out, 10s);
  EXPECT_EQ(rc, 0) << option << ": " << out;
  return out;
}

// An Enable without REFRESH leaves the modem on the profile it read at power-up; the link's
// power cycle (UIM Power Off SIM, Power On SIM) makes it read the card again. The channel went
// with the card's power (a counted reset), and the same link opens a new one on its next
// command, without being rebuilt.
TEST_F(QmiModem, PowerCycleMakesTheModemReadTheNewProfileAndTheLinkCarriesOn) {
  start_modem();
  modem::qmi::QmiLinkOptions o;
  o.device_path = device();
  o.timeout = 1000ms;
  o.sim_off_time = 20ms;
  stack_ = std::make_unique<Stack>(o);
  Stack& s = *stack_;
  EXPECT_EQ(s.es10.get_eid(), kEid);
  s.es10.enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/false);
  EXPECT_NE(qmicli(device(), "--uim-get-slot-status").find(std::string("ICCID: ") + kHome),
            std::string::npos);

  // Close the channel, power off, power on.
  EXPECT_EQ(euiccd::testing::measured_restart(s.link, "QMI power cycle (20 ms off)", 1s), 3u);
  EXPECT_EQ(s.link.reset_count(), 1u);

  EXPECT_NE(qmicli(device(), "--uim-get-slot-status").find(std::string("ICCID: ") + kTravel),
            std::string::npos);
  euiccd::testing::expect_switched_on_the_same_stack(s, kHome, kTravel);
}

// Debian's qmicli drives the same emulated power switch: off, the card is absent and the link's
// channel requests are refused (the SIM is not ready) instead of reaching it; on again, the card
// is back, reset (the link's old channel is gone: a counted reset, then a new channel).
TEST_F(QmiModem, QmicliPowersTheSimOffAndOn) {
  start_modem();
  Stack& s = stack(1000ms);
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_NE(qmicli(device(), "--uim-sim-power-off=1").find("Successfully"), std::string::npos);
  EXPECT_NE(qmicli(device(), "--uim-get-card-status").find("Card state: 'absent'"),
            std::string::npos);
  try {
    s.es10.get_eid();
    ADD_FAILURE() << "the card answered while powered off";
  } catch (const Error& e) {
    std::printf("  SIM off -> %s: %s\n", errc_name(e.code()), e.what());
    EXPECT_EQ(e.code(), Errc::Busy) << e.what();
  }
  EXPECT_NE(qmicli(device(), "--uim-sim-power-on=1").find("Successfully"), std::string::npos);
  EXPECT_NE(qmicli(device(), "--uim-get-card-status").find("Card state: 'present'"),
            std::string::npos);
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_EQ(s.link.reset_count(), 1u);
}

TEST_F(QmiModem, NoDeviceIsANamedErrorNotAHang) {
  modem::qmi::QmiLinkOptions o;
  o.device_path = work_.file("no-such-modem");
  o.timeout = 1000ms;
  modem::qmi::QmiChannelLink link(o);
  const auto t0 = Clock::now();
  try {
    link.open(apdu::default_isd_r_aids());
    ADD_FAILURE() << "opened a missing device";
  } catch (const Error& e) {
    std::printf("  missing device -> %s: %s\n", errc_name(e.code()), e.what());
    EXPECT_EQ(e.code(), Errc::NoReader) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 3s);
}

TEST_F(QmiModem, TheSlotTlvChoosesTheSlot) {
  start_modem();  // one slot: slot 1
  modem::qmi::QmiLinkOptions o;
  o.device_path = device();
  o.slot = 2;
  o.timeout = 1000ms;
  modem::qmi::QmiChannelLink link(o);
  try {
    link.open(apdu::default_isd_r_aids());
    ADD_FAILURE() << "opened a channel in an empty slot";
  } catch (const Error& e) {
    std::printf("  slot 2 -> %s: %s\n", errc_name(e.code()), e.what());
    EXPECT_EQ(e.code(), Errc::CardRemoved) << e.what();
    EXPECT_NE(std::string(e.what()).find("NoSim (102)"), std::string::npos) << e.what();
  }
}

// Figures for docs/performance.md: one ES10 command is one QMI round trip (the modem fetches
// 61xx pieces itself), at a fixed modem latency of 20 ms per UIM answer.
TEST_F(QmiModem, RoundTripsAndWallTimeAtAFixedModemLatency) {
  start_modem({"--latency-ms", "20"});
  Stack& s = stack();
  EXPECT_EQ(s.es10.get_eid(), kEid);  // opens
  constexpr int kRuns = 5;
  const uint64_t before = s.link.round_trips();
  const auto t0 = Clock::now();
  for (int i = 0; i < kRuns; ++i) EXPECT_EQ(s.es10.get_profiles_info().size(), 2u);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kRuns;
  const uint64_t trips = s.link.round_trips() - before;
  std::printf("  GetProfilesInfo at 20 ms modem latency: %.1f ms, %.1f QMI round trips each\n", ms,
              static_cast<double>(trips) / kRuns);
  EXPECT_EQ(trips, static_cast<uint64_t>(kRuns));
  EXPECT_GE(ms, 20.0);
  EXPECT_LT(ms, 200.0);
}

}  // namespace
