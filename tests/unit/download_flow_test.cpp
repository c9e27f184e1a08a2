// ProfileDownloader end to end between a scripted eUICC (ES10 commands) and a scripted SM-DP+
// (ES9+ JSON): the order of the calls, the exact LoadBoundProfilePackage commands, and for each
// failure point the cancel reason sent to the card and the server, exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "download_fakes.h"
#include "lpa/download.h"

using namespace dltest;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// hashCc = SHA-256(SHA-256(code) ‖ kTxid), computed independently with Python hashlib.
constexpr char kHashCc1234[] = "1BBFAAE6D38DEEAD8E3E28F92FA6E100C59B85260430D857271685165927CC5F";
constexpr char kHashCc9876[] = "1C28F87A2561699B201C593D8C9A415E0360BA4C7346297BC1606D7406F531B2";

struct Fixture : ::testing::Test {
  FakeCard card;
  FakeServers servers;
  Bpp bpp = make_bpp();
  DownloadOptions options;

  void SetUp() override {
    servers.bpp = bpp.bpp;
    card.bpp_pieces_expected = 10;
    options.activation_code = parse_activation_code("LPA:1$" + kSmdp + "$MATCH-1");
  }

  DownloadResult download() {
    ProfileDownloader downloader(card, servers.factory());
    return downloader.download(options);
  }

  struct Failure {
    Errc code = Errc::Internal;
    std::string message;
  };
  Failure failing_download() {
    try {
      download();
    } catch (const Error& e) {
      return {e.code(), e.what()};
    }
    ADD_FAILURE() << "the download did not fail";
    return {};
  }

  // The session was cancelled exactly once, on the card and on the server, with `reason`, and
  // the server got the card's signed BF41.
  void expect_cancelled_once(CancelReason reason) {
    EXPECT_THAT(card.cancel_reasons, ElementsAre(uint64_t(reason)));
    const auto cancels = servers.calls_to("cancelSession");
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].body["transactionId"], to_hex(kTxid));
    const Bytes bf41 =
        base64_decode(cancels[0].body["cancelSessionResponse"].get<std::string>(), "test");
    const tlv::Tlv signed_part = tlv::parse_one(bf41).require(0xA0, "").require(0x30, "");
    EXPECT_EQ(to_hex(signed_part.require(0x82, "").value),
              to_hex(tlv::encode_uint(uint64_t(reason))));
  }
  void expect_not_cancelled() {
    EXPECT_TRUE(card.cancel_reasons.empty());
    EXPECT_TRUE(card.with_tag(0xBF41).empty());
    EXPECT_TRUE(servers.calls_to("cancelSession").empty());
  }
};

TEST_F(Fixture, HappyPathRunsTheSgp22OrderAndDeliversTheInstallNotification) {
  std::vector<std::pair<DownloadStage, double>> progress;
  options.on_progress = [&](DownloadStage s, double f) { progress.emplace_back(s, f); };
  const DownloadResult r = download();

  EXPECT_EQ(r.iccid, kIccid);
  EXPECT_EQ(r.isdp_aid, kIsdpAid);
  EXPECT_EQ(r.metadata.profile_name, "Test");
  EXPECT_EQ(r.smdp_address, kSmdp);
  EXPECT_EQ(r.notifications.sent, 1u);
  EXPECT_EQ(r.notifications.failed, 0u);

  std::vector<std::string> functions;
  for (const auto& c : servers.calls) functions.push_back(c.function);
  EXPECT_THAT(functions, ElementsAre("initiateAuthentication", "authenticateClient",
                                     "getBoundProfilePackage", "handleNotification"));
  EXPECT_EQ(servers.calls[0].body["smdpAddress"], kSmdp);
  EXPECT_EQ(servers.calls[0].body["euiccChallenge"], base64_encode(kChallenge));
  // The PIR goes to the server byte for byte, and only then leaves the card.
  EXPECT_EQ(base64_decode(servers.calls[3].body["pendingNotification"].get<std::string>(), "t"),
            pir(7, true));
  EXPECT_THAT(card.removed, ElementsAre(7u));
  EXPECT_TRUE(card.pending.empty());
  expect_not_cancelled();

  // AuthenticateServer carries the matching id; PrepareDownload no hashCc (not required).
  const Bytes bf38 = card.with_tag(0xBF38).at(0);
  const tlv::Tlv ctx = tlv::parse_one(bf38).require(0xA0, "ctx");
  EXPECT_EQ(as_string(ctx.require(0x80, "").value), "MATCH-1");
  EXPECT_FALSE(tlv::parse_one(card.with_tag(0xBF21).at(0)).find(0x04));

  // The BPP in the 7 steps of SGP.22 §2.5.5, one ES10 command each.
  Bytes first = tlv::header(0xBF36, bpp.bpp.size() - 5);
  append(first, bpp.bf23);
  EXPECT_THAT(card.bpp_pieces(),
              ElementsAre(first, bpp.a0, tlv::header(0xA1, bpp.a1.size() - 2), bpp.s88[0],
                          bpp.s88[1], bpp.a2, tlv::header(0xA3, bpp.a3.size() - 4), bpp.s86[0],
                          bpp.s86[1], bpp.s86[2]));

  // Stages in order, ending with Done; installation fraction per 86 segment.
  ASSERT_FALSE(progress.empty());
  for (size_t i = 1; i < progress.size(); ++i)
    EXPECT_LE(int(progress[i - 1].first), int(progress[i].first));
  EXPECT_EQ(progress.back().first, DownloadStage::Done);
  std::vector<double> installing;
  for (const auto& [stage, f] : progress)
    if (stage == DownloadStage::Installing) installing.push_back(f);
  EXPECT_THAT(installing, ElementsAre(0.0, 1.0 / 3, 2.0 / 3, 1.0));
}

