// Profile download end to end through the whole real stack: the engine (ProfileDownloader,
// ProfileDiscoverer, NotificationSender) → PcscCard + LogicalChannel + Es10Channel → the
// sandbox's pcscd → Debian's vpcd driver → the veuicc process (its state in a temp folder),
// and the engine → CurlHttpClient (verified TLS, test CI) → the Python test SM-DP+ and SM-DS
// processes on loopback. Covers downloads with and without confirmation code, the metadata
// preview, SM-DS discovery, notification delivery, and every sabotage mode of the SM-DP+ on
// every ES9+ function, each ending in its named error with the card left clean.
//
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "apdu/pcsc_reader.h"
#include "base/error.h"
#include "lpa/discovery.h"
#include "lpa/download.h"
#include "lpa/es10_client.h"
#include "lpa/notifications.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

using namespace euiccd;
using namespace euiccd::smdpp_test;
using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::HasSubstr;

namespace {

constexpr char kEid[] = "89049032123451234512345678901235";  // tests/pki/make-test-pki.sh
constexpr char kPlainIccid[] = "8944000000000000017";
constexpr char kCcIccid[] = "8944000000000000025";
constexpr char kEventIccid[] = "8944000000000000033";
constexpr char kOnceIccid[] = "8944000000000000043";  // an order that can be downloaded once
constexpr char kCode[] = "1234";
// `slow` sabotage: the server waits this long; the client gives up after kShortTimeout.
constexpr auto kSlowSeconds = 2.0;
constexpr auto kShortTimeout = 1000ms;

std::optional<uint16_t> vpcd_port() {
  const char* port = std::getenv("VPCD_PORT");
  if (port == nullptr || *port == '\0') return std::nullopt;
  return static_cast<uint16_t>(std::stoi(port));
}

std::string reader_with_card(apdu::PcscContext& context) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    for (const auto& r : context.reader_status())
      if (r.card_present && r.name.find(" 00 00") != std::string::npos) return r.name;
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the veuicc card did not show up in the vpcd reader");
    context.wait_for_change(200ms);
  }
}

json reusable(json o) {
  o["reusable"] = true;
  return o;
}

// Everything the tests share: PKI, servers, the veuicc process and the PC/SC connection to it.
struct Rig {
  euiccd::testing::TempDir dir;
  std::string pki = shared_test_pki();
  std::unique_ptr<Server> smdp;
  std::unique_ptr<Server> smds;
  std::unique_ptr<euiccd::testing::Subprocess> veuicc;
  std::unique_ptr<apdu::PcscContext> context;
  std::unique_ptr<apdu::PcscCard> card;
  std::unique_ptr<apdu::LogicalChannel> channel;
  std::unique_ptr<apdu::Es10Channel> es10;
  std::unique_ptr<lpa::Es10Client> client;

  explicit Rig(uint16_t port) {
    json cc = order("CC", kCcIccid, 20000);
    cc["confirmationCode"] = kCode;
    smdp = std::make_unique<Server>(
        pki,
        smdp_config(kSmdpHost,
                    {reusable(order("PLAIN", kPlainIccid, 5000)), reusable(cc),
                     reusable(order("EVT-1", kEventIccid, 8000)), order("ONCE", kOnceIccid, 5000)}),
        dir.file("smdp.log"));
    // demo-smds.json style: one event for our EID pointing at the SM-DP+.
    smds = std::make_unique<Server>(
        pki,
        smds_config(kSmdsHost, json::array({{{"eid", kEid},
                                             {"eventId", "EVT-1"},
                                             {"rspServerAddress", smdp->address()}}})),
        dir.file("smds.log"));

    veuicc = std::make_unique<euiccd::testing::Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/veuicc/veuicc", "--state",
                                 dir.file("state.json"), "--euicc-cert", pki + "/euicc.pem",
                                 "--euicc-key", pki + "/euicc.key", "--eum-cert", pki + "/eum.pem",
                                 "--ci-cert", pki + "/ci.pem", "--vpcd-port", std::to_string(port)},
        dir.file("veuicc.log"));
    context = std::make_unique<apdu::PcscContext>();
    card = std::make_unique<apdu::PcscCard>(*context, reader_with_card(*context));
    channel = std::make_unique<apdu::LogicalChannel>(*card);
    es10 = std::make_unique<apdu::Es10Channel>(*channel);
    client = std::make_unique<lpa::Es10Client>(*es10);
  }
};

