// ES10 over an AT modem, end to end: Es10Client → Es10Channel → LogicalChannel →
// AtChannelLink → a pty → the real `veuicc --modem at` process (its AT interpreter on the card
// of the virtual eUICC, with its JSON state file). The faults of the emulated modem (+CME
// ERROR, silence, garbage, truncation, URC storms, slowness, no +CCHO) must each end in a
// named error within a bounded time, after which the card is usable again.
//
// Runs inside tests/integration/pcsc-sandbox.sh like its siblings (it needs no pcscd, only
// the sandbox's private namespaces, which also take the veuicc children down with it).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"
#include "lpa/es10_client.h"
#include "modem/at/at_channel_link.h"
#include "tests/support/subprocess.h"

using namespace euiccd;
using namespace euiccd::lpa;
using namespace std::chrono_literals;
using euiccd::modem::at::AtChannelLink;
using euiccd::modem::at::AtLinkOptions;
using euiccd::testing::Subprocess;
using euiccd::testing::TempDir;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kEid[] = "89049032123451234512345678901235";
constexpr char kHome[] = "8944476500001224158";
constexpr char kTravel[] = "89012600000000000013";
constexpr char kLab[] = "891000000000000004";

json seed() {
  const json events = json::array({{{"event", "enable"}, {"address", "smdp.example.com"}},
                                   {{"event", "disable"}, {"address", "smdp.example.com"}},
                                   {{"event", "delete"}, {"address", "smdp.example.com"}}});
  return {
      {"default_dp_address", "smdp.example.com"},
      {"memory", {{"nvm_bytes", 1'048'576}, {"free_ram_bytes", 65536}}},
      {"profiles",
       {{{"iccid", kHome},
         {"state", "enabled"},
         {"nickname", "Home"},
         {"service_provider_name", "Veuicc Mobile"},
         {"profile_name", "Home plan"},
         {"profile_class", "operational"},
         {"size", 120'000},
         {"notification_configuration", events}},
        {{"iccid", kTravel},
         {"service_provider_name", "Roam Anywhere"},
         {"profile_name", "Travel data"},
         {"profile_class", "operational"},
         {"size", 80'000},
         {"notification_configuration", events}},
        {{"iccid", kLab},
         {"service_provider_name", "Test Lab"},
         {"profile_name", "Conformance test"},
         {"profile_class", "test"},
         {"size", 20'000},
         {"notification_configuration", events}}}},
  };
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Errc error_of(const std::function<void()>& call, std::string* message = nullptr) {
  try {
    call();
  } catch (const Error& e) {
    std::printf("  named error %s: %s\n", errc_name(e.code()), e.what());
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "the call succeeded";
  return Errc::Internal;
}

class AtModem : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TempDir>();
    std::string out;
    const int rc = euiccd::testing::run_command(
        {"/bin/sh", EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh", pki_->path()}, &out, 60s);
    ASSERT_EQ(rc, 0) << out;
  }
  static void TearDownTestSuite() { pki_.reset(); }

  void SetUp() override { std::ofstream(work_.file("seed.json")) << seed().dump(2); }

  void TearDown() override {
    close_card();
    stop_modem();
    if (HasFailure()) std::printf("--- veuicc log ---\n%s\n", read_file(log()).c_str());
  }

  std::string log() const { return work_.file("veuicc.log"); }
  std::string port() const { return work_.file("ttyAT0"); }

  // Starts the emulated modem and waits (bounded) for its pty link to appear.
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
                                     "at",
                                     "--pty-link",
                                     port(),
                                     "--verbose"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ::unlink(port().c_str());
    modem_ = std::make_unique<Subprocess>(argv, log());
    const auto deadline = Clock::now() + 10s;
    struct stat st {};
    while (::stat(port().c_str(), &st) != 0) {
      ASSERT_TRUE(modem_->running()) << read_file(log());
      ASSERT_LT(Clock::now(), deadline) << "the modem's pty link did not appear";
      std::this_thread::sleep_for(5ms);
    }
  }
  void stop_modem() {
    if (modem_) modem_->stop(SIGTERM);
    modem_.reset();
  }

  void open_card(std::chrono::milliseconds timeout = 5000ms,
                 size_t segment = AtChannelLink::kSegmentSize) {
    if (!link_) link_ = std::make_unique<AtChannelLink>(AtLinkOptions{port(), timeout, true});
    channel_ = std::make_unique<apdu::LogicalChannel>(*link_);
    es10_channel_ = std::make_unique<apdu::Es10Channel>(*channel_, segment);
    client_ = std::make_unique<Es10Client>(*es10_channel_);
  }
  // Closes the channel (AT+CCHC) and drops the stack; the link (and its port) stays.
  void close_card() {
    client_.reset();
    es10_channel_.reset();
    channel_.reset();
  }

  Es10Client& es10() { return *client_; }
  AtChannelLink& link() { return *link_; }

  // The APDUs the card got so far, from the modem's --verbose log ("veuicc: #N > ...").
  uint64_t card_apdus() {
    const std::string text = read_file(log());
    uint64_t last = 0;
    for (size_t at = text.find("veuicc: #"); at != std::string::npos;
         at = text.find("veuicc: #", at + 1)) {
      last = std::max<uint64_t>(last, std::stoull(text.substr(at + 9)));
    }
    return last;
  }

  // Runs `op`, and prints what it cost on the wire.
  void measured(const char* name, const std::function<void()>& op) {
    const auto link_before = link().stats();
    const auto apdus_before = es10_channel_->stats().apdus;
    const uint64_t card_before = card_apdus();
    const auto start = Clock::now();
    op();
    const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const auto& s = link().stats();
    std::printf(
        "  %-24s APDUs %3llu  card APDUs %3llu  AT commands %3llu  bytes out %5llu in %5llu"
        "  %.1f ms\n",
        name, static_cast<unsigned long long>(es10_channel_->stats().apdus - apdus_before),
        static_cast<unsigned long long>(card_apdus() - card_before),
        static_cast<unsigned long long>(s.commands - link_before.commands),
        static_cast<unsigned long long>(s.bytes_out - link_before.bytes_out),
        static_cast<unsigned long long>(s.bytes_in - link_before.bytes_in), ms);
  }

  json state_profile(const std::string& iccid) {
    const json state = json::parse(read_file(work_.file("state.json")));
    for (const auto& p : state["profiles"]) {
      if (p["iccid"] == iccid) return p;
    }
    return nullptr;
  }
  std::optional<ProfileInfo> card_profile(const std::string& iccid) {
    const auto list = es10().get_profiles_info(ProfileIdentifier::from_iccid(iccid));
    if (list.empty()) return std::nullopt;
    return list[0];
  }

  // After a fault: close the channel, open again and use the card.
  void card_still_usable() {
    close_card();
    open_card(link_->options().command_timeout);
    EXPECT_EQ(es10().get_eid(), kEid);
    EXPECT_EQ(es10().get_profiles_info().size(), 3u);
  }

  // Runs `op` expecting `code` within `bound`.
  void expect_named_error(Errc code, const std::function<void()>& op,
                          std::chrono::milliseconds bound) {
    const auto start = Clock::now();
    EXPECT_EQ(error_of(op), code);
    EXPECT_LT(Clock::now() - start, bound);
  }

  static inline std::unique_ptr<TempDir> pki_;
  TempDir work_;
  std::unique_ptr<Subprocess> modem_;
  std::unique_ptr<AtChannelLink> link_;
  std::unique_ptr<apdu::LogicalChannel> channel_;
  std::unique_ptr<apdu::Es10Channel> es10_channel_;
  std::unique_ptr<Es10Client> client_;
};

// ---- every ES10 operation over +CCHO/+CGLA ----------------------------------------------

TEST_F(AtModem, Es10OperationsOverLogicalChannelCommands) {
  start_modem();
  open_card();
  measured("GetEID", [&] { EXPECT_EQ(es10().get_eid(), kEid); });
  EXPECT_EQ(link().mode(), AtChannelLink::Mode::LogicalChannel);
  EXPECT_EQ(link().session_id(), "1");
  measured("GetEUICCInfo2", [&] {
    const EuiccInfo2 info = es10().get_euicc_info2();
    EXPECT_EQ(to_hex(info.svn), "020202");
  });
  measured("GetProfilesInfo", [&] {
    const auto all = es10().get_profiles_info();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].iccid, kHome);
    EXPECT_EQ(all[0].nickname, "Home");
  });
  measured("EnableProfile", [&] {
    es10().enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/false);
  });
  EXPECT_EQ(state_profile(kTravel)["state"], "enabled");
  EXPECT_EQ(state_profile(kHome)["state"], "disabled");
  measured("DisableProfile", [&] {
    es10().disable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/false);
  });
  EXPECT_EQ(card_profile(kTravel)->state, ProfileState::Disabled);
  measured("SetNickname", [&] { es10().set_nickname(kLab, "Lab ✈"); });
  EXPECT_EQ(card_profile(kLab)->nickname, "Lab ✈");
  measured("DeleteProfile", [&] { es10().delete_profile(ProfileIdentifier::from_iccid(kLab)); });
  EXPECT_TRUE(state_profile(kLab).is_null());
  measured("ListNotification", [&] { EXPECT_EQ(es10().list_notifications().size(), 4u); });
  EXPECT_EQ(error_of([&] { es10().delete_profile(ProfileIdentifier::from_iccid(kLab)); }),
            Errc::NotFound);
  const auto wire = link().stats();
  std::printf("  link: %llu AT commands, %llu bytes out, %llu bytes in, %llu URCs\n",
              static_cast<unsigned long long>(wire.commands),
              static_cast<unsigned long long>(wire.bytes_out),
              static_cast<unsigned long long>(wire.bytes_in),
              static_cast<unsigned long long>(wire.urcs));
  EXPECT_EQ(link().reset_count(), 0u);
}

