// ES10a/b/c handlers of the virtual eUICC, checked against byte vectors derived by hand from
// the SGP.22 ASN.1 (tags per sgp22-digest §0.2/§2).
#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "lpa/tlv.h"
#include "veuicc_fixture.h"

namespace euiccd::veuicc::testing {
namespace {

// ICCID 8944476500001224158 in swapped BCD (lpa/iccid.h): 98 44 74 56 00 00 21 14 85 F0.
const std::string kIccidA = "8944476500001224158";
const std::string kIccidABcd =
    "984474560000214251F8";  // 89 44 47 65 00 00 12 24 15 8F, nibbles swapped
const std::string kIccidB = "89000000000000000017";
const std::string kIccidBBcd = "98000000000000000071";
const std::string kAidA = "A0000005591010FFFFFFFF8900001000";
const std::string kAidB = "A0000005591010FFFFFFFF8900001100";

// BF31/BF32 { A0 { 5A 0A iccid }, 81 01 00 }
std::string by_iccid(const std::string& tag, const std::string& bcd) {
  return tag + "11A00C5A0A" + bcd + "810100";
}

CardState two_profiles() {
  CardState s;
  Profile a = make_profile(kIccidA, true, 0);
  a.notification_configuration = {{NotificationEvent::Enable, "smdp.example.com"},
                                  {NotificationEvent::Disable, "smdp.example.com"},
                                  {NotificationEvent::Delete, "smdp.example.com"}};
  a.profile_class = ProfileClass::Operational;
  Profile b = make_profile(kIccidB, false, 1);
  b.notification_configuration = {{NotificationEvent::Enable, "dp.test"}};
  b.profile_class = ProfileClass::Operational;
  s.profiles = {a, b};
  return s;
}

TEST(VeuiccEs10, GetEid) {
  CardHarness h;
  EXPECT_EQ(h.es10("BF3E035C015A"), std::string("BF3E125A10") + kEid + "9000");
  EXPECT_EQ(h.es10("BF3E035C014F"), "6A80");  // tag list not asking for the EID
}

TEST(VeuiccEs10, EnableResultCodes) {
  CardHarness h(two_profiles());
  EXPECT_EQ(h.es10(by_iccid("BF31", kIccidABcd)),
            "BF310380010290"
            "00");  // already enabled
  EXPECT_EQ(h.es10(by_iccid("BF31", "98000000000000000000")), "BF31038001019000");  // not found
  // Enable B by AID: A is disabled implicitly.
  EXPECT_EQ(h.es10("BF3117A0124F10" + kAidB + "810100"), "BF31038001009000");
  EXPECT_FALSE(h.state().profiles[0].enabled);
  EXPECT_TRUE(h.state().profiles[1].enabled);
  // A disable notification for A (its configuration asks for one), an enable one for B.
  ASSERT_EQ(h.state().notifications.size(), 2u);
  EXPECT_EQ(h.state().notifications[0].event, NotificationEvent::Disable);
  EXPECT_EQ(h.state().notifications[0].iccid, kIccidA);
  EXPECT_EQ(h.state().notifications[1].event, NotificationEvent::Enable);
  EXPECT_EQ(h.state().notifications[1].address, "dp.test");
  EXPECT_EQ(h.state().notifications[1].seq, h.state().notifications[0].seq + 1);
  // PPR1 on the enabled profile forbids enabling another one (it would disable B).
  h.state().profiles[1].policy_rules = kPpr1;
  EXPECT_EQ(h.es10(by_iccid("BF31", kIccidABcd)), "BF31038001039000");
  h.card().behaviour().cat_busy = true;
  EXPECT_EQ(h.es10(by_iccid("BF31", kIccidABcd)), "BF31038001059000");
}

TEST(VeuiccEs10, DisableAndDeleteResultCodes) {
  CardHarness h(two_profiles());
  EXPECT_EQ(h.es10(by_iccid("BF32", kIccidBBcd)), "BF32038001029000");  // not enabled
  EXPECT_EQ(h.es10("BF33124F10" + kAidA), "BF33038001029000");          // enabled: no delete
  EXPECT_EQ(h.es10(by_iccid("BF32", kIccidABcd)), "BF32038001009000");
  h.state().profiles[1].policy_rules = kPpr2;
  EXPECT_EQ(h.es10("BF330C5A0A" + kIccidBBcd), "BF33038001039000");  // PPR2
  EXPECT_EQ(h.es10("BF330C5A0A" + kIccidABcd), "BF33038001009000");
  EXPECT_EQ(h.es10("BF330C5A0A" + kIccidABcd), "BF33038001019000");  // gone
  ASSERT_EQ(h.state().profiles.size(), 1u);
  // A's disable and delete notifications.
  ASSERT_EQ(h.state().notifications.size(), 2u);
  EXPECT_EQ(h.state().notifications[1].event, NotificationEvent::Delete);
}

TEST(VeuiccEs10, GetProfilesInfoWithTagListAndSearch) {
  CardHarness h(two_profiles());
  // Tag list 5A 9F70: E3 { 5A 0A iccid, 9F70 01 state } per profile.
  EXPECT_EQ(h.es10("BF2D055C035A9F70"), "BF2D26A024E3105A0A" + kIccidABcd + "9F700101" +
                                            "E3105A0A" + kIccidBBcd + "9F700100" + "9000");
  // Search by AID of B with tag list 4F only.
  EXPECT_EQ(h.es10("BF2D17A0124F10" + kAidB + "5C014F"), "BF2D16A014E3124F10" + kAidB + "9000");
  // Search by class: none is a test profile.
  EXPECT_EQ(h.es10("BF2D05A003950100"), "BF2D02A0009000");
  // Two criteria at once → incorrectInputValues.
  EXPECT_EQ(h.es10("BF2D08A006950102950100"), "BF2D038101019000");
}

TEST(VeuiccEs10, GetProfilesInfoFullRecord) {
  CardState s;
  Profile p = make_profile(kIccidA, false, 0);
  p.nickname = "n";
  p.service_provider_name = "SP";
  p.profile_name = "P";
  p.profile_class = ProfileClass::Test;
  p.notification_configuration = {{NotificationEvent::Install, "a"}};
  p.profile_owner = OperatorId{from_hex("32F410"), std::nullopt, std::nullopt};
  p.policy_rules = kPpr2;
  s.profiles = {p};
  CardHarness h(s);
  const std::string e3 = "5A0A" + kIccidABcd + "4F10" + kAidA + "9F700100" + "90016E" + "91025350" +
                         "920150" + "950100" +
                         "B609"
                         "3007"
                         "80020780"
                         "810161" +
                         "B705"
                         "800332F410" +
                         "9902"
                         "0520";
  const std::string body = "E3" + to_hex(Bytes{static_cast<uint8_t>(e3.size() / 2)}) + e3;
  const std::string list = "A0" + to_hex(Bytes{static_cast<uint8_t>(body.size() / 2)}) + body;
  EXPECT_EQ(h.es10("BF2D00"),
            "BF2D" + to_hex(Bytes{static_cast<uint8_t>(list.size() / 2)}) + list + "9000");
}

TEST(VeuiccEs10, SetNicknameAndAddresses) {
  CardHarness h(two_profiles());
  EXPECT_EQ(h.es10("BF29115A0A" + kIccidBBcd + "9003616263"), "BF29038001009000");
  EXPECT_EQ(h.state().profiles[1].nickname, "abc");
  EXPECT_EQ(h.es10("BF29115A0A98000000000000000000"
                   "9003616263"),
            "BF29038001019000");
  EXPECT_EQ(h.es10("BF29515A0A" + kIccidBBcd + "9041" + std::string(130, '6')),
            "6A80");  // 65 bytes
  // No default address yet: only 81 rootDsAddress ("lpa.ds.gsma.com").
  EXPECT_EQ(h.es10("BF3C00"), "BF3C11810F" + to_hex(as_bytes("lpa.ds.gsma.com")) + "9000");
  EXPECT_EQ(h.es10("BF3F0480027878"), "BF3F038001009000");
  EXPECT_EQ(h.es10("BF3C00"), "BF3C1580027878810F" + to_hex(as_bytes("lpa.ds.gsma.com")) + "9000");
}

TEST(VeuiccEs10, MemoryReset) {
  CardState s = two_profiles();
  Profile test = make_profile("89000000000000000025", false, 2);
  test.profile_class = ProfileClass::Test;
  s.profiles.push_back(test);
  s.default_dp_address = "x";
  CardHarness h(s);
  // resetOptions = deleteOperationalProfiles only: 82 02 07 80.
  EXPECT_EQ(h.es10("BF340482020780"), "BF34038001009000");
  ASSERT_EQ(h.state().profiles.size(), 1u);
  EXPECT_EQ(h.state().profiles[0].profile_class, ProfileClass::Test);
  EXPECT_EQ(h.es10("BF340482020780"), "BF34038001019000");  // nothingToDelete
  // All three options: 82 02 05 E0.
  EXPECT_EQ(h.es10("BF34048202"
                   "05E0"),
            "BF34038001009000");
  EXPECT_TRUE(h.state().profiles.empty());
  EXPECT_FALSE(h.state().default_dp_address);
}

TEST(VeuiccEs10, EuiccInfoListsTheCiKeyId) {
  CardHarness h({}, {}, {}, test_credentials());
  // The CI's SKI, read from the certificate by OpenSSL here.
  FILE* f = std::fopen((test_pki_dir() + "/ci.pem").c_str(), "r");
  ASSERT_NE(f, nullptr);
  X509* ci = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(ci, nullptr);
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(ci);
  const std::string ski_hex = to_hex(ByteView(ski->data, static_cast<size_t>(ski->length)));
  X509_free(ci);
  EXPECT_EQ(h.es10("BF2000"),
            "BF2035820302020"
            "2A9160414" +
                ski_hex + "AA160414" + ski_hex + "9000");
  const std::string info2 = h.es10("BF2200");
  const Bytes raw = from_hex(info2.substr(0, info2.size() - 4));
  const tlv::Tlv t = tlv::parse_one(raw);
  EXPECT_EQ(to_hex(t.require(0x82, "svn").value), "020202");
  EXPECT_EQ(to_hex(t.require(0x88, "rspCapability").value), "0490");
  EXPECT_EQ(to_hex(t.require(0xAA, "signing").value), "0414" + ski_hex);
  EXPECT_TRUE(t.find(0x04) && t.find(0x0C) && t.find(0x8B) && t.find(0x99));
}

TEST(VeuiccEs10, ExtCardResourceCountsFreeMemory) {
  CardState s = two_profiles();  // 2 × 1000 bytes
  s.nvm_bytes = 0x10000;
  s.free_ram_bytes = 0x1234;
  CardHarness h(s);
  const std::string info2 = h.es10("BF2200");
  const Bytes raw = from_hex(info2.substr(0, info2.size() - 4));
  const tlv::Tlv t = tlv::parse_one(raw);
  EXPECT_EQ(to_hex(t.require(0x84, "extCardResource").value),
            "810102"
            "820400"
            "00F830"
            "830400001234");
}

TEST(VeuiccEs10, ChallengeIsFreshEachTime) {
  CardHarness h;
  const std::string a = h.es10("BF2E00"), b = h.es10("BF2E00");
  EXPECT_EQ(a.substr(0, 10), "BF2E128010");
  EXPECT_EQ(a.size(), (5 + 16 + 2) * 2);
  EXPECT_NE(a, b);
}

TEST(VeuiccEs10, NotificationsListRetrieveVerifyRemove) {
  CardHarness h(two_profiles(), {}, {}, test_credentials());
  h.state().next_seq_number = 7;
  ASSERT_EQ(h.es10(by_iccid("BF32", kIccidABcd)), "BF32038001009000");
  // BF2F { 80 01 07, 81 02 05 20 (disable), 0C 10 "smdp.example.com", 5A 0A iccid }
  const std::string metadata =
      "BF2F2580010781020520"
      "0C10" +
      to_hex(as_bytes("smdp.example.com")) + "5A0A" + kIccidABcd;
  EXPECT_EQ(h.es10("BF2800"), "BF282AA028" + metadata + "9000");
  EXPECT_EQ(h.es10("BF280481020640"), "BF2802A0009000");  // filter: enable only

  const std::string got = h.es10("BF2B05A003800107");
  ASSERT_EQ(got.substr(got.size() - 4), "9000");
  const Bytes raw = from_hex(got.substr(0, got.size() - 4));
  const tlv::Tlv list = tlv::parse_one(raw).require(0xA0, "list");
  ASSERT_EQ(list.children().size(), 1u);
  const auto parts = list.children()[0].children();
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(to_hex(parts[0].raw), metadata);
  EXPECT_EQ(parts[1].tag, 0x5F37u);
  ASSERT_EQ(parts[1].value.size(), 64u);
  EXPECT_EQ(Bytes(parts[2].raw.begin(), parts[2].raw.end()), h.credentials().euicc_certificate());
  EXPECT_EQ(Bytes(parts[3].raw.begin(), parts[3].raw.end()), h.credentials().eum_certificate());

  // The signature verifies over the BF2F bytes with the public key of the returned cert.
  const unsigned char* p = parts[2].raw.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(parts[2].raw.size()));
  ASSERT_NE(cert, nullptr);
  EVP_PKEY* key = X509_get_pubkey(cert);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(parts[1].value.data(), 32, nullptr),
                 BN_bin2bn(parts[1].value.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len), parts[0].raw.data(),
                             parts[0].raw.size()),
            1);
  // And not over anything else.
  Bytes tampered(parts[0].raw.begin(), parts[0].raw.end());
  tampered.back() ^= 1;
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_NE(
      EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len), tampered.data(), tampered.size()),
      1);
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(key);
  X509_free(cert);

  EXPECT_EQ(h.es10("BF2B05A003800108"), "BF2B02A0009000");  // unknown seq: empty list
  EXPECT_EQ(h.es10("BF3003800107"), "BF30038001009000");
  EXPECT_EQ(h.es10("BF3003800107"), "BF30038001019000");
  EXPECT_EQ(h.es10("BF2800"), "BF2802A0009000");
}

