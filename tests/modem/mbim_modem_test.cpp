// The MBIM carrier end to end on an emulated modem, through Debian's real mbim-proxy:
//   Es10Client → Es10Channel → LogicalChannel → MbimChannelLink
//   → libmbim-glib → @mbim-proxy (/usr/libexec/mbim-proxy) → pty → veuicc --modem mbim.
// Debian's mbimcli reads device caps, subscriber and slot status and drives a UICC channel on
// the same emulated device. Faults are injected by the emulated modem (veuicc --mbim-fault)
// and must each end in a named error within a bounded time, with the card usable afterwards.
//
// Runs inside tests/modem/modem-sandbox.sh (private network namespace, so @mbim-proxy is ours).
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
#include "modem/mbim/mbim_channel_link.h"
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
constexpr char kMbimProxy[] = "/usr/libexec/mbim-proxy";
constexpr char kMbimcli[] = "/usr/bin/mbimcli";

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
  explicit Stack(modem::mbim::MbimLinkOptions options)
      : link(std::move(options)), channel(link), es10_channel(channel), es10(es10_channel) {}
  modem::mbim::MbimChannelLink link;
  apdu::LogicalChannel channel;
  apdu::Es10Channel es10_channel;
  Es10Client es10;
};

class MbimModem : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0 || access(kMbimProxy, X_OK) != 0) return;
    pki_ = std::make_unique<TempDir>();
    std::string out;
    const int rc = euiccd::testing::run_command(
        {"/bin/sh", EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh", pki_->path()}, &out, 60s);
    ASSERT_EQ(rc, 0) << out;
  }
  static void TearDownTestSuite() { pki_.reset(); }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: run inside tests/modem/modem-sandbox.sh";
    if (access(kMbimProxy, X_OK) != 0) GTEST_SKIP() << "apt-get install libmbim-proxy";
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
      std::printf("--- mbim-proxy log ---\n%s\n", read_file(work_.file("proxy.log")).c_str());
    }
  }

  std::string device() const { return work_.file("cdc-wdm0"); }

  void start_proxy() {
    proxy_ = std::make_unique<Subprocess>(
        std::vector<std::string>{kMbimProxy, "--no-exit", "--verbose"}, work_.file("proxy.log"));
    // Bounded wait until the proxy listens on its abstract socket.
    const auto end = Clock::now() + 5s;
    while (read_file("/proc/net/unix").find("@mbim-proxy") == std::string::npos) {
      ASSERT_LT(Clock::now(), end) << "mbim-proxy did not listen within 5 s";
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
                                     "mbim",
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
      modem::mbim::MbimLinkOptions o;
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

// ---- mbimcli ---------------------------------------------------------------------------------

TEST_F(MbimModem, MbimcliReadsStatusAndDrivesAChannelThroughTheProxy) {
  start_modem();
  auto mbimcli = [&](const std::string& option, std::string* out) {
    return euiccd::testing::run_command({kMbimcli, "-p", "-d", device(), option}, out, 10s);
  };
  std::string out;
  ASSERT_EQ(mbimcli("--query-device-caps", &out), 0) << out;
  EXPECT_NE(out.find("Firmware info: 'VEUICC.MBIM.1'"), std::string::npos) << out;
  ASSERT_EQ(mbimcli("--query-subscriber-ready-status", &out), 0) << out;
  EXPECT_NE(out.find("Ready state: 'initialized'"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("SIM ICCID: '") + kHome + "'"), std::string::npos) << out;
  ASSERT_EQ(mbimcli("--ms-query-slot-info-status=0", &out), 0) << out;
  EXPECT_NE(out.find("Slot '0': 'state-active-esim'"), std::string::npos) << out;
  ASSERT_EQ(mbimcli("--ms-query-slot-info-status=1", &out), 0) << out;
  EXPECT_NE(out.find("Slot '1': 'state-empty'"), std::string::npos) << out;

  // The whole channel life cycle by hand: open the ISD-R, GetEID, close.
  ASSERT_EQ(mbimcli("--ms-set-uicc-open-channel=application-id=A0000005591010FFFFFFFF8900000100,"
                    "channel-group=1",
                    &out),
            0)
      << out;
  EXPECT_NE(out.find("status: 144"), std::string::npos) << out;  // 9000 as SW1 | SW2<<8
  EXPECT_NE(out.find("channel: 1"), std::string::npos) << out;
  ASSERT_EQ(
      mbimcli("--ms-set-uicc-apdu=channel=1,secure-message=none,classbyte-type=inter-industry,"
              "command=81E2910006BF3E035C015A",
              &out),
      0)
      << out;
  EXPECT_NE(out.find("status: 144"), std::string::npos) << out;
  EXPECT_NE(out.find("BF:3E:12:5A:10:89:04:90:32:12:34:51:23:45:12:34:56:78:90:12:35"),
            std::string::npos)
      << out;
  ASSERT_EQ(mbimcli("--ms-set-uicc-close-channel=channel=1,channel-group=1", &out), 0) << out;

  // A service the emulated modem does not offer: NoDeviceSupport, as from real firmware.
  EXPECT_NE(mbimcli("--query-signal-state", &out), 0);
  EXPECT_NE(out.find("NoDeviceSupport"), std::string::npos) << out;
}

// ---- ES10 over MBIM --------------------------------------------------------------------------

// Every ES10 management operation, at a fixed modem latency of 20 ms per MBIM answer: the
// round trips and wall time of each are printed for docs/performance.md.
TEST_F(MbimModem, Es10ManagementOverMbimThroughTheProxy) {
  start_modem({"--latency-ms", "20"});
  Stack& s = stack();
  std::printf("  at 20 ms modem latency per MBIM answer:\n");
  // Round trips per operation: MBIM command/COMMAND_DONE pairs the link made.
  auto measure = [&](const char* what, auto&& op) {
    const uint64_t before = s.link.round_trips();
    const auto t0 = Clock::now();
    op();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    std::printf("  %-22s %2llu MBIM round trips, %6.2f ms\n", what,
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
  constexpr int kRuns = 5;
  const auto t0 = Clock::now();
  for (int i = 0; i < kRuns; ++i) s.es10.get_profiles_info();
  const double avg_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kRuns;
  std::printf("  GetProfilesInfo over MBIM through mbim-proxy: %.2f ms average of %d\n", avg_ms,
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

  // The channel was kept open across all of it: one UICC Open Channel in all.
  EXPECT_EQ(s.link.reset_count(), 0u);
  s.channel.close();
  // Closed on the modem: the next open gets channel 1 again.
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_EQ(s.channel.number(), 1);
}

// ---- faults ----------------------------------------------------------------------------------

struct FaultCase {
  const char* spec;     // --mbim-fault
  Errc expected;        // the named error of the faulty operation
  const char* message;  // a part of its message
};

class MbimFaults : public MbimModem, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(MbimFaults, EndsInANamedErrorInBoundedTimeAndTheCardWorksAfterwards) {
  const FaultCase& f = GetParam();
  start_modem({"--mbim-fault", f.spec});
  Stack& s = stack(1000ms);  // the link's bound on every wait
  // Operation 1 is a GetEID (UICC APDU 1); operation 2 a GetProfilesInfo (UICC APDU 2).
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
  ASSERT_TRUE(failure) << "no error for --mbim-fault " << f.spec;
  std::printf(
      "  %s -> %s after %lld ms: %s\n", f.spec, errc_name(failure->code()),
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      failure->what());
  EXPECT_EQ(failure->code(), f.expected) << failure->what();
  EXPECT_NE(std::string(failure->what()).find(f.message), std::string::npos) << failure->what();
  EXPECT_LT(took, 3s);  // the 1 s bound plus libmbim's cancellation, never libmbim's own 10 s+

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
    Mbim, MbimFaults,
    ::testing::Values(FaultCase{"access-denied", Errc::NotAllowed, "OperationNotAllowed (28)"},
                      FaultCase{"select-failed", Errc::NotAllowed, "firmware refuses"},
                      FaultCase{"not-supported", Errc::NotSupported, "Low Level Access"},
                      FaultCase{"no-channels", Errc::Busy, "no free logical channel"},
                      FaultCase{"no-reply@2", Errc::Timeout, "did not answer UICC APDU"},
                      FaultCase{"slow@2", Errc::Timeout, "did not answer UICC APDU"},
                      FaultCase{"garbled@2", Errc::Malformed, "points at bytes"},
                      FaultCase{"truncated@2", Errc::Malformed, "cut short"},
                      FaultCase{"reset-mid@2", Errc::CardRemoved, "went away"}),
    [](const auto& param_info) {
      std::string n = param_info.param.spec;
      for (char& c : n) {
        if (c == '-' || c == '@') c = '_';
      }
      return n;
    });

TEST_F(MbimModem, ProxyGoneIsACardResetAndTheNextOperationReconnects) {
  start_modem();
  Stack& s = stack(1000ms);
  EXPECT_EQ(s.es10.get_eid(), kEid);
  // The proxy dies and comes back (systemd or libmbim's own spawn would restart it; ours is
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
// after a profile switch): the channel is gone, the next command is resent on a new channel.
TEST_F(MbimModem, SimRefreshAfterEnableIsACountedResetAndTheNextCommandGoesThrough) {
  start_modem();
  Stack& s = stack(1000ms);
  EXPECT_EQ(s.es10.get_eid(), kEid);
  s.es10.enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/true);
  EXPECT_EQ(s.link.reset_count(), 0u);  // the answer arrived before the restart
  const auto list = s.es10.get_profiles_info();
  EXPECT_EQ(s.link.reset_count(), 1u);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].state, ProfileState::Enabled);
  EXPECT_EQ(state_profile(kTravel)["state"], "enabled");
}

// ---- SIM restart (issue 13) ------------------------------------------------------------------

// An Enable without REFRESH leaves the modem on the profile it read at power-up; the link's
// UICC Reset makes it read the card again. The channel went with the reset (a counted reset),
// and the same link opens a new one on its next command, without being rebuilt.
TEST_F(MbimModem, UiccResetMakesTheModemReadTheNewProfileAndTheLinkCarriesOn) {
  start_modem();
  Stack& s = stack(1000ms);
  std::string out;
  auto mbimcli = [&](const std::string& option) {
    EXPECT_EQ(euiccd::testing::run_command({kMbimcli, "-p", "-d", device(), option}, &out, 10s), 0)
        << option << ": " << out;
    return out;
  };
  EXPECT_EQ(s.es10.get_eid(), kEid);
  s.es10.enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/false);
  EXPECT_NE(mbimcli("--query-subscriber-ready-status").find(kHome), std::string::npos) << out;

  // Close the channel, reset.
  EXPECT_EQ(euiccd::testing::measured_restart(s.link, "MBIM UICC reset", 1s), 2u);
  EXPECT_EQ(s.link.reset_count(), 1u);

  EXPECT_NE(mbimcli("--query-subscriber-ready-status").find(kTravel), std::string::npos) << out;
  euiccd::testing::expect_switched_on_the_same_stack(s, kHome, kTravel);
}

// Debian's mbimcli drives the same emulated reset: the link's channel is gone afterwards (a
// counted reset, then a new channel), and the pass-through status reads back as set.
TEST_F(MbimModem, MbimcliResetsTheUicc) {
  start_modem();
  Stack& s = stack(1000ms);
  EXPECT_EQ(s.es10.get_eid(), kEid);
  std::string out;
  ASSERT_EQ(euiccd::testing::run_command(
                {kMbimcli, "-p", "-d", device(), "--ms-set-uicc-reset=disable"}, &out, 10s),
            0)
      << out;
  std::printf("%s", out.c_str());
  ASSERT_EQ(euiccd::testing::run_command({kMbimcli, "-p", "-d", device(), "--ms-query-uicc-reset"},
                                         &out, 10s),
            0)
      << out;
  EXPECT_NE(out.find("disabled"), std::string::npos) << out;
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_EQ(s.link.reset_count(), 1u);
}

TEST_F(MbimModem, NoDeviceIsANamedErrorNotAHang) {
  modem::mbim::MbimLinkOptions o;
  o.device_path = work_.file("no-such-modem");
  o.timeout = 1000ms;
  modem::mbim::MbimChannelLink link(o);
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

TEST_F(MbimModem, SlotSelectionMapsTheSlotOrNamesAnEmptyOne) {
  start_modem();  // slot 1 holds the eUICC, slot 2 is empty
  modem::mbim::MbimLinkOptions o;
  o.device_path = device();
  o.slot = 2;
  o.timeout = 1000ms;
  {
    modem::mbim::MbimChannelLink link(o);
    try {
      link.open(apdu::default_isd_r_aids());
      ADD_FAILURE() << "opened a channel in an empty slot";
    } catch (const Error& e) {
      std::printf("  slot 2 -> %s: %s\n", errc_name(e.code()), e.what());
      EXPECT_EQ(e.code(), Errc::CardRemoved) << e.what();
      EXPECT_NE(std::string(e.what()).find("slot 2"), std::string::npos) << e.what();
    }
  }
  // Slot 1 is the mapped one already: no switch, no reset counted.
  Stack& s = stack();
  EXPECT_EQ(s.es10.get_eid(), kEid);
  EXPECT_EQ(s.link.reset_count(), 0u);
}

// Figures for docs/performance.md at a fixed modem latency of 20 ms per MBIM answer. The
// emulated modem, like Qualcomm's, answers at most 256 bytes per APDU; longer ES10 answers
// take a GET RESPONSE round trip more.
TEST_F(MbimModem, RoundTripsAndWallTimeAtAFixedModemLatency) {
  start_modem({"--latency-ms", "20"});
  Stack& s = stack();
  EXPECT_EQ(s.es10.get_eid(), kEid);  // opens
  constexpr int kRuns = 5;
  const uint64_t before = s.link.round_trips();
  const auto t0 = Clock::now();
  for (int i = 0; i < kRuns; ++i) EXPECT_EQ(s.es10.get_profiles_info().size(), 2u);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kRuns;
  const uint64_t trips = s.link.round_trips() - before;
  std::printf("  GetProfilesInfo at 20 ms modem latency: %.1f ms, %.1f MBIM round trips each\n", ms,
              static_cast<double>(trips) / kRuns);
  EXPECT_EQ(trips, static_cast<uint64_t>(kRuns));
  EXPECT_GE(ms, 20.0);
  EXPECT_LT(ms, 200.0);
}

}  // namespace
