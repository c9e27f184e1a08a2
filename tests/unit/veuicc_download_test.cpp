// Profile download between real peers, in one process where possible: the virtual eUICC's card
// logic (veuicc::Card, driven through apdu::LogicalChannel + Es10Channel exactly as over PC/SC),
// the engine's ProfileDownloader, and the independent Python test SM-DP+ (tests/smdpp) as a
// separate HTTPS process reached with CurlHttpClient. Nothing of our own is replaced: where a
// test needs a broken profile package, it corrupts the server's reply on the way, as a bad
// network or server would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include "apdu/card.h"
#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"
#include "lpa/download.h"
#include "lpa/es10_client.h"
#include "lpa/es10_codec.h"
#include "lpa/es9p_base64.h"
#include "lpa/es9p_client.h"
#include "smdpp_process.h"
#include "veuicc_fixture.h"

using namespace euiccd;
using namespace euiccd::smdpp_test;
using ::testing::HasSubstr;

namespace {

constexpr char kPlainIccid[] = "8944000000000000017";
constexpr char kCcIccid[] = "8944000000000000025";
constexpr char kSecondIccid[] = "8944000000000000033";
constexpr char kConfirmationCode[] = "1234";

// The card logic behind the apdu::Card contract, so the real LogicalChannel and Es10Channel
// (MANAGE CHANNEL, SELECT, STORE DATA blocks, GET RESPONSE) run on top of it.
class InProcessCard : public apdu::Card {
 public:
  explicit InProcessCard(veuicc::Card& card) : card_(card) {}
  Bytes transmit(ByteView command) override { return card_.transmit(command); }
  apdu::Protocol protocol() const override { return apdu::Protocol::T1; }
  void reconnect() override {}
  uint64_t reset_count() const override { return resets_; }
  // Power cycle, as when the card is pulled and put back: the channels are gone.
  void reset() {
    card_.reset();
    ++resets_;
  }

