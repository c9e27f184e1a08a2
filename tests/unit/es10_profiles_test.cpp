// ES10c messages: GetEID, GetProfilesInfo, Enable/Disable/DeleteProfile, SetNickname and
// eUICCMemoryReset. Every expected byte string is derived by hand from the SGP.22 ASN.1
// (RSPDefinitions v2.2.2/v2.5, AUTOMATIC TAGS) in the comment above it; none is produced by
// our encoder.
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

// ICCIDs in EF.ICCID coding: digit pairs swapped, F-padded to 10 bytes.
constexpr std::string_view kIccid19 = "8944476500001224158";
constexpr std::string_view kIccid19Bcd = "98 44 74 56 00 00 21 42 51 F8";
constexpr std::string_view kIccid18 = "894447650000122415";
constexpr std::string_view kIccid18Bcd = "98 44 74 56 00 00 21 42 51 FF";
constexpr std::string_view kIccid20 = "89444765000012241587";
constexpr std::string_view kIccid20Bcd = "98 44 74 56 00 00 21 42 51 78";
constexpr std::string_view kAid = "A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 11 00";

}  // namespace

// ---- GetEID --------------------------------------------------------------------------------

// GetEuiccDataRequest [62] { tagList [APPLICATION 28] = '5A' } → BF3E 03 5C 01 5A
TEST(Es10GetEid, Request) {
  EXPECT_EQ(encode_get_eid_request(), h("BF3E 03 5C 01 5A"));
}

// GetEuiccDataResponse [62] { eidValue [APPLICATION 26] Octet16 } → BF3E 12 5A 10 <EID>
TEST(Es10GetEid, Response) {
  EXPECT_EQ(decode_get_eid_response(h("BF3E 12 5A 10 89049032123451234512345678901235")),
            "89049032123451234512345678901235");
}

TEST(Es10GetEid, MalformedResponses) {
  EXPECT_EQ(
      code_of([] { decode_get_eid_response(h("BF3E 11 5A 0F 890490321234512345123456789012")); }),
      Errc::Malformed);  // 15-byte EID
  EXPECT_EQ(
      code_of([] { decode_get_eid_response(h("BF3F 12 5A 10 89049032123451234512345678901235")); }),
      Errc::Malformed);  // wrong outer tag
  EXPECT_EQ(code_of([] { decode_get_eid_response(h("BF3E 12 5A 10 8904903212345123")); }),
            Errc::Malformed);  // truncated
  EXPECT_EQ(code_of([] { decode_get_eid_response(h("BF3E 00")); }), Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_get_eid_response({}); }), Errc::Malformed);
}

// ---- GetProfilesInfo request -----------------------------------------------------------------

// ProfileInfoListRequest [45] { tagList [APPLICATION 28] }: 14 tag bytes
// 5A 4F 9F70 90 91 92 93 94 95 B6 B7 B8 99 → 5C 0E ..., outer length 2 + 14 = 0x10.
TEST(Es10GetProfilesInfo, DefaultRequestAsksForEveryField) {
  EXPECT_EQ(encode_get_profiles_info_request(std::nullopt),
            h("BF2D 10 5C 0E 5A 4F 9F 70 90 91 92 93 94 95 B6 B7 B8 99"));
}

TEST(Es10GetProfilesInfo, RequestWithoutTagList) {
  EXPECT_EQ(encode_get_profiles_info_request(std::nullopt, std::nullopt), h("BF2D 00"));
}

// searchCriteria [0] CHOICE (explicit → A0) { iccid 5A 0A ... }: A0 0C 5A 0A <10>, outer 0x0E;
// with the default tag list 0x0E + 0x10 = 0x1E.
TEST(Es10GetProfilesInfo, RequestByIccid) {
  auto id = ProfileIdentifier::from_iccid(kIccid19);
  EXPECT_EQ(encode_get_profiles_info_request(ProfileSearchCriteria{id}, std::nullopt),
            h("BF2D 0E A0 0C 5A 0A " + std::string(kIccid19Bcd)));
  EXPECT_EQ(encode_get_profiles_info_request(ProfileSearchCriteria{id}),
            h("BF2D 1E A0 0C 5A 0A " + std::string(kIccid19Bcd) +
              " 5C 0E 5A 4F 9F 70 90 91 92 93 94 95 B6 B7 B8 99"));
}