TEST_F(Fixture, ImeiAndDefaultAddressFromTheCard) {
  options.activation_code.reset();
  options.device.imei = "353290061100017";
  download();
  ASSERT_FALSE(card.with_tag(0xBF3C).empty());
  EXPECT_EQ(servers.calls.at(0).host, kSmdp);
  const Bytes command = card.with_tag(0xBF38).at(0);
  const tlv::Tlv ctx = tlv::parse_one(command).require(0xA0, "");
  EXPECT_FALSE(ctx.find(0x80));  // no matching id
  EXPECT_EQ(to_hex(ctx.require(0xA1, "").require(0x82, "").value), "53230960110010F7");
}

TEST_F(Fixture, NoAddressAnywhereIsANamedErrorBeforeAnySession) {
  options.activation_code.reset();
  card.default_smdp.reset();
  EXPECT_EQ(failing_download().code, Errc::InvalidArgument);
  EXPECT_TRUE(servers.calls.empty());
}

TEST_F(Fixture, ConfirmationCodeIsHashedWithTheSignedTransactionId) {
  servers.cc_required = true;
  options.confirmation_code = "1234";
  download();
  const Bytes command = card.with_tag(0xBF21).at(0);
  const tlv::Tlv bf21 = tlv::parse_one(command);
  EXPECT_EQ(to_hex(bf21.require(0x04, "hashCc").value), kHashCc1234);
}

TEST_F(Fixture, ConfirmationCodeCanBeAskedFor) {
  servers.cc_required = true;
  int asked = 0;
  options.ask_confirmation_code = [&](const ProfileMetadata& m) {
    ++asked;
    EXPECT_EQ(m.iccid, kIccid);
    return std::optional<std::string>("9876");
  };
  download();
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(to_hex(tlv::parse_one(card.with_tag(0xBF21).at(0)).require(0x04, "").value),
            kHashCc9876);
}

TEST_F(Fixture, MissingConfirmationCodeCancelsAsPostponed) {
  servers.cc_required = true;
  const Failure f = failing_download();
  EXPECT_EQ(f.code, Errc::InvalidArgument);
  EXPECT_THAT(f.message, HasSubstr("confirmation code"));
  expect_cancelled_once(CancelReason::Postponed);
  EXPECT_TRUE(card.with_tag(0xBF21).empty());
}

// ---- a card reset by another program in the middle of the session --------------------------

