// ES10b download messages: byte layouts derived by hand from the SGP.22 ASN.1 (digest §2.2–2.4,
// §3), the BPP split of §3.2, ProfileInstallationResult decoding and hashCc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "download_fakes.h"
#include "lpa/es10_download.h"
#include "lpa/hash_cc.h"

using namespace dltest;
using ::testing::HasSubstr;

namespace {

Errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return Errc::Internal;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

TEST(DownloadCodec, ImeiIsSwappedBcdWithFPad) {
  EXPECT_EQ(to_hex(encode_imei("353290061100017")), "53230960110010F7");
  EXPECT_EQ(to_hex(encode_imei("3532900611000171")), "5323096011001017");
  EXPECT_EQ(code_of([] { encode_imei("35329006110001"); }), Errc::InvalidArgument);
  EXPECT_EQ(code_of([] { encode_imei("35329006110001A"); }), Errc::InvalidArgument);
}

TEST(DownloadCodec, AuthenticateServerRequestLayout) {
  AuthenticateServerRequest r;
  r.server_signed1 = h("3003800101");
  r.server_signature1 = h("5F370100");
  r.euicc_ci_pkid_to_be_used = h("040111");
  r.server_certificate = h("30020500");
  r.matching_id = "AB";
  r.device.tac = h("35290611");
  r.device.imei = "353290061100017";
  // BF38 { parts..., A0 { 80 02 "AB", A1 { 80 04 TAC, A1 00, 82 08 IMEI } } }
  const std::string ctx =
      "A018"
      "80024142"
      "A112"
      "800435290611"
      "A100"
      "820853230960110010F7";
  EXPECT_EQ(to_hex(encode_authenticate_server_request(r)),
            "BF382A"
            "3003800101"
            "5F370100"
            "040111"
            "30020500" +
                ctx);

  r.matching_id.clear();
  r.device.imei.clear();
  EXPECT_EQ(to_hex(encode_authenticate_server_request(r)),
            "BF381C"
            "3003800101"
            "5F370100"
            "040111"
            "30020500"
            "A00A"
            "A108800435290611A100");

  r.server_signature1 = h("040100");
  EXPECT_THAT(message_of([&] { encode_authenticate_server_request(r); }),
              HasSubstr("serverSignature1"));
}

TEST(DownloadCodec, AuthenticateServerResponse) {
  const Bytes ok =
      h("BF380DA00B"
        "3000"
        "5F3700"
        "3000"
        "3000"
        "3000");
  EXPECT_EQ(decode_authenticate_server_response(ok), ok);
  const Bytes err =
      h("BF3808A106"
        "800101"
        "020107");
  EXPECT_EQ(code_of([&] { decode_authenticate_server_response(err); }), Errc::NotSupported);
  EXPECT_THAT(message_of([&] { decode_authenticate_server_response(err); }),
              HasSubstr("ciPKUnknown"));
  EXPECT_EQ(code_of([] { decode_authenticate_server_response(h("BF3800")); }), Errc::Malformed);
}

TEST(DownloadCodec, SmdpSigned2) {
  const SmdpSigned2 s =
      decode_smdp_signed2(h("3007"
                            "80020102"
                            "0101FF"));
  EXPECT_EQ(s.transaction_id, h("0102"));
  EXPECT_TRUE(s.cc_required);
  EXPECT_FALSE(s.bpp_euicc_otpk);
  EXPECT_FALSE(decode_smdp_signed2(h("3007"
                                     "80020102"
                                     "010100"))
                   .cc_required);
  EXPECT_EQ(code_of([] {
              decode_smdp_signed2(
                  h("3004"
                    "80020102"));
            }),
            Errc::Malformed);
}

TEST(DownloadCodec, PrepareDownloadRequestAndResponse) {
  PrepareDownloadRequest r;
  r.smdp_signed2 = h("3000");
  r.smdp_signature2 = h("5F3700");
  r.smdp_certificate = h("300105");
  EXPECT_EQ(to_hex(encode_prepare_download_request(r)),
            "BF2108"
            "3000"
            "5F3700"
            "300105");
  r.hash_cc = Bytes(32, 0xCC);
  EXPECT_EQ(to_hex(encode_prepare_download_request(r)),
            "BF212A"
            "3000"
            "5F3700"
            "0420" +
                std::string(64, 'C') + "300105");
  r.hash_cc = Bytes(31, 0xCC);
  EXPECT_EQ(code_of([&] { encode_prepare_download_request(r); }), Errc::InvalidArgument);

  const Bytes ok =
      h("BF2107A005"
        "3000"
        "5F3700");
  EXPECT_EQ(decode_prepare_download_response(ok), ok);
  EXPECT_THAT(message_of([] { decode_prepare_download_response(h("BF2108A106800101020105")); }),
              HasSubstr("invalidTransactionId"));
}

TEST(DownloadCodec, CancelSession) {
  EXPECT_EQ(to_hex(encode_cancel_session_request(h("0102"), CancelReason::MetadataMismatch)),
            "BF4107"
            "80020102"
            "810104");
  EXPECT_EQ(to_hex(encode_cancel_session_request(h("01"), CancelReason::UndefinedReason)),
            "BF4106"
            "800101"
            "81017F");
  const Bytes ok =
      h("BF4107A005"
        "3000"
        "5F3700");
  EXPECT_EQ(decode_cancel_session_response(ok), ok);
  EXPECT_EQ(code_of([] { decode_cancel_session_response(h("BF4103810105")); }), Errc::WrongState);
}

TEST(DownloadCodec, StoreMetadataPreview) {
  const Bytes bf25 =
      h("BF252D"
        "5A0A98001032547698103214"
        "9109"
        "47534D415F54455354"
        "9211"
        "47534D415F544553545F50524F46494C45"
        "950100");
  const ProfileMetadata m = decode_store_metadata_request(bf25);
  EXPECT_EQ(m.iccid, "89000123456789012341");
  EXPECT_EQ(m.service_provider_name, "GSMA_TEST");
  EXPECT_EQ(m.profile_name, "GSMA_TEST_PROFILE");
  EXPECT_EQ(m.profile_class, ProfileClass::Test);
  EXPECT_EQ(m.der, bf25);
  // Missing mandatory profileName.
  EXPECT_EQ(code_of([] { decode_store_metadata_request(h("BF250E5A0A980010325476981032149100")); }),
            Errc::Malformed);
}

// The 7 steps of SGP.22 §2.5.5 on a hand-written BPP, byte for byte.
TEST(DownloadCodec, SplitsBppIntoTheSevenSteps) {
  const Bytes bpp =
      h("BF3636"
        "BF2303800101"  // BF23
        "A003870101"    // A0 { 87 }
        "A116"
        "8809011111111111111111"
        "8809022222222222222222"  // A1 { 88, 88 }
        "A203870102"              // A2 { 87 }
        "A30C"
        "8602CCCC"
        "8602DDDD"
        "8602EEEE");  // A3 { 86, 86, 86 }
  const BoundProfilePackageCommands c = split_bound_profile_package(bpp);
  std::vector<std::string> hex;
  for (const Bytes& b : c.commands) hex.push_back(to_hex(b));
  EXPECT_THAT(
      hex, ::testing::ElementsAre("BF3636BF2303800101", "A003870101", "A116",
                                  "8809011111111111111111", "8809022222222222222222", "A203870102",
                                  "A30C", "8602CCCC", "8602DDDD", "8602EEEE"));
  EXPECT_EQ(c.profile_segments, 3u);
  EXPECT_EQ(c.transaction_id, h("01"));
  EXPECT_EQ(c.store_metadata, h("0102"));  // the 88 contents without their 8-byte MACs
}

TEST(DownloadCodec, SplitWithoutReplaceSessionKeys) {
  const Bytes bpp =
      h("BF361E"
        "BF2303800101"
        "A003870101"
        "A10B8809011111111111111111"
        "A3048602CCCC");
  EXPECT_EQ(split_bound_profile_package(bpp).commands.size(), 6u);
}

TEST(DownloadCodec, SplitRefusesBrokenStructures) {
  // A3 before A1; an 87 inside A1; no A3; trailing extra TLV; 88 shorter than a MAC.
  for (const char* bad : {"BF361EBF2303800101A003870101A3048602CCCCA10B8809011111111111111111",
                          "BF3616BF2303800101A003870101A103870111A3048602CCCC",
                          "BF3618BF2303800101A003870101A10B8809011111111111111111",
                          "BF3620BF2303800101A003870101A10B8809011111111111111111A3048602CCCC8000",
                          "BF3617BF2303800101A003870101A10488020101A3048602CCCC"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(code_of([&] { split_bound_profile_package(h(bad)); }), Errc::Malformed);
  }
}

TEST(DownloadCodec, SplitsTheFakeServersBpp) {
  const Bpp b = make_bpp();
  const auto c = split_bound_profile_package(b.bpp);
  ASSERT_EQ(c.commands.size(), 10u);
  Bytes first = tlv::header(0xBF36, b.bpp.size() - 5);  // BF36 82 LL LL
  append(first, b.bf23);
  EXPECT_EQ(c.commands[0], first);
  EXPECT_EQ(c.commands[1], b.a0);  // one 87: header + 87 is the whole A0
  EXPECT_EQ(c.commands[2], tlv::header(0xA1, b.a1.size() - 2));
  EXPECT_EQ(c.commands[3], b.s88[0]);
  EXPECT_EQ(c.commands[4], b.s88[1]);
  EXPECT_EQ(c.commands[5], b.a2);
  EXPECT_EQ(c.commands[6], tlv::header(0xA3, b.a3.size() - 4));
  EXPECT_EQ(c.commands[7], b.s86[0]);
  EXPECT_EQ(c.commands[9], b.s86[2]);
  EXPECT_EQ(c.store_metadata, metadata_bf25());
}

TEST(DownloadCodec, ProfileInstallationResultSuccess) {
  const Bytes der = pir(5, true);
  const ProfileInstallationResult r = decode_profile_installation_result(der);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.isdp_aid, kIsdpAid);
  EXPECT_EQ(r.transaction_id, kTxid);
  EXPECT_EQ(r.notification.seq_number, 5u);
  EXPECT_EQ(r.notification.operation, NotificationEvent::Install);
  EXPECT_EQ(r.notification.iccid, kIccid);
  EXPECT_EQ(r.der, der);
}

TEST(DownloadCodec, ProfileInstallationResultErrorsAreNamed) {
  const auto r = decode_profile_installation_result(pir(5, false, 5, 10));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.bpp_command_id, 5u);
  EXPECT_EQ(r.error_reason, 10u);
  const Error e = profile_installation_error(r);
  EXPECT_EQ(e.code(), Errc::NoMemory);
  EXPECT_THAT(e.what(), HasSubstr("installFailedDueToInsufficientMemoryForProfile"));
  EXPECT_THAT(e.what(), HasSubstr("loadProfileElements"));
  EXPECT_THAT(e.what(), HasSubstr("not enough free memory"));