 private:
  veuicc::Card& card_;
  uint64_t resets_ = 0;
};

// Changes the last byte (inside the MAC) of the first protected TLV in the BPP container
// `container` (A0 ConfigureISDP, A1 StoreMetadata, A2 ReplaceSessionKeys, A3 profile segments).
// The plaintext of an 88 stays as it was, so only the card's MAC check can notice.
ReplyEdit corrupt_first_tlv_of(tlv::Tag container) {
  return [container](const lpa::HttpRequest& request, lpa::HttpResponse& response) {
    if (request.url.find("getBoundProfilePackage") == std::string::npos) return;
    json reply = json::parse(response.body);
    Bytes bpp = lpa::base64_decode(reply["boundProfilePackage"].get<std::string>(), "test");
    size_t offset = 0;
    for (const tlv::Tlv& part : tlv::parse_one(bpp).children()) {
      if (part.tag != container) continue;
      const tlv::Tlv first = part.children().front();
      offset = static_cast<size_t>(first.raw.data() - bpp.data()) + first.raw.size() - 1;
    }
    ASSERT_NE(offset, 0u) << "no such container in the bound profile package";
    bpp[offset] ^= 0x01;
    reply["boundProfilePackage"] = lpa::base64_encode(bpp);
    response.body = reply.dump();
  };
}

class VeuiccDownload : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = shared_test_pki();
    char tmpl[] = "/tmp/veuicc-download-XXXXXX";
    logs_ = mkdtemp(tmpl);
    json orders =
        json::array({order("PLAIN-1", kPlainIccid, 5000), order("SECOND-1", kSecondIccid, 3000)});
    json with_code = order("CC-1", kCcIccid, 60000);
    with_code["confirmationCode"] = kConfirmationCode;
    orders.push_back(with_code);
    server_ = new Server(pki_, smdp_config(kSmdpHost, orders), logs_ + "/smdpp.log");
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(logs_);
  }

  void SetUp() override { server_->reset(); }

  void TearDown() override {
    if (HasFailure()) std::printf("---- smdpp log ----\n%s\n", server_->log().c_str());
  }

  lpa::HttpClientFactory factory(ReplyEdit edit = {}) {
    return [this, edit](const std::string&) -> std::unique_ptr<lpa::HttpClient> {
      auto curl =
          std::make_unique<net::CurlHttpClient>(curl_options(pki_, {server_->resolve_entry()}));
      return std::make_unique<ObservedHttp>(std::move(curl), edit, traffic_);
    };
  }

  lpa::DownloadOptions options(const std::string& matching_id) {
    lpa::DownloadOptions o;
    o.activation_code =
        lpa::parse_activation_code("LPA:1$" + server_->address() + "$" + matching_id);
    return o;
  }

  lpa::DownloadResult download(const lpa::DownloadOptions& o, ReplyEdit edit = {}) {
    lpa::ProfileDownloader downloader(es10_, factory(std::move(edit)));
    return downloader.download(o);
  }

  Error failing_download(const lpa::DownloadOptions& o, ReplyEdit edit = {}) {
    lpa::ProfileDownloader downloader(es10_, factory(std::move(edit)));
    try {
      downloader.download(o);
    } catch (const Error& e) {
      cleanup_errors_ = downloader.cleanup_errors();
      return e;
    }
    ADD_FAILURE() << "the download succeeded";
    return Error(Errc::Internal, "no failure");
  }

  // The card holds no RSP session for the last transaction: CancelSession says
  // invalidTransactionId (→ WrongState).
  void expect_no_session() {
    ASSERT_FALSE(traffic_.transaction_id.empty());
    try {
      client_.cancel_session(from_hex(traffic_.transaction_id), CancelReason::Postponed);
      ADD_FAILURE() << "the card still had a session";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::WrongState) << e.what();
    }
  }

  // The server recorded one cancelSession with `reason` and a signature it verified.
  void expect_cancelled(CancelReason reason) {
    const json cancelled = server_->state()["cancelledSessions"];
    ASSERT_EQ(cancelled.size(), 1u) << cancelled.dump();
    EXPECT_EQ(cancelled[0]["reason"], static_cast<int>(reason));
    EXPECT_EQ(cancelled[0]["signatureVerified"], true);
    EXPECT_EQ(cancelled[0]["transactionId"], traffic_.transaction_id);
  }

  static std::string pki_;   // shared_test_pki()
  static std::string logs_;  // this process's server log and configuration
  static Server* server_;

  veuicc::testing::CardHarness harness_{
      veuicc::CardState{}, veuicc::CardConfig{}, "",
      veuicc::Credentials::load(
          {pki_ + "/euicc.pem", pki_ + "/euicc.key", pki_ + "/eum.pem", {pki_ + "/ci.pem"}})};
  InProcessCard raw_{harness_.card()};
  apdu::LogicalChannel channel_{raw_};
  apdu::Es10Channel es10_{channel_};
  lpa::Es10Client client_{es10_};
  Traffic traffic_;
  std::vector<std::string> cleanup_errors_;
};

std::string VeuiccDownload::pki_;
std::string VeuiccDownload::logs_;
Server* VeuiccDownload::server_ = nullptr;