Rig* g_rig = nullptr;

// One rig for every suite of this binary (starting veuicc, pcscd's card detection and the
// servers costs seconds), made before the first test and removed after the last.
class RigEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (vpcd_port()) g_rig = new Rig(*vpcd_port());
  }
  void TearDown() override {
    delete g_rig;
    g_rig = nullptr;
  }
};
[[maybe_unused]] ::testing::Environment* const g_environment =
    ::testing::AddGlobalTestEnvironment(new RigEnvironment);

class DownloadE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!g_rig) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh (VPCD_PORT not set)";
    g_rig->smdp->reset();
    g_rig->smds->reset();
    profiles_before_ = client().get_profiles_info().size();
  }

  // Leaves an empty card for the next test: notifications removed, profiles reset away.
  void TearDown() override {
    if (!g_rig) return;
    if (HasFailure()) {
      std::printf("---- smdp log (tail) ----\n%s\n", tail(g_rig->smdp->log()).c_str());
      std::printf("---- smds log (tail) ----\n%s\n", tail(g_rig->smds->log()).c_str());
    }
    for (const auto& n : client().list_notifications()) client().remove_notification(n.seq_number);
    if (!client().get_profiles_info().empty()) {
      lpa::MemoryResetOptions reset;
      reset.delete_operational_profiles = true;
      client().memory_reset(reset);
    }
  }

  static std::string tail(const std::string& log) {
    return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }

  lpa::Es10Client& client() { return *g_rig->client; }
  apdu::Es10Channel& es10() { return *g_rig->es10; }
  Server& smdp() { return *g_rig->smdp; }
  Server& smds() { return *g_rig->smds; }

  lpa::HttpClientFactory factory(std::chrono::milliseconds timeout = 20s) {
    return [this, timeout](const std::string&) -> std::unique_ptr<lpa::HttpClient> {
      auto curl = std::make_unique<net::CurlHttpClient>(
          curl_options(g_rig->pki, {smdp().resolve_entry(), smds().resolve_entry()}, timeout));
      return std::make_unique<ObservedHttp>(std::move(curl), ReplyEdit{}, traffic_);
    };
  }

  lpa::DownloadOptions options(const std::string& matching_id) {
    lpa::DownloadOptions o;
    o.activation_code = lpa::parse_activation_code("LPA:1$" + smdp().address() + "$" + matching_id);
    return o;
  }

  lpa::DownloadResult download(const lpa::DownloadOptions& o,
                               std::chrono::milliseconds timeout = 20s) {
    lpa::ProfileDownloader downloader(es10(), factory(timeout));
    return downloader.download(o);
  }

  // Runs a download that must fail; returns its error and keeps the cleanup errors.
  Error failing_download(const lpa::DownloadOptions& o, std::chrono::milliseconds timeout = 20s) {
    lpa::ProfileDownloader downloader(es10(), factory(timeout));
    try {
      downloader.download(o);
    } catch (const Error& e) {
      cleanup_errors_ = downloader.cleanup_errors();
      return e;
    }
    ADD_FAILURE() << "the download succeeded";
    return Error(Errc::Internal, "no failure");
  }

  // No profile added, no notification left, and no RSP session for the last transaction
  // (CancelSession answers invalidTransactionId).
  void expect_card_clean() {
    EXPECT_EQ(client().get_profiles_info().size(), profiles_before_);
    EXPECT_TRUE(client().list_notifications().empty());
    if (traffic_.transaction_id.empty()) return;  // the server never opened a transaction
    try {
      client().cancel_session(from_hex(traffic_.transaction_id), CancelReason::Postponed);
      ADD_FAILURE() << "the card still held the session " << traffic_.transaction_id;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::WrongState) << e.what();
    }
  }

  bool has_profile(const std::string& iccid) {
    for (const auto& p : client().get_profiles_info())
      if (p.iccid == iccid) return true;
    return false;
  }

  size_t profiles_before_ = 0;
  Traffic traffic_;
  std::vector<std::string> cleanup_errors_;
};