TEST_F(AtModem, SierraAndBareSessionIdsWithUrcsEverywhere) {
  start_modem({"--at-session-ids", "sierra", "--at-fault", "urc"});
  open_card();
  EXPECT_EQ(es10().get_eid(), kEid);
  EXPECT_EQ(link().session_id().size(), 16u) << link().session_id();
  es10().set_nickname(kTravel, "Roaming");
  EXPECT_EQ(card_profile(kTravel)->nickname, "Roaming");
  EXPECT_GT(link().stats().urcs, 0u);
  close_card();
  link_.reset();
  stop_modem();

  start_modem({"--at-session-ids", "bare", "--at-echo", "on"});
  open_card();
  EXPECT_EQ(es10().get_eid(), kEid);
  EXPECT_EQ(link().session_id(), "1");
}

TEST_F(AtModem, CsimFallbackWhenTheModemRefusesCcho) {
  start_modem({"--at-fault", "no-ccho"});
  open_card();
  measured("GetEID (+CSIM)", [&] { EXPECT_EQ(es10().get_eid(), kEid); });
  EXPECT_EQ(link().mode(), AtChannelLink::Mode::Csim);
  measured("GetProfilesInfo (+CSIM)", [&] { EXPECT_EQ(es10().get_profiles_info().size(), 3u); });
  es10().enable_profile(ProfileIdentifier::from_iccid(kTravel), false);
  EXPECT_EQ(state_profile(kTravel)["state"], "enabled");
  card_still_usable();
  EXPECT_EQ(link().mode(), AtChannelLink::Mode::Csim);
}

