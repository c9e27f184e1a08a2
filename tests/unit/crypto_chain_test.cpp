// RSP certificate chain verification (SGP.22 §4.5.2; digest §6.1): CI → EUM → eUICC and
// CI → DPauth/DPpb, positive and negative cases on certificates generated here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "crypto_test_pki.h"
#include "lpa/crypto/chain.h"

namespace euiccd::crypto {
namespace {

using namespace euiccd::crypto::testing;

struct Failure {
  Errc code = Errc::Internal;
  std::string message;
};

Failure verify_fails(const Certificate& leaf, std::vector<Certificate> intermediates,
                     std::vector<Certificate> cis, Role role, TimePoint now) {
  try {
    verify_chain(leaf, intermediates, cis, role, now);
  } catch (const Error& e) {
    return Failure{e.code(), e.what()};
  }
  ADD_FAILURE() << "chain of " << leaf.display_name() << " was accepted";
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CryptoChain : public ::testing::TestWithParam<Curve> {
 protected:
  TimePoint now = std::chrono::system_clock::now();
  Issued ci = make_ci(GetParam(), now);
  Issued eum = make_eum(ci, now);
  Issued euicc = make_euicc(eum, now);
};

TEST_P(CryptoChain, AcceptsEuiccChainAndReturnsTheCi) {
  Issued other_ci = make_ci(GetParam(), now, "Other CI");
  Certificate anchor =
      verify_chain(euicc.cert, {{eum.cert}}, {{other_ci.cert, ci.cert}}, Role::Euicc, now);
  EXPECT_EQ(anchor.der(), ci.cert.der());
}

TEST_P(CryptoChain, AcceptsSmdpCertificates) {
  Issued auth = make_dp(ci, Role::DpAuth, now);
  Issued pb = make_dp(ci, Role::DpPb, now);
  EXPECT_EQ(verify_chain(auth.cert, {}, {{ci.cert}}, Role::DpAuth, now).der(), ci.cert.der());
  EXPECT_EQ(verify_chain(pb.cert, {}, {{ci.cert}}, Role::DpPb, now).der(), ci.cert.der());
}

TEST_P(CryptoChain, RefusesAnUntrustedCi) {
  Issued other_ci = make_ci(GetParam(), now, "Other CI");
  Failure f = verify_fails(euicc.cert, {eum.cert}, {other_ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "\"EUM Test\" is not signed by a trusted CI")) << f.message;

  f = verify_fails(euicc.cert, {eum.cert}, {}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
}

TEST_P(CryptoChain, RefusesAForgedSignatureUnderTheRightKeyId) {
  // An attacker names the real CI as issuer (same AKI) but signs with its own key.
  PrivateKey attacker = PrivateKey::generate(GetParam());
  PrivateKey eum_key = PrivateKey::generate(GetParam());
  CertificateRequest r = make_request(Role::Eum, "Forged EUM", now);
  r.ca = true;
  Certificate forged_eum = issue_certificate(r, eum_key.public_key(), attacker, &ci.cert);
  EXPECT_EQ(forged_eum.authority_key_id(), ci.cert.subject_key_id());
  Failure f = verify_fails(forged_eum, {}, {ci.cert}, Role::Eum, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "\"Forged EUM\" is not signed by a trusted CI")) << f.message;
}

TEST_P(CryptoChain, RefusesAForgedEuiccUnderARealEum) {
  PrivateKey attacker = PrivateKey::generate(GetParam());
  PrivateKey key = PrivateKey::generate(GetParam());
  CertificateRequest r = make_request(Role::Euicc, "Forged eUICC", now);
  r.serial_number = kTestEid;
  Certificate forged = issue_certificate(r, key.public_key(), attacker, &eum.cert);
  Failure f = verify_fails(forged, {eum.cert}, {ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "not signed by its issuer \"EUM Test\"")) << f.message;
}

TEST_P(CryptoChain, RefusesAnExpiredLeaf) {
  CertificateRequest r = make_request(Role::Euicc, "Old eUICC", now);
  r.serial_number = kTestEid;
  r.not_before = now - 24h * 20;
  r.not_after = now - 24h * 2;
  Issued old = issue(r, GetParam(), &eum);
  Failure f = verify_fails(old.cert, {eum.cert}, {ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "\"Old eUICC\" expired on " + format_time(old.cert.not_after())))
      << f.message;
  // The same chain was fine while it was valid.
  EXPECT_NO_THROW(verify_chain(old.cert, {{eum.cert}}, {{ci.cert}}, Role::Euicc, now - 24h * 3));
}

TEST_P(CryptoChain, RefusesAnExpiredEumOrCiAndNotYetValid) {
  // The verification time decides: after the CI and EUM have expired.
  TimePoint later = now + 24h * 400;
  Failure f = verify_fails(euicc.cert, {eum.cert}, {ci.cert}, Role::Euicc, later);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "expired on")) << f.message;