// isdpAid [APPLICATION 15] → 4F 10 <16>; A0 12; outer 0x14.
TEST(Es10GetProfilesInfo, RequestByAidAndByClass) {
  auto aid = ProfileIdentifier::from_isdp_aid(h(kAid));
  EXPECT_EQ(encode_get_profiles_info_request(ProfileSearchCriteria{aid}, std::nullopt),
            h("BF2D 14 A0 12 4F 10 " + std::string(kAid)));
  // profileClass [21] operational(2) → 95 01 02
  EXPECT_EQ(encode_get_profiles_info_request(ProfileSearchCriteria{ProfileClass::Operational},
                                             std::nullopt),
            h("BF2D 05 A0 03 95 01 02"));
}

// ---- GetProfilesInfo response ----------------------------------------------------------------

// The StoreMetadata example of the digest (mode51 trace) as a ProfileInfo:
// E3 2D { 5A 0A 98 00 10 32 54 76 98 10 32 14, 91 09 "GSMA_TEST", 92 11 "GSMA_TEST_PROFILE",
// 95 01 00 }, 12 + 11 + 19 + 3 = 45 = 0x2D; in A0 2F; BF2D 31.
TEST(Es10GetProfilesInfo, DigestExampleProfile) {
  Bytes response = h("BF2D 31 A0 2F E3 2D 5A 0A 98 00 10 32 54 76 98 10 32 14 91 09" +
                     ascii("GSMA_TEST") + "92 11" + ascii("GSMA_TEST_PROFILE") + "95 01 00");
  auto profiles = decode_get_profiles_info_response(response);
  ASSERT_EQ(profiles.size(), 1U);
  const ProfileInfo& p = profiles[0];
  EXPECT_EQ(p.iccid, "89000123456789012341");
  EXPECT_EQ(p.service_provider_name, "GSMA_TEST");
  EXPECT_EQ(p.profile_name, "GSMA_TEST_PROFILE");
  EXPECT_EQ(p.profile_class, ProfileClass::Test);
  EXPECT_FALSE(p.state);
  EXPECT_TRUE(p.isdp_aid.empty());
  EXPECT_TRUE(p.notification_configuration.empty());
  EXPECT_FALSE(p.profile_owner);
}

// Every field (lengths in brackets are whole TLVs):
//   5A 0A <19-digit ICCID> [12]   4F 10 <AID> [18]   9F70 01 01 enabled [4]
//   90 04 "Work" [6]   91 08 "Operator" [10]   92 07 "Plan 5G" [9]   93 01 01 png [3]
//   94 04 89504E47 [6]   95 01 02 operational [3]
//   B6 1E { 30 0D { 80 02 06 40 enable, 81 07 "dp.test" }, 30 0D { 80 02 04 10 delete, 81 07
//          "dp.test" } } [32]
//   B7 0B { 80 03 02F660 (206/06), 81 01 AA, 82 01 BB } [13]
//   B8 0A { 06 08 2B06010401823701 } [12]   99 02 06 40 ppr1 [4]   BF76 00 (unknown) [3]
// = 135 = 0x87 → E3 81 87; A0 81 8A; BF2D 81 8D.
TEST(Es10GetProfilesInfo, EveryField) {
  std::string e3 = "E3 81 87 5A 0A " + std::string(kIccid19Bcd) + " 4F 10 " + std::string(kAid) +
                   " 9F70 01 01 90 04" + ascii("Work") + "91 08" + ascii("Operator") + "92 07" +
                   ascii("Plan 5G") + "93 01 01 94 04 89504E47 95 01 02" +
                   " B6 1E 30 0D 80 02 06 40 81 07" + ascii("dp.test") + "30 0D 80 02 04 10 81 07" +
                   ascii("dp.test") + " B7 0B 80 03 02F660 81 01 AA 82 01 BB" +
                   " B8 0A 06 08 2B06010401823701" + " 99 02 06 40 BF76 00";
  auto profiles = decode_get_profiles_info_response(h("BF2D 81 8D A0 81 8A " + e3));
  ASSERT_EQ(profiles.size(), 1U);
  const ProfileInfo& p = profiles[0];
  EXPECT_EQ(p.iccid, kIccid19);
  EXPECT_EQ(p.isdp_aid, h(kAid));
  EXPECT_EQ(p.state, ProfileState::Enabled);
  EXPECT_EQ(p.nickname, "Work");
  EXPECT_EQ(p.service_provider_name, "Operator");
  EXPECT_EQ(p.profile_name, "Plan 5G");
  EXPECT_EQ(p.icon_type, IconType::Png);
  EXPECT_EQ(p.icon, h("89504E47"));
  EXPECT_EQ(p.profile_class, ProfileClass::Operational);
  ASSERT_EQ(p.notification_configuration.size(), 2U);
  EXPECT_TRUE(p.notification_configuration[0].events.has(NotificationEvent::Enable));
  EXPECT_FALSE(p.notification_configuration[0].events.has(NotificationEvent::Install));
  EXPECT_EQ(p.notification_configuration[0].address, "dp.test");
  EXPECT_EQ(p.notification_configuration[1].events,
            NotificationEvents{}.set(NotificationEvent::Delete));
  ASSERT_TRUE(p.profile_owner);
  EXPECT_EQ(p.profile_owner->mcc_mnc, "20606");
  EXPECT_EQ(p.profile_owner->gid1, h("AA"));
  EXPECT_EQ(p.profile_owner->gid2, h("BB"));
  EXPECT_EQ(p.dp_proprietary_data, h("B8 0A 06 08 2B06010401823701"));
  ASSERT_TRUE(p.profile_policy_rules);
  EXPECT_TRUE(p.profile_policy_rules->has(Ppr::Ppr1DisableNotAllowed));
  EXPECT_FALSE(p.profile_policy_rules->has(Ppr::Ppr2DeleteNotAllowed));
}