// Before the SM-DP+ bound a package, a reset costs one new session: the user is not asked
// again, nothing is cancelled (the card has no session left to sign a cancel with).
TEST_F(Fixture, ResetBeforePrepareDownloadStartsOnceMoreWithTheUsersAnswers) {
  servers.cc_required = true;
  card.reset_before = 0xBF21;
  int shown = 0, asked = 0;
  options.confirm_metadata = [&](const ProfileMetadata&) { return ++shown, true; };
  options.ask_confirmation_code = [&](const ProfileMetadata&) {
    ++asked;
    return std::optional<std::string>("9876");
  };
  std::vector<std::string> logged;
  options.on_log = [&](const std::string& line) { logged.push_back(line); };

  EXPECT_EQ(download().iccid, kIccid);
  EXPECT_EQ(shown, 1);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(card.with_tag(0xBF2E).size(), 2u);
  EXPECT_EQ(card.with_tag(0xBF21).size(), 2u);
  EXPECT_EQ(to_hex(tlv::parse_one(card.with_tag(0xBF21).at(1)).require(0x04, "").value),
            kHashCc9876);
  std::vector<std::string> functions;
  for (const auto& c : servers.calls) functions.push_back(c.function);
  EXPECT_THAT(functions,
              ElementsAre("initiateAuthentication", "authenticateClient", "initiateAuthentication",
                          "authenticateClient", "getBoundProfilePackage", "handleNotification"));
  expect_not_cancelled();
  EXPECT_THAT(logged, Contains(HasSubstr("starting again with a new session")));
}

TEST_F(Fixture, ResetAgainInTheSecondSessionGivesUpWithTheCardsAnswer) {
  card.reset_before = 0xBF21;
  card.resets_left = 2;
  const Failure f = failing_download();
  EXPECT_EQ(f.code, Errc::CardError);
  EXPECT_THAT(f.message, HasSubstr("noSessionContext"));
  EXPECT_EQ(servers.calls_to("initiateAuthentication").size(), 2u);
  EXPECT_TRUE(servers.calls_to("getBoundProfilePackage").empty());
  expect_not_cancelled();
}

// A reset while loading takes the loaded pieces with the session: the download starts once
// more, and this SM-DP+ binds a new package to the new session.
TEST_F(Fixture, ResetWhileLoadingStartsOnceMore) {
  card.reset_before = 0xBF36;
  EXPECT_EQ(download().iccid, kIccid);
  std::vector<std::string> functions;
  for (const auto& c : servers.calls) functions.push_back(c.function);
  EXPECT_THAT(functions,
              ElementsAre("initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                          "initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                          "handleNotification"));
  expect_not_cancelled();
}

// Many SM-DP+s refuse a second session for an order they already bound a package for: the
// reset is what went wrong, so it is the error; the refusal is in the log.
TEST_F(Fixture, ResetWhileLoadingThenRefusedReportsTheReset) {
  card.reset_before = 0xBF36;
  std::vector<std::string> logged;
  options.on_log = [&](const std::string& line) {
    logged.push_back(line);
    if (line.find("starting again with a new session") != std::string::npos)
      servers.fail_reply["authenticateClient"] = FakeServers::failed("8.2.6", "3.8");
  };
  const Failure f = failing_download();
  EXPECT_EQ(f.code, Errc::CardError);
  EXPECT_THAT(f.message, HasSubstr("loading the profile into the eUICC failed"));
  EXPECT_THAT(logged, Contains(HasSubstr("starting again failed too")));
  EXPECT_EQ(servers.calls_to("initiateAuthentication").size(), 2u);
  EXPECT_TRUE(card.pending.empty());
}

// The same refusal without a reset is the card's answer, not a lost session.
TEST_F(Fixture, RefusalWithoutAResetIsNotRetried) {
  card.prepare_error = 4;
  const Failure f = failing_download();
  EXPECT_EQ(f.code, Errc::CardError);
  EXPECT_EQ(servers.calls_to("initiateAuthentication").size(), 1u);
}

TEST_F(Fixture, ActivationCodeRequiringACodeFailsBeforeContactingAnyone) {
  options.activation_code = parse_activation_code("LPA:1$" + kSmdp + "$MATCH-1$$1");
  EXPECT_EQ(failing_download().code, Errc::InvalidArgument);
  EXPECT_TRUE(servers.calls.empty());
  EXPECT_TRUE(card.commands.empty());
}

TEST_F(Fixture, UserRefusalAtThePreviewIsEndUserRejection) {
  std::string shown;
  options.confirm_metadata = [&](const ProfileMetadata& m) {
    shown = m.iccid;
    return false;
  };
  const Failure f = failing_download();
  EXPECT_EQ(shown, kIccid);
  EXPECT_EQ(f.code, Errc::Cancelled);
  EXPECT_THAT(f.message, HasSubstr("declined"));
  expect_cancelled_once(CancelReason::EndUserRejection);
  EXPECT_TRUE(card.with_tag(0xBF21).empty());
}