TEST_F(AtModem, LongCommandLinesStepTheSegmentSizeDown) {
  // Telit's 400-character command line: a 255-byte STORE DATA does not fit, 120 does.
  start_modem({"--at-max-line", "400"});
  open_card(5000ms, 255);
  es10().set_nickname(kTravel, std::string(64, 'n'));  // fits 255 and 120 alike
  Bytes big = from_hex("BF2D");                        // a ProfileInfoListRequest ...
  Bytes body = {0x5C, 0x81, 0xF0};                     // ... asking for tag 5A, 240 times
  for (int i = 0; i < 240; ++i) body.push_back(0x5A);
  big.push_back(0x81);
  big.push_back(static_cast<uint8_t>(body.size()));
  append(big, body);
  const Bytes answer = es10_channel_->transceive(big);
  EXPECT_FALSE(answer.empty());
  EXPECT_EQ(es10_channel_->segment_size(), 120u);
  EXPECT_EQ(card_profile(kTravel)->nickname, std::string(64, 'n'));
}

// An Enable with refreshFlag makes the modem restart the SIM after answering: the +CCHO
// session is gone (+CME ERROR: 21), the next command is resent on a new session and the switch
// is not taken for a failure. Over +CSIM the card answers 6881 on the old channel instead.
TEST_F(AtModem, SimRefreshAfterEnableIsACountedResetAndTheNextCommandGoesThrough) {
  for (const bool csim : {false, true}) {
    SCOPED_TRACE(csim ? "+CSIM" : "+CCHO/+CGLA");
    if (csim) {
      close_card();
      link_.reset();
      modem_.reset();
      start_modem({"--at-fault", "no-ccho"});
    } else {
      start_modem();
    }
    open_card();
    EXPECT_EQ(es10().get_eid(), kEid);
    const uint64_t resets = link().reset_count();
    es10().enable_profile(ProfileIdentifier::from_iccid(csim ? kLab : kTravel), /*refresh=*/true);
    EXPECT_EQ(link().reset_count(), resets);  // the answer arrived before the restart
    const auto list = es10().get_profiles_info();
    EXPECT_EQ(link().reset_count(), resets + 1);
    EXPECT_EQ(list.size(), 3u);
    EXPECT_EQ(state_profile(csim ? kLab : kTravel)["state"], "enabled");
  }
}