// Two profiles with 18- and 20-digit ICCIDs and the basic state field:
// E3 10 { 5A 0A <bcd>, 9F70 01 00 } twice; A0 24; BF2D 26. Also an empty list: BF2D 02 A0 00.
TEST(Es10GetProfilesInfo, ShortAndLongIccids) {
  auto profiles = decode_get_profiles_info_response(
      h("BF2D 26 A0 24 E3 10 5A 0A " + std::string(kIccid18Bcd) + " 9F70 01 00 E3 10 5A 0A " +
        std::string(kIccid20Bcd) + " 9F70 01 01"));
  ASSERT_EQ(profiles.size(), 2U);
  EXPECT_EQ(profiles[0].iccid, kIccid18);
  EXPECT_EQ(profiles[0].state, ProfileState::Disabled);
  EXPECT_EQ(profiles[1].iccid, kIccid20);
  EXPECT_EQ(profiles[1].state, ProfileState::Enabled);
  EXPECT_TRUE(decode_get_profiles_info_response(h("BF2D 02 A0 00")).empty());
}

// profileInfoListError (untagged second alternative) → 81: incorrectInputValues 1,
// undefinedError 127.
TEST(Es10GetProfilesInfo, ErrorAlternative) {
  EXPECT_EQ(code_of([] { decode_get_profiles_info_response(h("BF2D 03 81 01 01")); }),
            Errc::InvalidArgument);
  EXPECT_EQ(code_of([] { decode_get_profiles_info_response(h("BF2D 03 81 01 7F")); }),
            Errc::CardError);
}

TEST(Es10GetProfilesInfo, MalformedResponses) {
  auto malformed = [](std::string_view hex) {
    return code_of([&] { decode_get_profiles_info_response(h(hex)); });
  };
  EXPECT_EQ(malformed("BF2E 02 A0 00"), Errc::Malformed);                       // wrong outer tag
  EXPECT_EQ(malformed("BF2D 00"), Errc::Malformed);                             // no choice at all
  EXPECT_EQ(malformed("BF2D 02 81 00"), Errc::Malformed);                       // empty error code
  EXPECT_EQ(malformed("BF2D 05 A0 03 E2 01 00"), Errc::Malformed);              // not a ProfileInfo
  EXPECT_EQ(malformed("BF2D 06 A0 04 E3 02 5A 05"), Errc::Malformed);           // truncated field
  EXPECT_EQ(malformed("BF2D 08 A0 06 E3 04 9F70 01 05"), Errc::Malformed);      // state 5
  EXPECT_EQ(malformed("BF2D 07 A0 05 E3 03 95 01 07"), Errc::Malformed);        // class 7
  EXPECT_EQ(malformed("BF2D 09 A0 07 E3 05 5A 03 98 44 74"), Errc::Malformed);  // short ICCID
  EXPECT_EQ(malformed("BF2D 09 A0 07 E3 05 B7 03 81 01 AA"), Errc::Malformed);  // no mccMnc
  EXPECT_EQ(malformed("BF2D 0B A0 09 E3 07 B6 05 31 03 80 01 00"), Errc::Malformed);  // not 30
  EXPECT_EQ(malformed("BF2D 31 A0 2F E3 2D 5A 0A"), Errc::Malformed);                 // truncated
}