  const Error exists =
      profile_installation_error(decode_profile_installation_result(pir(5, false, 2, 9)));
  EXPECT_EQ(exists.code(), Errc::WrongState);
  EXPECT_THAT(exists.what(), HasSubstr("already on the eUICC"));
  EXPECT_THAT(exists.what(), HasSubstr("storeMetadata"));

  // Every listed reason has its name and words; an unlisted one still says its number.
  for (uint64_t reason : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 31, 32, 127}) {
    EXPECT_STRNE(install_error_reason_name(reason), "unknown error reason") << reason;
  }
  EXPECT_THAT(
      profile_installation_error(decode_profile_installation_result(pir(5, false, 1, 77))).what(),
      HasSubstr("errorReason 77"));
}

TEST(HashCc, MatchesTheCryptoLibraryAndBindsTheTransaction) {
  const Bytes a = compute_hash_cc("1234", kTxid);
  // SHA-256(SHA-256("1234") ‖ kTxid), computed independently with Python hashlib.
  EXPECT_EQ(to_hex(a), "1BBFAAE6D38DEEAD8E3E28F92FA6E100C59B85260430D857271685165927CC5F");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, compute_hash_cc("1234", h("00")));
  EXPECT_NE(a, compute_hash_cc("1235", kTxid));
  // SHA-256(SHA-256("") ‖ "") = SHA-256 of the 32-byte empty-string digest.
  EXPECT_EQ(to_hex(compute_hash_cc("", {})),
            "5DF6E0E2761359D30A8275058E299FCC0381534545F55CF43E41983F5D4C9456");
}

}  // namespace