TEST_F(VeuiccDownload, InstallsTheProfileWithItsMetadataAndDeliversTheResult) {
  const uint64_t apdus_before = es10_.stats().apdus;
  const lpa::DownloadResult result = download(options("PLAIN-1"));
  const uint64_t apdus = es10_.stats().apdus - apdus_before;
  std::printf("download of a 5000-byte profile: %llu APDUs, %llu bytes to the card\n",
              static_cast<unsigned long long>(apdus),
              static_cast<unsigned long long>(es10_.stats().bytes_out));

  EXPECT_EQ(result.iccid, kPlainIccid);
  EXPECT_EQ(to_hex(result.isdp_aid), "A0000005591010FFFFFFFF8900001000");
  EXPECT_EQ(result.metadata.profile_name, "Profile PLAIN-1");
  EXPECT_EQ(result.notifications.sent, 1u);

  // The state file holds the profile with the metadata of the BPP.
  const auto& profiles = harness_.state().profiles;
  ASSERT_EQ(profiles.size(), 1u);
  const veuicc::Profile& p = profiles[0];
  EXPECT_EQ(p.iccid, kPlainIccid);
  EXPECT_FALSE(p.enabled);
  EXPECT_EQ(p.service_provider_name, "Test Telecom");
  EXPECT_EQ(p.profile_name, "Profile PLAIN-1");
  EXPECT_EQ(p.profile_class, veuicc::ProfileClass::Operational);
  ASSERT_TRUE(p.profile_owner);
  EXPECT_EQ(to_hex(p.profile_owner->mcc_mnc), "02F660");  // 206 06
  EXPECT_EQ(p.size, 5000u);
  ASSERT_TRUE(p.notification_configuration);
  ASSERT_EQ(p.notification_configuration->size(), 4u);  // install, enable, disable, delete
  EXPECT_EQ((*p.notification_configuration)[1].event, veuicc::NotificationEvent::Enable);
  EXPECT_EQ((*p.notification_configuration)[1].address, server_->address());

  // The LPA sees it through ES10c.
  const auto infos = client_.get_profiles_info();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].iccid, kPlainIccid);
  EXPECT_EQ(infos[0].service_provider_name, "Test Telecom");

  // The server verified the card's signed PIR, and the card removed it after the ack.
  const json state = server_->state();
  ASSERT_EQ(state["notifications"].size(), 1u) << state["notifications"].dump();
  const json& pir = state["notifications"][0];
  EXPECT_EQ(pir["kind"], "profileInstallationResult");
  EXPECT_EQ(pir["result"], "success");
  EXPECT_EQ(pir["verified"], true) << pir.dump();
  EXPECT_EQ(pir["iccid"], kPlainIccid);
  EXPECT_EQ(pir["isdpAid"], "A0000005591010FFFFFFFF8900001000");
  EXPECT_TRUE(harness_.state().notifications.empty());
  EXPECT_EQ(state["downloadCount"], 1);
  EXPECT_TRUE(state["cancelledSessions"].empty());
  expect_no_session();

  // Enabling it queues the enable notification its configuration asks for.
  client_.enable_profile(lpa::ProfileIdentifier::from_iccid(kPlainIccid), false);
  const auto pending = client_.list_notifications();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].operation, lpa::NotificationEvent::Enable);
  EXPECT_EQ(pending[0].address, server_->address());
}

TEST_F(VeuiccDownload, ConfirmationCodeRightInstalls) {
  lpa::DownloadOptions o = options("CC-1");
  o.confirmation_code = kConfirmationCode;
  const uint64_t apdus_before = es10_.stats().apdus;
  const lpa::DownloadResult result = download(o);
  std::printf("download of a 60000-byte profile: %llu APDUs\n",
              static_cast<unsigned long long>(es10_.stats().apdus - apdus_before));
  EXPECT_EQ(result.iccid, kCcIccid);
  ASSERT_EQ(harness_.state().profiles.size(), 1u);
  EXPECT_EQ(harness_.state().profiles[0].size, 60000u);
  EXPECT_EQ(server_->state()["notifications"][0]["verified"], true);
}

TEST_F(VeuiccDownload, ConfirmationCodeWrongLeavesNoProfileAndNoSession) {
  lpa::DownloadOptions o = options("CC-1");
  o.confirmation_code = "9999";
  const Error e = failing_download(o);
  EXPECT_EQ(e.code(), Errc::InvalidArgument) << e.what();  // what the user typed is wrong
  EXPECT_THAT(e.what(), HasSubstr("confirmation code was refused"));
  EXPECT_TRUE(cleanup_errors_.empty()) << cleanup_errors_.front();
  expect_cancelled(CancelReason::UndefinedReason);
  EXPECT_TRUE(harness_.state().profiles.empty());
  EXPECT_TRUE(harness_.state().notifications.empty());
  expect_no_session();
}