// ---- downloads -----------------------------------------------------------------------------

TEST_F(DownloadE2e, DownloadWithoutConfirmationCode) {
  const uint64_t apdus = es10().stats().apdus;
  const uint64_t bytes_out = es10().stats().bytes_out;
  const auto start = std::chrono::steady_clock::now();
  const lpa::DownloadResult r = download(options("PLAIN"));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::printf(
      "download of a 5000-byte profile through pcscd: %llu APDUs, %llu bytes out, %lld ms\n",
      static_cast<unsigned long long>(es10().stats().apdus - apdus),
      static_cast<unsigned long long>(es10().stats().bytes_out - bytes_out),
      static_cast<long long>(ms));
  EXPECT_EQ(r.iccid, kPlainIccid);
  EXPECT_EQ(r.notifications.sent, 1u);
  const auto infos = client().get_profiles_info();
  ASSERT_EQ(infos.size(), profiles_before_ + 1);
  EXPECT_EQ(infos.back().iccid, kPlainIccid);
  EXPECT_EQ(infos.back().profile_name, "Profile PLAIN");
  EXPECT_EQ(infos.back().state, lpa::ProfileState::Disabled);
  // Delivered, verified by the server, and only then removed from the card.
  const json notes = smdp().state()["notifications"];
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]["verified"], true) << notes[0].dump();
  EXPECT_EQ(notes[0]["result"], "success");
  EXPECT_TRUE(client().list_notifications().empty());
}

TEST_F(DownloadE2e, DownloadWithConfirmationCode) {
  lpa::DownloadOptions o = options("CC");
  o.confirmation_code = kCode;
  EXPECT_EQ(download(o).iccid, kCcIccid);
  EXPECT_TRUE(has_profile(kCcIccid));
}

TEST_F(DownloadE2e, ConfirmationCodeAskedWhenTheServerRequiresIt) {
  lpa::DownloadOptions o = options("CC");
  int asked = 0;
  o.ask_confirmation_code = [&](const lpa::ProfileMetadata& m) -> std::optional<std::string> {
    ++asked;
    EXPECT_EQ(m.iccid, kCcIccid);
    return std::string(kCode);
  };
  EXPECT_EQ(download(o).iccid, kCcIccid);
  EXPECT_EQ(asked, 1);
}

TEST_F(DownloadE2e, WrongConfirmationCodeLeavesTheCardClean) {
  lpa::DownloadOptions o = options("CC");
  o.confirmation_code = "0000";
  const Error e = failing_download(o);
  EXPECT_EQ(e.code(), Errc::InvalidArgument) << e.what();
  EXPECT_THAT(e.what(), HasSubstr("confirmation code was refused"));
  expect_card_clean();
}

TEST_F(DownloadE2e, MetadataAccepted) {
  lpa::DownloadOptions o = options("PLAIN");
  std::optional<lpa::ProfileMetadata> shown;
  o.confirm_metadata = [&](const lpa::ProfileMetadata& m) {
    shown = m;
    return true;
  };
  EXPECT_EQ(download(o).iccid, kPlainIccid);
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->service_provider_name, "Test Telecom");
  EXPECT_EQ(shown->profile_name, "Profile PLAIN");
  EXPECT_TRUE(has_profile(kPlainIccid));
}

