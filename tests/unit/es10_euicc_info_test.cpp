// ES10b GetEUICCInfo1/2, GetEUICCChallenge and GetRAT. Expected bytes are derived by hand from
// the SGP.22 ASN.1 (RSPDefinitions v2.2.2/v2.5) in the comment above each test, and from a
// production card transcript (lpac issue #143) — not produced by our encoder.
#include <gtest/gtest.h>

#include <functional>

#include "base/error.h"
#include "lpa/es10_codec.h"
#include "test_bytes.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::testing::ascii;
using euiccd::testing::code_of;
using euiccd::testing::h;

namespace {

// SubjectKeyIdentifiers of GSMA CI roots (checked against ../shared/reference/ci-certs):
// the production CI used by lpac #143's card, and the SGP.26 test CIs (brainpool, NIST).
constexpr std::string_view kGsmaCi1 = "81370F5125D0B1D408D4C3B232E6D25E795BEBFB";
constexpr std::string_view kTestCiBrainpool = "C0BC70BA36929D43B467FF57570530E57AB8FCD8";
constexpr std::string_view kTestCiNist = "F54172BDF98A95D65CBEB88A38A1C11D800A85C3";

}  // namespace

// Empty SEQUENCEs with application-class context tags [32], [34], [46], [67].
TEST(Es10EuiccInfo, Requests) {
  EXPECT_EQ(encode_get_euicc_info1_request(), h("BF20 00"));
  EXPECT_EQ(encode_get_euicc_info2_request(), h("BF22 00"));
  EXPECT_EQ(encode_get_euicc_challenge_request(), h("BF2E 00"));
  EXPECT_EQ(encode_get_rat_request(), h("BF43 00"));
}

// lpac #143 (production eUICC): BF20 35 { 82 03 020300, A9 16 { 04 14 <CI1> }, AA 16 { 04 14
// <CI1> } }: 5 + 24 + 24 = 53 = 0x35.
TEST(Es10EuiccInfo, Info1FromProductionCard) {
  EuiccInfo1 info =
      decode_euicc_info1(h("BF20 35 82 03 02 03 00 A9 16 04 14" + std::string(kGsmaCi1) +
                           "AA 16 04 14" + std::string(kGsmaCi1)));
  EXPECT_EQ(info.svn, h("020300"));
  ASSERT_EQ(info.ci_pkid_verification.size(), 1U);
  EXPECT_EQ(info.ci_pkid_verification[0], h(kGsmaCi1));
  ASSERT_EQ(info.ci_pkid_signing.size(), 1U);
  EXPECT_EQ(info.ci_pkid_signing[0], h(kGsmaCi1));
}

// Two test CIs for verification, one for signing: A9 2C (2 × 22), AA 16 → 5 + 46 + 24 = 75.
TEST(Es10EuiccInfo, Info1WithTwoCis) {
  EuiccInfo1 info = decode_euicc_info1(
      h("BF20 4B 82 03 02 02 02 A9 2C 04 14" + std::string(kTestCiBrainpool) + "04 14" +
        std::string(kTestCiNist) + "AA 16 04 14" + std::string(kTestCiNist)));
  ASSERT_EQ(info.ci_pkid_verification.size(), 2U);
  EXPECT_EQ(info.ci_pkid_verification[1], h(kTestCiNist));
  EXPECT_EQ(info.ci_pkid_signing.at(0), h(kTestCiNist));
}

TEST(Es10EuiccInfo, Info1Malformed) {
  auto malformed = [](const std::string& hex) {
    return code_of([&] { decode_euicc_info1(h(hex)); });
  };
  // Signing list missing: BF20 1D { 82 03, A9 16 }.
  EXPECT_EQ(malformed("BF20 1D 82 03 02 03 00 A9 16 04 14" + std::string(kGsmaCi1)),
            Errc::Malformed);
  // Verification list entry is not an OCTET STRING (05 instead of 04).
  EXPECT_EQ(malformed("BF20 0B 82 03 02 03 00 A9 02 05 00 AA 00"), Errc::Malformed);
  // svn of 2 bytes.
  EXPECT_EQ(malformed("BF20 08 82 02 02 03 A9 00 AA 00"), Errc::Malformed);
  // Wrong outer tag, truncation.
  EXPECT_EQ(malformed("BF22 09 82 03 02 03 00 A9 00 AA 00"), Errc::Malformed);
  EXPECT_EQ(malformed("BF20 35 82 03 02 03 00 A9 16 04 14"), Errc::Malformed);
}