TEST_F(VeuiccDownload, MetadataRefusedCancelsTheSession) {
  lpa::DownloadOptions o = options("PLAIN-1");
  lpa::ProfileMetadata shown;
  o.confirm_metadata = [&](const lpa::ProfileMetadata& m) {
    shown = m;
    return false;
  };
  const Error e = failing_download(o);
  EXPECT_EQ(e.code(), Errc::Cancelled) << e.what();
  EXPECT_EQ(shown.iccid, kPlainIccid);
  EXPECT_EQ(shown.service_provider_name, "Test Telecom");
  expect_cancelled(CancelReason::EndUserRejection);
  EXPECT_EQ(server_->state()["cancelledSessions"][0]["stateWhenCancelled"], "authenticated");
  EXPECT_TRUE(harness_.state().profiles.empty());
  expect_no_session();
  // The order was not used up: accepting it now installs it.
  EXPECT_EQ(download(options("PLAIN-1")).iccid, kPlainIccid);
}

// A protected TLV that fails its MAC check stops the installation at that command with
// scp03tSecurityError; the card reports it in a signed PIR and installs nothing.
struct TamperCase {
  tlv::Tag container;
  const char* command;
  int command_id;
};

class VeuiccTamperedPackage : public VeuiccDownload,
                              public ::testing::WithParamInterface<TamperCase> {};

TEST_P(VeuiccTamperedPackage, IsASecurityErrorAtThatCommandAndInstallsNothing) {
  const TamperCase& c = GetParam();
  const Error e = failing_download(options("PLAIN-1"), corrupt_first_tlv_of(c.container));
  EXPECT_EQ(e.code(), Errc::ServerError) << e.what();
  EXPECT_THAT(e.what(), HasSubstr("scp03tSecurityError"));
  EXPECT_THAT(e.what(), HasSubstr(std::string("at ") + c.command));
  EXPECT_TRUE(harness_.state().profiles.empty());
  // The error PIR went to the server (verified: the card signed it) and left the card.
  const json notifications = server_->state()["notifications"];
  ASSERT_EQ(notifications.size(), 1u) << notifications.dump();
  EXPECT_EQ(notifications[0]["result"], "error");
  EXPECT_EQ(notifications[0]["bppCommandId"], c.command_id);
  EXPECT_EQ(notifications[0]["errorReason"], 8);
  if (c.command_id <= 2) {
    // Before the metadata is read the card does not know the ICCID, so its PIR has none
    // (NotificationMetadata iccid is OPTIONAL). smdpp then records a problem although it
    // verified the signature and the smdpOid first (the ICCID check comes last).
    EXPECT_TRUE(notifications[0]["iccid"].is_null());
    EXPECT_THAT(notifications[0]["problem"].get<std::string>(), HasSubstr("ICCID None"));
  } else {
    EXPECT_EQ(notifications[0]["iccid"], kPlainIccid);
    EXPECT_EQ(notifications[0]["verified"], true) << notifications[0].dump();
  }
  EXPECT_TRUE(harness_.state().notifications.empty());
  EXPECT_TRUE(server_->state()["cancelledSessions"].empty());  // the PIR ended it
  expect_no_session();
}

INSTANTIATE_TEST_SUITE_P(EveryProtectedPart, VeuiccTamperedPackage,
                         ::testing::Values(TamperCase{0xA0, "configureISDP", 1},
                                           TamperCase{0xA1, "storeMetadata", 2},
                                           TamperCase{0xA2, "replaceSessionKeys", 4},
                                           TamperCase{0xA3, "loadProfileElements", 5}),
                         [](const ::testing::TestParamInfo<TamperCase>& param) {
                           return std::string(param.param.command);
                         });