  f = verify_fails(euicc.cert, {eum.cert}, {ci.cert}, Role::Euicc, now - 24h * 60);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "is not valid before")) << f.message;

  CertificateRequest r = make_request(Role::Eum, "Expired EUM", now);
  r.ca = true;
  r.not_after = now - 1h;
  Issued expired_eum = issue(r, GetParam(), &ci);
  Issued leaf = make_euicc(expired_eum, now);
  f = verify_fails(leaf.cert, {expired_eum.cert}, {ci.cert}, Role::Euicc, now);
  EXPECT_TRUE(contains(f.message, "\"Expired EUM\" expired on")) << f.message;
}

TEST_P(CryptoChain, RefusesTheWrongRole) {
  Issued pb = make_dp(ci, Role::DpPb, now);
  Failure f = verify_fails(pb.cert, {}, {ci.cert}, Role::DpAuth, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "wrong role")) << f.message;
  EXPECT_TRUE(contains(f.message, "2.23.146.1.2.1.4")) << f.message;

  f = verify_fails(euicc.cert, {eum.cert}, {ci.cert}, Role::DpPb, now);
  EXPECT_TRUE(contains(f.message, "wrong role")) << f.message;
}

TEST_P(CryptoChain, EuiccMustBeIssuedByAnEum) {
  // Issued directly by the CI.
  Issued direct = make_euicc(ci, now);
  Failure f = verify_fails(direct.cert, {}, {ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "must be issued by an EUM")) << f.message;

  // Issued by a CA that is not an EUM (an SM-DP+ role CA).
  CertificateRequest r = make_request(Role::DpAuth, "Not an EUM", now);
  r.ca = true;
  Issued not_eum = issue(r, GetParam(), &ci);
  Issued leaf = make_euicc(not_eum, now);
  f = verify_fails(leaf.cert, {not_eum.cert}, {ci.cert}, Role::Euicc, now);
  EXPECT_TRUE(contains(f.message, "\"Not an EUM\" has the wrong role")) << f.message;
}

TEST_P(CryptoChain, IntermediateMustBeACa) {
  // A DPauth leaf (not a CA) used to issue another certificate.
  Issued auth = make_dp(ci, Role::DpAuth, now);
  Issued child = issue(make_request(Role::DpPb, "Child", now), GetParam(), &auth);
  Failure f = verify_fails(child.cert, {auth.cert}, {ci.cert}, Role::DpPb, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "is not a CA")) << f.message;
}

TEST_P(CryptoChain, RefusesAnEidOutsideTheEumRange) {
  Issued outsider = make_euicc(eum, now, "89044045123451234512345678901235");
  Failure f = verify_fails(outsider.cert, {eum.cert}, {ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "EID 89044045123451234512345678901235 is outside the range"))
      << f.message;
  EXPECT_TRUE(contains(f.message, "89049032")) << f.message;
}

TEST_P(CryptoChain, AcceptsAnyOfSeveralPrefixesAndAnEumWithoutRange) {
  Issued multi = make_eum(ci, now, {"89033023", "89044045"});
  Issued leaf = make_euicc(multi, now, "89044045123451234512345678901235");
  EXPECT_NO_THROW(verify_chain(leaf.cert, {{multi.cert}}, {{ci.cert}}, Role::Euicc, now));

  Issued open_eum = make_eum(ci, now, {});
  Issued any = make_euicc(open_eum, now, "35000000000000000000000000000001");
  EXPECT_NO_THROW(verify_chain(any.cert, {{open_eum.cert}}, {{ci.cert}}, Role::Euicc, now));
}

TEST_P(CryptoChain, EuiccWithoutAProperEidIsMalformed) {
  Issued no_eid = make_euicc(eum, now, "");
  Failure f = verify_fails(no_eid.cert, {eum.cert}, {ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::Malformed);
  EXPECT_TRUE(contains(f.message, "no EID")) << f.message;

  Issued bad_eid = make_euicc(eum, now, "8904903212345");
  f = verify_fails(bad_eid.cert, {eum.cert}, {ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::Malformed);
}

TEST_P(CryptoChain, MissingEumIsNotTrusted) {
  Failure f = verify_fails(euicc.cert, {}, {ci.cert}, Role::Euicc, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
  EXPECT_TRUE(contains(f.message, "\"Test eUICC\" is not signed by a trusted CI")) << f.message;
}

INSTANTIATE_TEST_SUITE_P(BothCurves, CryptoChain,
                         ::testing::Values(Curve::NistP256, Curve::BrainpoolP256r1));

TEST(CryptoChainCurves, ChainOnTheOtherCurveCiIsRefused) {
  TimePoint now = std::chrono::system_clock::now();
  Issued nist_ci = make_ci(Curve::NistP256, now);
  Issued brp_ci = make_ci(Curve::BrainpoolP256r1, now);
  Issued auth = make_dp(nist_ci, Role::DpAuth, now);
  Failure f = verify_fails(auth.cert, {}, {brp_ci.cert}, Role::DpAuth, now);
  EXPECT_EQ(f.code, Errc::NotAllowed);
}

}  // namespace
}  // namespace euiccd::crypto