// ---- EnableProfile / DisableProfile ----------------------------------------------------------

// EnableProfileRequest [49] { profileIdentifier CHOICE → A0, refreshFlag BOOLEAN → 81 }:
// BF31 11 { A0 0C { 5A 0A <bcd> }, 81 01 FF }  (14 + 3 = 17 = 0x11)
TEST(Es10EnableProfile, RequestsForEachIccidLength) {
  EXPECT_EQ(encode_enable_profile_request(ProfileIdentifier::from_iccid(kIccid19), true),
            h("BF31 11 A0 0C 5A 0A " + std::string(kIccid19Bcd) + " 81 01 FF"));
  EXPECT_EQ(encode_enable_profile_request(ProfileIdentifier::from_iccid(kIccid18), false),
            h("BF31 11 A0 0C 5A 0A " + std::string(kIccid18Bcd) + " 81 01 00"));
  EXPECT_EQ(encode_enable_profile_request(ProfileIdentifier::from_iccid(kIccid20), true),
            h("BF31 11 A0 0C 5A 0A " + std::string(kIccid20Bcd) + " 81 01 FF"));
}

// By AID: A0 12 { 4F 10 <16> }, 81 01 FF → 20 + 3 = 23 = 0x17.
TEST(Es10EnableProfile, RequestByAid) {
  EXPECT_EQ(encode_enable_profile_request(ProfileIdentifier::from_isdp_aid(h(kAid)), true),
            h("BF31 17 A0 12 4F 10 " + std::string(kAid) + " 81 01 FF"));
}

// EnableProfileResponse [49] { enableResult INTEGER → 80 }
TEST(Es10EnableProfile, Response) {
  EXPECT_EQ(decode_enable_profile_response(h("BF31 03 80 01 00")), 0U);
  EXPECT_EQ(decode_enable_profile_response(h("BF31 03 80 01 02")), 2U);
  EXPECT_EQ(decode_enable_profile_response(h("BF31 03 80 01 7F")), 127U);
  EXPECT_EQ(code_of([] { decode_enable_profile_response(h("BF32 03 80 01 00")); }),
            Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_enable_profile_response(h("BF31 00")); }), Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_enable_profile_response(h("BF31 03 80 01")); }), Errc::Malformed);
}

TEST(Es10EnableProfile, InvalidIdentifiers) {
  EXPECT_EQ(code_of([] { ProfileIdentifier::from_iccid("89444"); }), Errc::InvalidArgument);
  EXPECT_EQ(code_of([] { ProfileIdentifier::from_iccid("89444765000012241X"); }),
            Errc::InvalidArgument);
  EXPECT_EQ(code_of([] { ProfileIdentifier::from_isdp_aid({}); }), Errc::InvalidArgument);
  EXPECT_EQ(code_of([] { ProfileIdentifier::from_isdp_aid(Bytes(17, 0xA0)); }),
            Errc::InvalidArgument);
}

// DisableProfileRequest has the same shape under [50] = BF32.
TEST(Es10DisableProfile, RequestAndResponse) {
  EXPECT_EQ(encode_disable_profile_request(ProfileIdentifier::from_iccid(kIccid19), true),
            h("BF32 11 A0 0C 5A 0A " + std::string(kIccid19Bcd) + " 81 01 FF"));
  EXPECT_EQ(encode_disable_profile_request(ProfileIdentifier::from_isdp_aid(h(kAid)), false),
            h("BF32 17 A0 12 4F 10 " + std::string(kAid) + " 81 01 00"));
  EXPECT_EQ(decode_disable_profile_response(h("BF32 03 80 01 05")), 5U);
  EXPECT_EQ(code_of([] { decode_disable_profile_response(h("BF31 03 80 01 00")); }),
            Errc::Malformed);
}

// ---- DeleteProfile -------------------------------------------------------------------------