// The SIM restart of issue 13 over AT: after an Enable without REFRESH, AT+CFUN=0 then
// AT+CFUN=1. The session went with the SIM's power (a counted reset), and the same link opens
// a new one on its next command, without being rebuilt; the card reports the new profile.
TEST_F(AtModem, CfunCycleRestartsTheSimAndTheLinkCarriesOn) {
  start_modem();
  open_card();
  EXPECT_EQ(es10().get_eid(), kEid);
  es10().enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/false);
  const uint64_t resets = link().reset_count();
  const uint64_t commands = link().stats().commands;
  const auto t0 = Clock::now();
  link().restart_sim();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  std::printf("  CFUN cycle: %llu AT commands, %lld ms\n",
              static_cast<unsigned long long>(link().stats().commands - commands),
              static_cast<long long>(took.count()));
  EXPECT_EQ(link().stats().commands - commands, 3u);  // AT+CCHC, AT+CFUN=0, AT+CFUN=1
  EXPECT_EQ(link().reset_count(), resets + 1);
  EXPECT_EQ(link().mode(), AtChannelLink::Mode::Closed);
  EXPECT_EQ(card_profile(kTravel)->state, ProfileState::Enabled);
  EXPECT_EQ(card_profile(kHome)->state, ProfileState::Disabled);
  EXPECT_TRUE(channel_->is_open());
  EXPECT_EQ(link().reset_count(), resets + 1);
}