// EUICCInfo2, every field plus two v2.5 fields this code does not read (whole TLV sizes):
//   81 03 020300 [5]  82 03 020202 [5]  83 03 040200 [5]
//   84 0C { 81 01 05, 82 03 01E240, 83 02 3A98 } [14]  (5 apps, 123456 / 15000 bytes free)
//   85 02 03 68 [4]  (uiccCapability bits 1 usim, 2 isim, 4 milenage)
//   86 03 090200 [5]  87 03 020300 [5]  88 02 04 90 [4]  (additionalProfile, testProfile)
//   A9 16 {04 14 CI1} [24]  AA 16 {04 14 CI1} [24]  8B 01 02 [3]  (mediumEuicc)
//   99 02 06 40 [4]  (ppr1 forbidden)  04 03 000000 [5]  (ppVersion, universal OCTET STRING)
//   0C 0D "GI-BA-UP-0419" [15]  (sasAcreditationNumber, universal UTF8String)
//   AC 1B { 80 0A "PlatformX1", 81 0D "https://x.org" } [29]
//   8D 02 06 40 [4] (treProperties)  8E 04 "ABCD" [6] (treProductReference)
// = 161 = 0xA1 → BF22 81 A1.
TEST(Es10EuiccInfo, Info2AllFields) {
  std::string hex =
      "BF22 81 A1 81 03 020300 82 03 020202 83 03 040200"
      " 84 0C 81 01 05 82 03 01E240 83 02 3A98 85 02 03 68 86 03 090200"
      " 87 03 020300 88 02 04 90 A9 16 04 14" +
      std::string(kGsmaCi1) + "AA 16 04 14" + std::string(kGsmaCi1) +
      "8B 01 02 99 02 06 40 04 03 000000 0C 0D" + ascii("GI-BA-UP-0419") + "AC 1B 80 0A" +
      ascii("PlatformX1") + "81 0D" + ascii("https://x.org") + "8D 02 06 40 8E 04" + ascii("ABCD");
  EuiccInfo2 info = decode_euicc_info2(h(hex));
  EXPECT_EQ(info.profile_version, h("020300"));
  EXPECT_EQ(info.svn, h("020202"));
  EXPECT_EQ(info.firmware_version, h("040200"));
  EXPECT_EQ(info.ext_card_resource_raw, h("81 01 05 82 03 01E240 83 02 3A98"));
  EXPECT_EQ(info.ext_card_resource.installed_apps, 5U);
  EXPECT_EQ(info.ext_card_resource.free_nvm, 123456U);
  EXPECT_EQ(info.ext_card_resource.free_ram, 15000U);
  EXPECT_EQ(info.uicc_capability.mask, 0b10110U);
  EXPECT_EQ(info.ts102241_version, h("090200"));
  EXPECT_EQ(info.gp_version, h("020300"));
  EXPECT_TRUE(info.rsp_capability.has(RspCapability::AdditionalProfile));
  EXPECT_TRUE(info.rsp_capability.has(RspCapability::TestProfileSupport));
  EXPECT_FALSE(info.rsp_capability.has(RspCapability::CrlSupport));
  EXPECT_EQ(info.ci_pkid_verification, std::vector<Bytes>{h(kGsmaCi1)});
  EXPECT_EQ(info.ci_pkid_signing, std::vector<Bytes>{h(kGsmaCi1)});
  EXPECT_EQ(info.euicc_category, 2U);
  ASSERT_TRUE(info.forbidden_ppr);
  EXPECT_TRUE(info.forbidden_ppr->has(Ppr::Ppr1DisableNotAllowed));
  EXPECT_EQ(info.pp_version, h("000000"));
  EXPECT_EQ(info.sas_accreditation_number, "GI-BA-UP-0419");
  EXPECT_EQ(info.platform_label, "PlatformX1");
  EXPECT_EQ(info.discovery_base_url, "https://x.org");
}

// Only the mandatory fields: 81, 82, 83 [5 each], 84 00 [2], 85 01 00 [3], 88 01 00 [3],
// A9 00, AA 00 [2 each], 04 03 000000 [5], 0C 00 [2] = 34 = 0x22.
TEST(Es10EuiccInfo, Info2MandatoryOnly) {
  EuiccInfo2 info = decode_euicc_info2(
      h("BF22 22 81 03 020300 82 03 020202 83 03 040200 84 00 85 01 00 88 01 00 A9 00 AA 00"
        " 04 03 000000 0C 00"));
  EXPECT_FALSE(info.ts102241_version);
  EXPECT_FALSE(info.euicc_category);
  EXPECT_FALSE(info.forbidden_ppr);
  EXPECT_FALSE(info.platform_label);
  EXPECT_FALSE(info.ext_card_resource.free_nvm);
  EXPECT_TRUE(info.rsp_capability.empty());
  EXPECT_TRUE(info.ci_pkid_verification.empty());
}