// The card's own refusals that a well-behaved server cannot provoke.
TEST_F(VeuiccDownload, AuthenticateServerWantsTheChallengeTheCardGave) {
  net::CurlHttpClient http(curl_options(pki_, {server_->resolve_entry()}));
  lpa::Es9pClient smdp(http, server_->address());
  const Bytes info1 = es10_.transceive(lpa::encode_get_euicc_info1_request());
  const auto authenticate = [&](ByteView challenge) {
    const lpa::InitiateAuthenticationResult init = smdp.initiate_authentication(challenge, info1);
    traffic_.transaction_id = to_hex(init.transaction_id);
    lpa::AuthenticateServerRequest request;
    request.server_signed1 = init.server_signed1;
    request.server_signature1 = init.server_signature1;
    request.euicc_ci_pkid_to_be_used = init.euicc_ci_pkid_to_be_used;
    request.server_certificate = init.server_certificate;
    request.matching_id = "PLAIN-1";
    client_.authenticate_server(request);
  };
  const auto expect_refusal = [&](const char* name) {
    ASSERT_FALSE(traffic_.transaction_id.empty());
    expect_no_session();
    SCOPED_TRACE(name);
  };

  // No GetEUICCChallenge since the card was powered: no session context.
  try {
    authenticate(Bytes(16, 0x11));
    FAIL() << "accepted without a challenge";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardError) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("noSessionContext"));
  }
  expect_refusal("noSessionContext");

  // A challenge, but the server signed another one.
  client_.get_euicc_challenge();
  try {
    authenticate(Bytes(16, 0x22));
    FAIL() << "accepted a foreign challenge";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::ServerError) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("euiccChallengeMismatch"));
  }
  expect_refusal("euiccChallengeMismatch");

  // The right one is good for one AuthenticateServer only.
  const Bytes challenge = client_.get_euicc_challenge();
  EXPECT_NO_THROW(authenticate(challenge));
  try {
    authenticate(challenge);
    FAIL() << "the challenge was accepted twice";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("noSessionContext"));
  }
}

TEST_F(VeuiccDownload, DownloadFunctionsWithoutASession) {
  // PrepareDownload: noSessionContext.
  lpa::PrepareDownloadRequest prepare;
  prepare.smdp_signed2 = from_hex("3006800101010100");
  prepare.smdp_signature2 = tlv::encode(0x5F37, Bytes(64, 0));
  prepare.smdp_certificate = from_hex("3000");
  try {
    client_.prepare_download(prepare);
    FAIL() << "PrepareDownload without a session succeeded";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("noSessionContext"));
  }
  // CancelSession: invalidTransactionId.
  traffic_.transaction_id = "01";
  expect_no_session();
  // A LoadBoundProfilePackage piece: refused at the APDU level, nothing stored.
  EXPECT_THROW(client_.load_bound_profile_package_piece(from_hex("BF3603BF2300")), Error);
  EXPECT_THROW(client_.load_bound_profile_package_piece(from_hex("8603010203")), Error);
  EXPECT_TRUE(harness_.state().profiles.empty());
  EXPECT_TRUE(harness_.state().notifications.empty());
}

// The card's own installation checks, each reported as a signed error PIR and a named error.
TEST_F(VeuiccDownload, SameIccidTwiceIsRefusedAtStoreMetadata) {
  download(options("PLAIN-1"));
  server_->reset();  // the order is available again
  const Error e = failing_download(options("PLAIN-1"));
  EXPECT_EQ(e.code(), Errc::WrongState) << e.what();
  EXPECT_THAT(e.what(), HasSubstr("installFailedDueToIccidAlreadyExistsOnEuicc, at storeMetadata"));
  EXPECT_EQ(harness_.state().profiles.size(), 1u);
  EXPECT_TRUE(harness_.state().notifications.empty());  // the error PIR was delivered
  EXPECT_EQ(server_->state()["notifications"][0]["errorReason"], 9);
  expect_no_session();
}

TEST_F(VeuiccDownload, ProfileLargerThanTheFreeMemoryIsRefused) {
  harness_.state().nvm_bytes = 4000;  // the profile has 5000 bytes
  const Error e = failing_download(options("PLAIN-1"));
  EXPECT_EQ(e.code(), Errc::NoMemory) << e.what();
  EXPECT_THAT(e.what(), HasSubstr("at loadProfileElements"));
  EXPECT_TRUE(harness_.state().profiles.empty());
  EXPECT_EQ(server_->state()["notifications"][0]["errorReason"], 10);
  expect_no_session();
}