// A modem that refuses AT+CFUN (+CME ERROR: 3, operation not allowed) is a named error, and the
// link keeps working.
TEST_F(AtModem, CfunRefusedIsANamedErrorAndTheLinkCarriesOn) {
  start_modem({"--at-fault", "cfun-refused"});
  link_ = std::make_unique<AtChannelLink>(AtLinkOptions{port(), 500ms, true, 300ms});
  open_card(500ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  expect_named_error(
      Errc::NotAllowed, [&] { link().restart_sim(); }, 1s);
  EXPECT_EQ(es10().get_eid(), kEid);
}

// ---- faults: a named error within a bounded time, then a usable card -------------------------

TEST_F(AtModem, CmeErrorIsACardError) {
  start_modem({"--at-fault", "cme-error@2"});
  open_card(500ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  expect_named_error(
      Errc::CardError, [&] { es10().get_eid(); }, 2s);
  card_still_usable();
}

TEST_F(AtModem, SilentModemTimesOut) {
  start_modem({"--at-fault", "silent@2"});
  open_card(400ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  std::string message;
  const auto start = Clock::now();
  EXPECT_EQ(error_of([&] { es10().get_eid(); }, &message), Errc::Timeout);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_NE(message.find("AT+CGLA"), std::string::npos) << message;
  EXPECT_NE(message.find(port()), std::string::npos) << message;
  EXPECT_NE(message.find("sent nothing"), std::string::npos) << message;
  card_still_usable();
}

TEST_F(AtModem, GarbledReplyIsMalformed) {
  start_modem({"--at-fault", "garbled@2"});
  open_card(400ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  expect_named_error(
      Errc::Malformed, [&] { es10().get_eid(); }, 2s);
  card_still_usable();
  EXPECT_GE(link().stats().resyncs, 1u);
}

TEST_F(AtModem, TruncatedReplyTimesOut) {
  start_modem({"--at-fault", "truncated@2"});
  open_card(400ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  std::string message;
  EXPECT_EQ(error_of([&] { es10().get_eid(); }, &message), Errc::Timeout);
  EXPECT_NE(message.find("stopped after"), std::string::npos) << message;
  card_still_usable();
}

TEST_F(AtModem, SlowReplyTimesOutAndTheLateAnswerIsNotTakenForTheNext) {
  start_modem({"--at-fault", "slow@2", "--at-delay-ms", "900"});
  open_card(400ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  expect_named_error(
      Errc::Timeout, [&] { es10().get_profiles_info(); }, 2s);
  // The late +CGLA answer (a profile list) arrives while the link gets back in step; the next
  // command must get its own answer, not that one.
  card_still_usable();
  EXPECT_EQ(es10().get_eid(), kEid);
}

TEST_F(AtModem, AResyncThatTimesOutTooLeavesNoAnswerForTheNextCommand) {
  // The modem holds the slow answer 1500 ms: the resync after the timeout (600 ms) times out as
  // well, and its +CMEE answer arrives during the next resync, just before that one's own. Taken
  // for its own, the second would be read as the answer to the command after it.
  start_modem({"--at-fault", "slow@2", "--at-delay-ms", "1500"});
  open_card(600ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  expect_named_error(
      Errc::Timeout, [&] { es10().get_profiles_info(); }, 2s);
  expect_named_error(
      Errc::Timeout, [&] { es10().get_eid(); }, 2s);  // its resync times out
  EXPECT_EQ(es10().get_eid(), kEid);
  EXPECT_EQ(es10().get_profiles_info().size(), 3u);
  EXPECT_EQ(link().stats().resyncs, 2u);
}

TEST_F(AtModem, UrcStormInTheMiddleOfAReplyIsSetAside) {
  start_modem({"--at-fault", "urc-storm@2"});
  open_card(2000ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  EXPECT_EQ(es10().get_profiles_info().size(), 3u);  // 200 URCs around and inside its answer
  EXPECT_GE(link().stats().urcs, 200u);
}

TEST_F(AtModem, ModemGoneIsCardRemovedThenAResetOnReturn) {
  start_modem();
  open_card(1000ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  stop_modem();  // the pty goes away like an unplugged USB modem
  expect_named_error(
      Errc::CardRemoved, [&] { es10().get_eid(); }, 2s);
  EXPECT_EQ(link().reset_count(), 1u);
  start_modem();
  card_still_usable();
  EXPECT_EQ(link().reset_count(), 1u);
}

TEST_F(AtModem, ModemForgettingTheSessionIsAResetAndTheCommandIsResent) {
  // The modem restarts its SIM: +CGLA answers "invalid index" for the old session. Nothing ran,
  // so Es10Channel opens a new channel and sends the command again; the reset is counted.
  start_modem({"--at-fault", "reset@2"});
  open_card(1000ms);
  EXPECT_EQ(es10().get_eid(), kEid);
  EXPECT_EQ(es10().get_profiles_info().size(), 3u);
  EXPECT_EQ(link().reset_count(), 1u);
  EXPECT_EQ(link().mode(), AtChannelLink::Mode::LogicalChannel);
}

TEST_F(AtModem, CardResetUnderCsimIsSeenThrough6881) {
  // Over +CSIM the card itself answers 6881 (no such channel) after the reset: reattach().
  start_modem({"--at-fault", "no-ccho", "--at-fault", "reset@4"});
  open_card(1000ms);
  EXPECT_EQ(es10().get_eid(), kEid);  // +CSIM #1-3: MANAGE CHANNEL, SELECT, STORE DATA
  EXPECT_EQ(es10().get_eid(), kEid);  // #4 meets the reset, then a new channel
  EXPECT_EQ(link().reset_count(), 1u);
  EXPECT_EQ(link().mode(), AtChannelLink::Mode::Csim);
}

TEST_F(AtModem, NoModemAtThePortIsNamed) {
  open_card(300ms);
  expect_named_error(
      Errc::NoModem, [&] { es10().get_eid(); }, 1s);
}

}  // namespace