TEST_F(Fixture, PolicyRulesRefusedIsPprNotAllowed) {
  options.check_policy_rules = [](const ProfileMetadata&) { return false; };
  EXPECT_EQ(failing_download().code, Errc::NotAllowed);
  expect_cancelled_once(CancelReason::PprNotAllowed);
}

TEST_F(Fixture, UserTimeoutIsTimeout) {
  options.confirm_metadata = [](const ProfileMetadata&) -> bool {
    throw Error(Errc::Timeout, "nobody answered");
  };
  EXPECT_EQ(failing_download().code, Errc::Timeout);
  expect_cancelled_once(CancelReason::Timeout);
}

TEST_F(Fixture, CancelTokenBetweenStepsGivesCancelledWithItsReason) {
  for (CancelReason reason : {CancelReason::EndUserRejection, CancelReason::Postponed}) {
    SCOPED_TRACE(cancel_reason_name(reason));
    card = FakeCard();
    card.bpp_pieces_expected = 10;
    servers.calls.clear();
    CancelToken token;
    options.cancel = &token;
    options.on_progress = [&](DownloadStage s, double) {
      if (s == DownloadStage::Downloading) token.cancel(reason);
    };
    EXPECT_EQ(failing_download().code, Errc::Cancelled);
    expect_cancelled_once(reason);
    EXPECT_TRUE(card.bpp_pieces().empty());
  }
}

TEST_F(Fixture, CancelBeforeTheSessionTouchesNothingOnTheServer) {
  CancelToken token;
  token.cancel();
  options.cancel = &token;
  EXPECT_EQ(failing_download().code, Errc::Cancelled);
  EXPECT_TRUE(servers.calls.empty());
  expect_not_cancelled();
}

TEST_F(Fixture, MetadataMismatchInThePackage) {
  servers.bpp = make_bpp(metadata_bf25("89444765000012241599")).bpp;
  const Failure f = failing_download();
  EXPECT_EQ(f.code, Errc::ServerError);
  EXPECT_THAT(f.message, HasSubstr("89444765000012241599"));
  expect_cancelled_once(CancelReason::MetadataMismatch);
  EXPECT_TRUE(card.bpp_pieces().empty());  // nothing of it reached the card
}

TEST_F(Fixture, PackageForAnotherTransactionIsRefused) {
  servers.bpp = make_bpp(metadata_bf25(), h("0102")).bpp;
  EXPECT_EQ(failing_download().code, Errc::Malformed);
  expect_cancelled_once(CancelReason::LoadBppExecutionError);
  EXPECT_TRUE(card.bpp_pieces().empty());
}

TEST_F(Fixture, BrokenPackageIsLoadBppExecutionError) {
  servers.bpp = h("BF3603BF2300");
  EXPECT_EQ(failing_download().code, Errc::Malformed);
  expect_cancelled_once(CancelReason::LoadBppExecutionError);
}

TEST_F(Fixture, PirErrorIsNamedAndItsNotificationGoesToTheServerInsteadOfACancel) {
  card.bpp_error_at = 3;  // the first 88
  card.bpp_error_cmd = 2;
  card.bpp_error_reason = 9;
  const Failure f = failing_download();
  EXPECT_EQ(f.code, Errc::WrongState);
  EXPECT_THAT(f.message, HasSubstr("installFailedDueToIccidAlreadyExistsOnEuicc"));
  EXPECT_THAT(f.message, HasSubstr("storeMetadata"));
  expect_not_cancelled();
  EXPECT_EQ(card.bpp_pieces().size(), 4u);  // stopped at the failing command
  const auto notes = servers.calls_to("handleNotification");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(base64_decode(notes[0].body["pendingNotification"].get<std::string>(), "t"),
            pir(7, false, 2, 9));
  EXPECT_THAT(card.removed, ElementsAre(7u));
}

TEST_F(Fixture, PirErrorStaysPendingWhenTheServerDoesNotAcknowledge) {
  card.bpp_error_at = 8;
  servers.fail_reply["handleNotification"] = {500, "text/plain", "", "oops"};
  ProfileDownloader downloader(card, servers.factory());
  EXPECT_THROW(downloader.download(options), Error);
  expect_not_cancelled();
  EXPECT_TRUE(card.removed.empty());
  EXPECT_EQ(card.pending.count(7), 1u);
  EXPECT_FALSE(downloader.cleanup_errors().empty());
}