// A profile package that is not a valid SAIP profile (the SM-DP+ leaves out the PE-End) is refused
// with installFailedDueToPEProcessingError at loadProfileElements; nothing is stored.
TEST_F(VeuiccDownload, BrokenProfilePackageIsRefusedAndNotStored) {
  server_->sabotage({{"function", "getBoundProfilePackage"}, {"mode", "profile-without-end"}});
  const Error e = failing_download(options("PLAIN-1"));
  EXPECT_EQ(e.code(), Errc::ServerError) << e.what();
  EXPECT_THAT(e.what(), HasSubstr("installFailedDueToPEProcessingError, at loadProfileElements"));
  EXPECT_TRUE(harness_.state().profiles.empty());
  const json notifications = server_->state()["notifications"];
  ASSERT_EQ(notifications.size(), 1u) << notifications.dump();
  EXPECT_EQ(notifications[0]["result"], "error");
  EXPECT_EQ(notifications[0]["bppCommandId"], 5);
  EXPECT_EQ(notifications[0]["errorReason"], 12);
  EXPECT_EQ(notifications[0]["verified"], true) << notifications[0].dump();
  EXPECT_TRUE(harness_.state().notifications.empty());
  expect_no_session();
  // The card is not left in a bad state: the next, valid package installs.
  EXPECT_EQ(download(options("SECOND-1")).iccid, kSecondIccid);
}

// A valid profile whose ProfileHeader names another ICCID than the StoreMetadataRequest did:
// installFailedDueToDataMismatch.
TEST_F(VeuiccDownload, ProfileForAnotherIccidIsADataMismatch) {
  server_->sabotage({{"function", "getBoundProfilePackage"}, {"mode", "profile-other-iccid"}});
  const Error e = failing_download(options("PLAIN-1"));
  EXPECT_EQ(e.code(), Errc::ServerError) << e.what();
  EXPECT_THAT(e.what(), HasSubstr("installFailedDueToDataMismatch, at loadProfileElements"));
  EXPECT_TRUE(harness_.state().profiles.empty());
  EXPECT_EQ(server_->state()["notifications"][0]["errorReason"], 13);
  expect_no_session();
}

// A card reset in the middle of the profile segments: the session and everything received are
// gone, nothing reaches the state, and the next download works.
TEST_F(VeuiccDownload, ResetDuringLoadingLeavesNothingBehind) {
  class ResetAfterSegments : public lpa::Es10Transport {
   public:
    ResetAfterSegments(lpa::Es10Transport& inner, InProcessCard& card)
        : inner_(inner), card_(card) {}
    Bytes transceive(ByteView command) override {
      if (!command.empty() && command[0] == 0x86 && ++segments_ == 2) {
        card_.reset();
        throw Error(Errc::CardRemoved, "the card was reset");
      }
      return inner_.transceive(command);
    }

   private:
    lpa::Es10Transport& inner_;
    InProcessCard& card_;
    int segments_ = 0;
  } resetting(es10_, raw_);

  lpa::ProfileDownloader downloader(resetting, factory());
  try {
    downloader.download(options("PLAIN-1"));
    FAIL() << "the download survived a reset";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardRemoved) << e.what();
  }
  // Ending the session on the card failed: the reset had ended it already.
  ASSERT_EQ(downloader.cleanup_errors().size(), 1u);
  EXPECT_THAT(downloader.cleanup_errors()[0], HasSubstr("invalidTransactionId"));
  EXPECT_TRUE(harness_.state().profiles.empty());
  EXPECT_TRUE(harness_.state().notifications.empty());
  expect_no_session();

  EXPECT_EQ(download(options("SECOND-1")).iccid, kSecondIccid);
  EXPECT_EQ(harness_.state().profiles.size(), 1u);
}

}  // namespace