TEST(Es10EuiccInfo, Info2Malformed) {
  auto malformed = [](std::string_view hex) {
    return code_of([&] { decode_euicc_info2(h(hex)); });
  };
  // sasAcreditationNumber (0C) missing: 34 - 2 = 32 = 0x20.
  EXPECT_EQ(malformed("BF22 20 81 03 020300 82 03 020202 83 03 040200 84 00 85 01 00 88 01 00"
                      " A9 00 AA 00 04 03 000000"),
            Errc::Malformed);
  // ppVersion sent as 84-style context tag instead of 04 → missing.
  EXPECT_EQ(malformed("BF22 22 81 03 020300 82 03 020202 83 03 040200 84 00 85 01 00 88 01 00"
                      " A9 00 AA 00 8F 03 000000 0C 00"),
            Errc::Malformed);
  // rspCapability BIT STRING with 9 unused bits.
  EXPECT_EQ(malformed("BF22 22 81 03 020300 82 03 020202 83 03 040200 84 00 85 01 00 88 01 09"
                      " A9 00 AA 00 04 03 000000 0C 00"),
            Errc::Malformed);
  // extCardResource content that is not TLV.
  EXPECT_EQ(malformed("BF22 23 81 03 020300 82 03 020202 83 03 040200 84 01 81 85 01 00 88 01 00"
                      " A9 00 AA 00 04 03 000000 0C 00"),
            Errc::Malformed);
  EXPECT_EQ(malformed("BF20 00"), Errc::Malformed);
  EXPECT_EQ(malformed("BF22 22 81 03"), Errc::Malformed);
}

// GetEuiccChallengeResponse [46] { euiccChallenge Octet16 → 80 } → BF2E 12 80 10 <16>
TEST(Es10Challenge, Response) {
  EXPECT_EQ(
      decode_get_euicc_challenge_response(h("BF2E 12 80 10 000102030405060708090A0B0C0D0E0F")),
      h("000102030405060708090A0B0C0D0E0F"));
  EXPECT_EQ(
      code_of([] {
        decode_get_euicc_challenge_response(h("BF2E 11 80 0F 000102030405060708090A0B0C0D0E"));
      }),
      Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_get_euicc_challenge_response(h("BF2E 00")); }), Errc::Malformed);
}

// GetRatResponse [67] { rat SEQUENCE OF ProfilePolicyAuthorisationRule → A0 }, each rule
// 30 { pprIds → 80, allowedOperators → A1 { 30 OperatorId {80, 81, 82} }, pprFlags → 82 }:
//   rule 1: 80 02 06 40 (ppr1) [4], A1 11 { 30 05 {80 03 02F660} [7], 30 08 {80 03 130014,
//           81 01 01} [10] } [19], 82 02 07 80 (consentRequired) [4] → 30 1B [29]
//   rule 2: 80 02 05 20 (ppr2) [4], A1 00 [2], 82 01 00 [3] → 30 09 [11]
// A0 28 (40), BF43 2A.
TEST(Es10Rat, Response) {
  auto rules = decode_get_rat_response(
      h("BF43 2A A0 28 30 1B 80 02 06 40 A1 11 30 05 80 03 02F660 30 08 80 03 130014 81 01 01"
        " 82 02 07 80 30 09 80 02 05 20 A1 00 82 01 00"));
  ASSERT_EQ(rules.size(), 2U);
  EXPECT_TRUE(rules[0].ppr_ids.has(Ppr::Ppr1DisableNotAllowed));
  ASSERT_EQ(rules[0].allowed_operators.size(), 2U);
  EXPECT_EQ(rules[0].allowed_operators[0].mcc_mnc, "20606");
  EXPECT_EQ(rules[0].allowed_operators[1].mcc_mnc, "310410");
  EXPECT_EQ(rules[0].allowed_operators[1].gid1, h("01"));
  EXPECT_TRUE(rules[0].consent_required);
  EXPECT_TRUE(rules[1].ppr_ids.has(Ppr::Ppr2DeleteNotAllowed));
  EXPECT_TRUE(rules[1].allowed_operators.empty());
  EXPECT_FALSE(rules[1].consent_required);
  EXPECT_TRUE(decode_get_rat_response(h("BF43 02 A0 00")).empty());
}

// RAT operators may use 'E' wildcards: 30 05 { 80 03 62 FE E0 } = 26E / 0E. The rule is
// 80 02 06 40 [4] + A1 07 {...} [9] + 82 01 00 [3] = 16 → 30 10; A0 12; BF43 14.
TEST(Es10Rat, WildcardOperator) {
  auto rules = decode_get_rat_response(
      h("BF43 14 A0 12 30 10 80 02 06 40 A1 07 30 05 80 03 62FEE0 82 01 00"));
  ASSERT_EQ(rules.size(), 1U);
  EXPECT_EQ(rules[0].allowed_operators.at(0).mcc_mnc, "26E0E");
}

TEST(Es10Rat, Malformed) {
  auto malformed = [](std::string_view hex) {
    return code_of([&] { decode_get_rat_response(h(hex)); });
  };
  EXPECT_EQ(malformed("BF43 00"), Errc::Malformed);                                      // no A0
  EXPECT_EQ(malformed("BF43 0B A0 09 31 07 80 01 00 A1 00 82 01 00"), Errc::Malformed);  // 31
  EXPECT_EQ(malformed("BF43 09 A0 07 30 05 80 01 00 A1 00"), Errc::Malformed);  // no pprFlags
  EXPECT_EQ(malformed("BF43 0E A0 0C 30 0A 80 01 00 A1 02 04 00 82 01 00"), Errc::Malformed);
  EXPECT_EQ(malformed("BF42 02 A0 00"), Errc::Malformed);
}