TEST_F(Fixture, SuccessWithUndeliveredNotificationStillSucceeds) {
  servers.fail_throw["handleNotification"] = Errc::Network;
  const DownloadResult r = download();
  EXPECT_EQ(r.notifications.failed, 1u);
  EXPECT_EQ(r.notifications.outcomes.at(0).error_code, Errc::Network);
  EXPECT_EQ(card.pending.count(7), 1u);
  expect_not_cancelled();
}

// Every failure point after the card opened a session: the right reason, exactly once.
struct FailurePoint {
  const char* name;
  std::function<void(FakeCard&, FakeServers&)> arrange;
  Errc expected_error;
  CancelReason expected_reason;
};

class FailurePoints : public Fixture, public ::testing::WithParamInterface<FailurePoint> {};

TEST_P(FailurePoints, CancelOnceWithTheRightReasonAndKeepTheOriginalError) {
  GetParam().arrange(card, servers);
  EXPECT_EQ(failing_download().code, GetParam().expected_error);
  expect_cancelled_once(GetParam().expected_reason);
}

INSTANTIATE_TEST_SUITE_P(
    Download, FailurePoints,
    ::testing::Values(
        FailurePoint{"authenticateClientRefused",
                     [](FakeCard&, FakeServers& s) {
                       s.fail_reply["authenticateClient"] = FakeServers::failed("8.2.6", "3.8");
                     },
                     Errc::InvalidArgument, CancelReason::UndefinedReason},
        FailurePoint{
            "authenticateClientTimeout",
            [](FakeCard&, FakeServers& s) { s.fail_throw["authenticateClient"] = Errc::Timeout; },
            Errc::Timeout, CancelReason::Timeout},
        FailurePoint{"badMetadata",
                     [](FakeCard&, FakeServers& s) { s.profile_metadata = h("BF25035A0100"); },
                     Errc::Malformed, CancelReason::UndefinedReason},
        FailurePoint{"prepareDownloadRefusedByCard",
                     [](FakeCard& c, FakeServers&) { c.prepare_error = 2; }, Errc::ServerError,
                     CancelReason::UndefinedReason},
        FailurePoint{"getBoundProfilePackageRefused",
                     [](FakeCard&, FakeServers& s) {
                       s.fail_reply["getBoundProfilePackage"] = FakeServers::failed("8.8.5", "4.1");
                     },
                     Errc::ServerError, CancelReason::UndefinedReason},
        FailurePoint{"getBoundProfilePackageNetwork",
                     [](FakeCard&, FakeServers& s) {
                       s.fail_throw["getBoundProfilePackage"] = Errc::Network;
                     },
                     Errc::Network, CancelReason::UndefinedReason},
        FailurePoint{"cardRemovedDuringLoad", [](FakeCard& c, FakeServers&) { c.bpp_throw_at = 7; },
                     Errc::CardRemoved, CancelReason::LoadBppExecutionError},
        FailurePoint{"noResultAfterLastSegment",
                     [](FakeCard& c, FakeServers&) { c.bpp_pieces_expected = 99; }, Errc::Malformed,
                     CancelReason::LoadBppExecutionError}),
    [](const auto& point) { return std::string(point.param.name); });

TEST_F(Fixture, FailuresBeforeTheCardHasASessionCancelNothing) {
  servers.fail_reply["initiateAuthentication"] = FakeServers::failed("8.8.2", "3.1");
  failing_download();
  expect_not_cancelled();

  servers.fail_reply.clear();
  servers.calls.clear();
  card.authenticate_error = 7;
  EXPECT_EQ(failing_download().code, Errc::NotSupported);
  expect_not_cancelled();
}

TEST_F(Fixture, CleanupFailuresNeverReplaceTheOriginalError) {
  options.confirm_metadata = [](const ProfileMetadata&) { return false; };
  card.cancel_session_throws = Errc::CardRemoved;
  ProfileDownloader downloader(card, servers.factory());
  try {
    downloader.download(options);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Cancelled);
  }
  ASSERT_EQ(downloader.cleanup_errors().size(), 1u);
  EXPECT_THAT(downloader.cleanup_errors()[0], HasSubstr("endUserRejection"));
  EXPECT_TRUE(servers.calls_to("cancelSession").empty());  // nothing signed to send

  card.cancel_session_throws.reset();
  servers.fail_throw["cancelSession"] = Errc::Network;
  try {
    downloader.download(options);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Cancelled);
  }
  ASSERT_EQ(downloader.cleanup_errors().size(), 1u);
  EXPECT_THAT(downloader.cleanup_errors()[0], HasSubstr("SM-DP+"));
}

}  // namespace