// DeleteProfileRequest ::= [51] CHOICE: the identifier sits directly in BF33, no A0.
TEST(Es10DeleteProfile, RequestHasNoA0) {
  EXPECT_EQ(encode_delete_profile_request(ProfileIdentifier::from_iccid(kIccid19)),
            h("BF33 0C 5A 0A " + std::string(kIccid19Bcd)));
  EXPECT_EQ(encode_delete_profile_request(ProfileIdentifier::from_iccid(kIccid18)),
            h("BF33 0C 5A 0A " + std::string(kIccid18Bcd)));
  EXPECT_EQ(encode_delete_profile_request(ProfileIdentifier::from_isdp_aid(h(kAid))),
            h("BF33 12 4F 10 " + std::string(kAid)));
}

TEST(Es10DeleteProfile, Response) {
  EXPECT_EQ(decode_delete_profile_response(h("BF33 03 80 01 03")), 3U);
  EXPECT_EQ(code_of([] { decode_delete_profile_response(h("BF33 03 81 01 00")); }),
            Errc::Malformed);  // result in the wrong tag
}

// ---- SetNickname ---------------------------------------------------------------------------

// SetNicknameRequest [41] { iccid 5A, profileNickname [16] → 90 }: 12 + 6 = 18 = 0x12.
TEST(Es10SetNickname, Request) {
  EXPECT_EQ(encode_set_nickname_request(kIccid19, "Work"),
            h("BF29 12 5A 0A " + std::string(kIccid19Bcd) + " 90 04" + ascii("Work")));
  EXPECT_EQ(encode_set_nickname_request(kIccid20, ""),
            h("BF29 0E 5A 0A " + std::string(kIccid20Bcd) + " 90 00"));
}

// 64 bytes is the maximum: 12 + 2 + 64 = 78 = 0x4E.
TEST(Es10SetNickname, LengthAndUtf8Limits) {
  std::string longest(64, 'n');
  EXPECT_EQ(encode_set_nickname_request(kIccid19, longest),
            h("BF29 4E 5A 0A " + std::string(kIccid19Bcd) + " 90 40" + ascii(longest)));
  EXPECT_EQ(code_of([] { encode_set_nickname_request(kIccid19, std::string(65, 'n')); }),
            Errc::InvalidArgument);
  // 32 two-byte characters = 64 bytes is fine; 33 are not.
  std::string accents;
  for (int i = 0; i < 32; ++i) accents += "\xC3\xA9";
  EXPECT_NO_THROW(encode_set_nickname_request(kIccid19, accents));
  EXPECT_EQ(code_of([&] { encode_set_nickname_request(kIccid19, accents + "\xC3\xA9"); }),
            Errc::InvalidArgument);
  EXPECT_EQ(code_of([] { encode_set_nickname_request(kIccid19, "bad\xFF"); }),
            Errc::InvalidArgument);
  EXPECT_EQ(code_of([] { encode_set_nickname_request("123", "Work"); }), Errc::InvalidArgument);
}

TEST(Es10SetNickname, Response) {
  EXPECT_EQ(decode_set_nickname_response(h("BF29 03 80 01 00")), 0U);
  EXPECT_EQ(decode_set_nickname_response(h("BF29 03 80 01 01")), 1U);
  EXPECT_EQ(code_of([] { decode_set_nickname_response(h("BF29 03 80 02 00")); }), Errc::Malformed);
}

// ---- eUICCMemoryReset ----------------------------------------------------------------------

// EuiccMemoryResetRequest [52] { resetOptions [2] BIT STRING } → BF34 04 82 02 <bits>
TEST(Es10MemoryReset, Request) {
  EXPECT_EQ(encode_memory_reset_request({true, true, true}), h("BF34 04 82 02 05 E0"));
  EXPECT_EQ(encode_memory_reset_request({true, false, false}), h("BF34 04 82 02 07 80"));
  EXPECT_EQ(encode_memory_reset_request({false, true, false}), h("BF34 04 82 02 06 40"));
  EXPECT_EQ(encode_memory_reset_request({false, false, true}), h("BF34 04 82 02 05 20"));
  EXPECT_EQ(code_of([] { encode_memory_reset_request({}); }), Errc::InvalidArgument);
}

TEST(Es10MemoryReset, Response) {
  EXPECT_EQ(decode_memory_reset_response(h("BF34 03 80 01 01")), 1U);
  EXPECT_EQ(code_of([] { decode_memory_reset_response(h("BF34 03 80 01 00 00")); }),
            Errc::Malformed);  // trailing byte
}