TEST_F(DownloadE2e, MetadataRefused) {
  lpa::DownloadOptions o = options("PLAIN");
  o.confirm_metadata = [](const lpa::ProfileMetadata&) { return false; };
  const Error e = failing_download(o);
  EXPECT_EQ(e.code(), Errc::Cancelled) << e.what();
  EXPECT_TRUE(cleanup_errors_.empty());
  const json cancelled = smdp().state()["cancelledSessions"];
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0]["reason"], 0);  // endUserRejection
  EXPECT_EQ(cancelled[0]["signatureVerified"], true);
  expect_card_clean();
}

TEST_F(DownloadE2e, SmdsDiscoveryThenDownloadOfTheEvent) {
  lpa::ProfileDiscoverer discoverer(es10(), factory());
  lpa::DiscoveryOptions d;
  d.smds_address = smds().address();
  const lpa::DiscoveryResult found = discoverer.discover(d);
  ASSERT_EQ(found.events.size(), 1u);
  EXPECT_EQ(found.events[0].event_id, "EVT-1");
  EXPECT_EQ(found.events[0].rsp_server_address, smdp().address());

  const lpa::DownloadResult r = download(lpa::event_download_options(found.events[0]));
  EXPECT_EQ(r.iccid, kEventIccid);
  EXPECT_TRUE(has_profile(kEventIccid));
}