TEST(VeuiccEs10, RetrieveWithoutKeyIsUndefinedError) {
  CardHarness h(two_profiles());
  h.es10(by_iccid("BF32", kIccidABcd));
  EXPECT_EQ(h.es10("BF2B00"),
            "BF2B03810"
            "17F9000");
}

TEST(VeuiccEs10, GetRat) {
  CardState s;
  s.rat.push_back({kPpr1, {OperatorId{from_hex("32F410"), from_hex("AB"), std::nullopt}}, true});
  CardHarness h(s);
  // A0 { 30 { 80 02 06 40, A1 { 30 { 80 03 mccmnc, 81 01 AB } }, 82 02 07 80 } }
  EXPECT_EQ(h.es10("BF4300"), "BF4318A016301480020640A10A3008800332F4108101AB820207809000");
}

TEST(VeuiccEs10, StateSurvivesARestart) {
  const std::string path = test_pki_dir() + "/state.json";
  {
    CardHarness h(two_profiles(), {}, path);
    ASSERT_EQ(h.es10(by_iccid("BF32", kIccidABcd)), "BF32038001009000");
    ASSERT_EQ(h.es10("BF3F0480027878"), "BF3F038001009000");
  }
  const CardState back = load_state_file(path);
  EXPECT_FALSE(back.profiles[0].enabled);
  EXPECT_EQ(back.default_dp_address, "xx");
  ASSERT_EQ(back.notifications.size(), 1u);
  EXPECT_EQ(back.next_seq_number, back.notifications[0].seq + 1);
  EXPECT_EQ(state_to_json(back), state_to_json(load_state_file(path)));
  // The file is plain JSON with the documented names.
  std::ifstream in(path);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["profiles"][0]["state"], "disabled");
  EXPECT_EQ(j["profiles"][0]["isdp_aid"], kAidA);
}

TEST(VeuiccEs10, SeedValidationNamesTheField) {
  auto j = nlohmann::json::parse(R"({"profiles":[{"iccid":"123"}]})");
  try {
    state_from_json(j);
    FAIL() << "accepted a bad ICCID";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("profiles[0].iccid"), std::string::npos) << e.what();
  }
  j = nlohmann::json::parse(R"({"profiles":[{"iccid":"8944476500001224158","state":"enabled"},
                                           {"iccid":"89000000000000000017","state":"enabled"}]})");
  EXPECT_THROW(state_from_json(j), Error);
  // AIDs are assigned the way a card numbers its ISD-Ps.
  j = nlohmann::json::parse(R"({"profiles":[{"iccid":"8944476500001224158"}]})");
  EXPECT_EQ(to_hex(state_from_json(j).profiles[0].isdp_aid), kAidA);
}

}  // namespace
}  // namespace euiccd::veuicc::testing