// A notification leaves the card only after the server acknowledged it.
TEST_F(DownloadE2e, NotificationsStayUntilTheServerAcknowledges) {
  smdp().sabotage({{"function", "handleNotification"}, {"mode", "http500"}, {"count", 2}});
  const lpa::DownloadResult r = download(options("PLAIN"));
  EXPECT_EQ(r.notifications.sent, 0u);
  EXPECT_EQ(r.notifications.failed, 1u);
  EXPECT_TRUE(has_profile(kPlainIccid));
  ASSERT_EQ(client().list_notifications().size(), 1u);  // the install result is still there

  // Enabling queues the enable notification the profile's configuration asks for.
  client().enable_profile(lpa::ProfileIdentifier::from_iccid(kPlainIccid), false);
  ASSERT_EQ(client().list_notifications().size(), 2u);

  lpa::NotificationSender sender(client(), factory());
  lpa::NotificationReport failed = sender.send_pending();  // the second 500
  EXPECT_EQ(failed.sent, 1u);
  EXPECT_EQ(failed.failed, 1u);
  EXPECT_EQ(client().list_notifications().size(), 1u);

  lpa::NotificationReport report = sender.send_pending();
  EXPECT_EQ(report.sent, 1u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_TRUE(client().list_notifications().empty());
  const json notes = smdp().state()["notifications"];
  ASSERT_EQ(notes.size(), 2u) << notes.dump();
  for (const json& n : notes) EXPECT_EQ(n["verified"], true) << n.dump();

  client().disable_profile(lpa::ProfileIdentifier::from_iccid(kPlainIccid), false);
}

// The engine's card, but another PC/SC client resets the card (SCardReconnect with
// SCARD_RESET_CARD, as pcscd does for a client that died holding the card) once, right before
// the first command `reset_before` picks.
class ResetByAnotherClient : public lpa::Es10Transport {
 public:
  ResetByAnotherClient(apdu::Es10Channel& inner, std::function<bool(ByteView)> reset_before)
      : inner_(inner), reset_before_(std::move(reset_before)) {}
  Bytes transceive(ByteView command) override {
    if (!done_ && reset_before_(command)) {
      done_ = true;
      apdu::PcscContext other_context;
      apdu::PcscCard other(other_context, g_rig->card->reader());
      DWORD active = 0;
      if (SCardReconnect(other.handle(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                         SCARD_RESET_CARD, &active) != SCARD_S_SUCCESS)
        throw std::runtime_error("SCardReconnect(SCARD_RESET_CARD) failed");
    }
    return inner_.transceive(command);
  }
  uint64_t reset_count() const override { return inner_.reset_count(); }

 private:
  apdu::Es10Channel& inner_;
  std::function<bool(ByteView)> reset_before_;
  bool done_ = false;
};

// Another PC/SC client resets the card between two profile segments: the veuicc drops the
// session with everything received, the engine's retry of the segment on a fresh channel is
// refused, and the engine starts once more with a new session, which this order allows.
TEST_F(DownloadE2e, CardResetDuringLoadingStartsOnceMore) {
  int segments = 0;
  ResetByAnotherClient resetting(es10(), [&](ByteView command) {
    return !command.empty() && command[0] == 0x86 && ++segments == 2;
  });
  lpa::ProfileDownloader downloader(resetting, factory());
  EXPECT_EQ(downloader.download(options("PLAIN")).iccid, kPlainIccid);
  EXPECT_TRUE(has_profile(kPlainIccid));
  EXPECT_TRUE(client().list_notifications().empty());
}

// The same with an order the SM-DP+ serves once: the second session is refused, the reset is
// the error, and nothing is left behind: no profile, no notification, no session.
TEST_F(DownloadE2e, CardResetDuringLoadingOfAUsedOrderLeavesTheCardClean) {
  int segments = 0;
  ResetByAnotherClient resetting(es10(), [&](ByteView command) {
    return !command.empty() && command[0] == 0x86 && ++segments == 2;
  });
  std::vector<std::string> logged;
  lpa::DownloadOptions o = options("ONCE");
  o.on_log = [&](const std::string& line) { logged.push_back(line); };
  lpa::ProfileDownloader downloader(resetting, factory());
  try {
    downloader.download(o);
    FAIL() << "the download survived a card reset on an order that can be served once";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardError) << errc_name(e.code()) << ": " << e.what();
    EXPECT_THAT(e.what(), HasSubstr("loading the profile into the eUICC failed"));
  }
  EXPECT_THAT(logged, Contains(HasSubstr("starting again failed too")));
  expect_card_clean();
}

// The same reset between AuthenticateServer and PrepareDownload: the session is lost before
// the SM-DP+ bound a package, so the engine starts once more and the download succeeds.
TEST_F(DownloadE2e, CardResetBeforePrepareDownloadIsSurvived) {
  ResetByAnotherClient resetting(es10(), [](ByteView command) {
    return command.size() > 1 && command[0] == 0xBF && command[1] == 0x21;  // PrepareDownload
  });
  std::vector<std::string> logged;
  lpa::DownloadOptions o = options("PLAIN");
  o.on_log = [&](const std::string& line) { logged.push_back(line); };
  lpa::ProfileDownloader downloader(resetting, factory());
  EXPECT_EQ(downloader.download(o).iccid, kPlainIccid);
  EXPECT_THAT(logged, Contains(HasSubstr("starting again with a new session")));
}

// ---- every sabotage mode on every ES9+ function ---------------------------------------------

enum class Outcome {
  Fails,             // the download fails with `code`; the card is clean; a retry succeeds
  Succeeds,          // the mode does not apply to this function
  NotificationKept,  // installed, but the install result stays on the card until delivered
  CleanupFails,      // (cancelSession) the download fails as cancelled; the server never
                     // heard of the cancel, the card's session is gone anyway
};

struct SabotageCase {
  const char* function;
  const char* mode;
  Outcome outcome;
  Errc code = Errc::Internal;
  const char* text = "";  // the error message names this
};

std::ostream& operator<<(std::ostream& os, const SabotageCase& c) {
  return os << c.function << ":" << c.mode;
}

class Sabotage : public DownloadE2e, public ::testing::WithParamInterface<SabotageCase> {};

TEST_P(Sabotage, EndsInItsNamedErrorWithTheCardClean) {
  const SabotageCase& c = GetParam();
  const bool slow = std::string(c.mode) == "slow";
  const auto timeout = slow ? std::chrono::milliseconds(kShortTimeout) : 20000ms;
  const auto start = std::chrono::steady_clock::now();
  // libcurl re-sends a request once, on a fresh connection, when a reused connection closes
  // without any reply; only a second drop reaches the engine.
  const int count = std::string(c.mode) == "drop" ? 2 : 1;
  smdp().sabotage(
      {{"function", c.function}, {"mode", c.mode}, {"count", count}, {"seconds", kSlowSeconds}});

  lpa::DownloadOptions o = options("PLAIN");
  const bool via_cancel = std::string(c.function) == "cancelSession";
  if (via_cancel) o.confirm_metadata = [](const lpa::ProfileMetadata&) { return false; };

  switch (c.outcome) {
    case Outcome::Fails: {
      const Error e = failing_download(o, timeout);
      EXPECT_EQ(e.code(), c.code) << errc_name(e.code()) << ": " << e.what();
      EXPECT_THAT(e.what(), HasSubstr(c.text));
      expect_card_clean();
      break;
    }
    case Outcome::Succeeds:
      if (via_cancel) {
        const Error e = failing_download(o, timeout);
        EXPECT_EQ(e.code(), Errc::Cancelled) << e.what();
        EXPECT_TRUE(cleanup_errors_.empty()) << cleanup_errors_.front();
        expect_card_clean();
      } else {
        const lpa::DownloadResult r = download(o, timeout);
        EXPECT_EQ(r.notifications.sent, 1u);
        EXPECT_TRUE(client().list_notifications().empty());
      }
      break;
    case Outcome::NotificationKept: {
      const lpa::DownloadResult r = download(o, timeout);
      EXPECT_EQ(r.notifications.failed, 1u);
      ASSERT_EQ(r.notifications.outcomes.size(), 1u);
      EXPECT_EQ(r.notifications.outcomes[0].error_code, c.code)
          << r.notifications.outcomes[0].error;
      EXPECT_TRUE(has_profile(kPlainIccid));
      EXPECT_EQ(client().list_notifications().size(), 1u);
      break;
    }
    case Outcome::CleanupFails: {
      const Error e = failing_download(o, timeout);
      EXPECT_EQ(e.code(), Errc::Cancelled) << e.what();
      ASSERT_EQ(cleanup_errors_.size(), 1u);
      EXPECT_THAT(cleanup_errors_[0], HasSubstr("on the SM-DP+"));
      EXPECT_THAT(cleanup_errors_[0], HasSubstr(c.text));
      expect_card_clean();
      break;
    }
  }

  // A slowed request finishes on the server later; let it, so it cannot touch the next test.
  if (slow) std::this_thread::sleep_until(start + std::chrono::milliseconds(2200));
  smdp().clear_sabotage();

  if (c.outcome == Outcome::NotificationKept) {
    // Delivered on the next attempt, and only then removed.
    lpa::NotificationSender sender(client(), factory());
    EXPECT_EQ(sender.send_pending().sent, 1u);
    EXPECT_TRUE(client().list_notifications().empty());
  } else if (c.outcome != Outcome::Succeeds || via_cancel) {
    // Nothing was left behind: the same order downloads now.
    traffic_ = {};
    EXPECT_EQ(download(options("PLAIN")).iccid, kPlainIccid);
  }
  EXPECT_TRUE(has_profile(kPlainIccid));
  EXPECT_EQ(client().get_profiles_info().size(), profiles_before_ + 1);
}

using O = Outcome;
const SabotageCase kCases[] = {
    // initiateAuthentication: nothing on the card yet but the challenge.
    {"initiateAuthentication", "http500", O::Fails, Errc::ServerError, "HTTP 500"},
    {"initiateAuthentication", "garbage-json", O::Fails, Errc::Malformed, "JSON"},
    {"initiateAuthentication", "wrong-signature", O::Fails, Errc::ServerError, "invalidSignature"},
    {"initiateAuthentication", "wrong-certificate", O::Fails, Errc::ServerError,
     "invalidCertificate"},
    {"initiateAuthentication", "slow", O::Fails, Errc::Timeout, ""},
    {"initiateAuthentication", "drop", O::Fails, Errc::Network, ""},
    {"initiateAuthentication", "expired-order", O::Succeeds},
    {"initiateAuthentication", "failed-status", O::Fails, Errc::ServerError, "8.1"},
    // authenticateClient: the card holds a session, which must be cancelled.
    {"authenticateClient", "http500", O::Fails, Errc::ServerError, "HTTP 500"},
    {"authenticateClient", "garbage-json", O::Fails, Errc::Malformed, "JSON"},
    {"authenticateClient", "wrong-signature", O::Fails, Errc::ServerError, "invalidSignature"},
    {"authenticateClient", "wrong-certificate", O::Fails, Errc::ServerError, "invalidCertificate"},
    {"authenticateClient", "slow", O::Fails, Errc::Timeout, ""},
    {"authenticateClient", "drop", O::Fails, Errc::Network, ""},
    {"authenticateClient", "expired-order", O::Fails, Errc::ServerError, "expired"},
    {"authenticateClient", "failed-status", O::Fails, Errc::ServerError, "8.1"},
    // getBoundProfilePackage: the card has prepared (one-time key), nothing loaded yet, except
    // for wrong-signature, which the card itself refuses in InitialiseSecureChannel.
    {"getBoundProfilePackage", "http500", O::Fails, Errc::ServerError, "HTTP 500"},
    {"getBoundProfilePackage", "garbage-json", O::Fails, Errc::Malformed, "JSON"},
    {"getBoundProfilePackage", "wrong-signature", O::Fails, Errc::ServerError,
     "invalidSignature, at initialiseSecureChannel"},
    {"getBoundProfilePackage", "wrong-certificate", O::Succeeds},
    {"getBoundProfilePackage", "slow", O::Fails, Errc::Timeout, ""},
    {"getBoundProfilePackage", "drop", O::Fails, Errc::Network, ""},
    {"getBoundProfilePackage", "expired-order", O::Fails, Errc::ServerError, "expired"},
    {"getBoundProfilePackage", "failed-status", O::Fails, Errc::ServerError, "8.1"},
    // handleNotification: the profile is in; the install result waits on the card.
    {"handleNotification", "http500", O::NotificationKept, Errc::ServerError},
    {"handleNotification", "garbage-json", O::NotificationKept, Errc::Malformed},
    {"handleNotification", "wrong-signature", O::Succeeds},
    {"handleNotification", "wrong-certificate", O::Succeeds},
    {"handleNotification", "slow", O::NotificationKept, Errc::Timeout},
    {"handleNotification", "drop", O::NotificationKept, Errc::Network},
    {"handleNotification", "expired-order", O::Succeeds},
    {"handleNotification", "failed-status", O::NotificationKept, Errc::ServerError},
    // cancelSession (after the user refused the metadata): the card's session ends anyway.
    {"cancelSession", "http500", O::CleanupFails, Errc::Cancelled, "HTTP 500"},
    {"cancelSession", "garbage-json", O::CleanupFails, Errc::Cancelled, "JSON"},
    {"cancelSession", "wrong-signature", O::Succeeds},
    {"cancelSession", "wrong-certificate", O::Succeeds},
    {"cancelSession", "slow", O::CleanupFails, Errc::Cancelled, ""},
    {"cancelSession", "drop", O::CleanupFails, Errc::Cancelled, ""},
    {"cancelSession", "expired-order", O::Succeeds},
    {"cancelSession", "failed-status", O::CleanupFails, Errc::Cancelled, "8.1"},
};

INSTANTIATE_TEST_SUITE_P(EveryMode, Sabotage, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<SabotageCase>& param) {
                           std::string name =
                               std::string(param.param.function) + "_" + param.param.mode;
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
