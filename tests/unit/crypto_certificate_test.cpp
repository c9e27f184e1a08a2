// Loading keys and certificates, and the RSP certificate accessors (SGP.22 §4.5.2; digest
// §6.1, §7), on generated certificates and on the public GSMA CI roots.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto_test_pki.h"
#include "lpa/crypto/certificate.h"
#include "lpa/crypto/hash.h"
#include "lpa/crypto/keys.h"

namespace euiccd::crypto {
namespace {

using namespace euiccd::crypto::testing;

Errc error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::Internal;  // "no error" — never what the tests expect
}

TimePoint whole_seconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

class CryptoCertificate : public ::testing::TestWithParam<Curve> {};

TEST_P(CryptoCertificate, AccessorsOfAGeneratedEuiccChain) {
  TimePoint now = std::chrono::system_clock::now();
  Issued ci = make_ci(GetParam(), now);
  Issued eum = make_eum(ci, now);
  Issued euicc = make_euicc(eum, now);

  EXPECT_EQ(euicc.cert.curve(), GetParam());
  EXPECT_EQ(euicc.cert.public_point(), euicc.key.public_point());
  // SKI is SHA-1 of the point (RFC 5280 method 1); AKI is the issuer's SKI.
  EXPECT_EQ(ci.cert.subject_key_id(), sha1(ci.key.public_point()));
  EXPECT_EQ(eum.cert.authority_key_id(), ci.cert.subject_key_id());
  EXPECT_EQ(euicc.cert.authority_key_id(), eum.cert.subject_key_id());
  EXPECT_EQ(ci.cert.authority_key_id(), ci.cert.subject_key_id());

  EXPECT_EQ(euicc.cert.subject_serial_number(), std::string(kTestEid));
  EXPECT_EQ(eum.cert.subject_serial_number(), std::nullopt);
  EXPECT_EQ(euicc.cert.display_name(), "Test eUICC");
  EXPECT_NE(euicc.cert.subject_text().find("serialNumber=" + std::string(kTestEid)),
            std::string::npos);

  EXPECT_TRUE(euicc.cert.has_role(Role::Euicc));
  EXPECT_FALSE(euicc.cert.has_role(Role::Eum));
  EXPECT_TRUE(eum.cert.has_role(Role::Eum));
  EXPECT_EQ(ci.cert.policy_oids(), std::vector<std::string>{"2.23.146.1.2.1.0"});
  EXPECT_TRUE(ci.cert.is_ca());
  EXPECT_TRUE(eum.cert.is_ca());
  EXPECT_FALSE(euicc.cert.is_ca());

  EXPECT_EQ(eum.cert.permitted_eid_prefixes(), std::vector<std::string>{kTestEumPrefix});
  EXPECT_TRUE(euicc.cert.permitted_eid_prefixes().empty());
  EXPECT_EQ(eum.cert.registered_id(), std::string("2.999.5"));

  CertificateRequest expected = make_request(Role::Euicc, "x", now);
  EXPECT_EQ(euicc.cert.not_before(), whole_seconds(expected.not_before));
  EXPECT_EQ(euicc.cert.not_after(), whole_seconds(expected.not_after));
}

TEST_P(CryptoCertificate, SmdpCertificatesCarryOidAndRole) {
  TimePoint now = std::chrono::system_clock::now();
  Issued ci = make_ci(GetParam(), now);
  Issued auth = make_dp(ci, Role::DpAuth, now);
  Issued pb = make_dp(ci, Role::DpPb, now);
  EXPECT_EQ(auth.cert.registered_id(), std::string(kTestSmdpOid));
  EXPECT_EQ(auth.cert.policy_oids(), std::vector<std::string>{"2.23.146.1.2.1.4"});
  EXPECT_EQ(pb.cert.policy_oids(), std::vector<std::string>{"2.23.146.1.2.1.5"});
  EXPECT_TRUE(pb.cert.has_role(Role::DpPb));
  EXPECT_FALSE(pb.cert.has_role(Role::DpAuth));
}

TEST_P(CryptoCertificate, DerAndPemRoundTrip) {
  TimePoint now = std::chrono::system_clock::now();
  Issued ci = make_ci(GetParam(), now);
  Bytes der = ci.cert.der();
  EXPECT_EQ(der[0], 0x30);
  EXPECT_EQ(Certificate::from_der(der).der(), der);
  EXPECT_EQ(Certificate::from_bytes(der).der(), der);
  std::string pem = ci.cert.to_pem();
  EXPECT_EQ(Certificate::from_pem(pem).der(), der);
  EXPECT_EQ(Certificate::from_bytes(as_bytes(pem)).der(), der);

  Issued other = make_ci(GetParam(), now, "Other CI");
  std::string bundle = pem + other.cert.to_pem();
  std::vector<Certificate> all = load_certificates(as_bytes(bundle));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].der(), other.cert.der());
}

TEST_P(CryptoCertificate, CopiesShareTheCertificate) {
  TimePoint now = std::chrono::system_clock::now();
  Issued ci = make_ci(GetParam(), now);
  Certificate copy = ci.cert;
  std::vector<Certificate> list{copy, copy};
  Certificate moved = std::move(copy);
  EXPECT_EQ(list[1].der(), ci.cert.der());
  EXPECT_EQ(moved.der(), ci.cert.der());
}

TEST_P(CryptoCertificate, PrivateKeyPemAndDerRoundTrip) {
  PrivateKey key = PrivateKey::generate(GetParam());
  std::string pem = key.to_pem();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(PrivateKey::from_bytes(as_bytes(pem)).public_point(), key.public_point());

  // PKCS#8 DER and the traditional "EC PRIVATE KEY" PEM that SGP.26 files use.
  unsigned char* der = nullptr;
  int len = i2d_PrivateKey(key.get(), &der);
  ASSERT_GT(len, 0);
  Bytes der_bytes(der, der + len);
  OPENSSL_free(der);
  PrivateKey from_der = PrivateKey::from_bytes(der_bytes);
  EXPECT_EQ(from_der.public_point(), key.public_point());
  EXPECT_EQ(from_der.curve(), GetParam());

  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(
      PEM_write_bio_PrivateKey_traditional(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr),
      1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string traditional(data, static_cast<size_t>(size));
  BIO_free(bio);
  EXPECT_NE(traditional.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(PrivateKey::from_bytes(as_bytes(traditional)).public_point(), key.public_point());
}

INSTANTIATE_TEST_SUITE_P(BothCurves, CryptoCertificate,
                         ::testing::Values(Curve::NistP256, Curve::BrainpoolP256r1));

TEST(CryptoCertificateFiles, LoadsFromFiles) {
  TimePoint now = std::chrono::system_clock::now();
  Issued ci = make_ci(Curve::NistP256, now);
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("euiccd-crypto-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "ci.pem") << ci.cert.to_pem();
    Bytes der = ci.cert.der();
    std::ofstream(dir / "ci.der", std::ios::binary)
        .write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
    std::ofstream(dir / "sk.pem") << ci.key.to_pem();
  }
  EXPECT_EQ(Certificate::from_file(dir / "ci.pem").der(), ci.cert.der());
  EXPECT_EQ(Certificate::from_file(dir / "ci.der").der(), ci.cert.der());
  EXPECT_EQ(PrivateKey::from_file(dir / "sk.pem").public_point(), ci.key.public_point());
  EXPECT_EQ(error_of([&] { Certificate::from_file(dir / "missing.der"); }), Errc::NotFound);
  EXPECT_EQ(error_of([&] { PrivateKey::from_file(dir / "ci.der"); }), Errc::Malformed);
  try {
    Certificate::from_file(dir / "sk.pem");
    ADD_FAILURE() << "a key file is not a certificate";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_NE(std::string(e.what()).find("sk.pem"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(CryptoCertificateInput, GarbageIsMalformed) {
  TimePoint now = std::chrono::system_clock::now();
  Bytes der = make_ci(Curve::NistP256, now).cert.der();
  Bytes trailing = der;
  trailing.push_back(0x00);
  EXPECT_EQ(error_of([&] { Certificate::from_der(trailing); }), Errc::Malformed);
  Bytes truncated(der.begin(), der.end() - 1);
  EXPECT_EQ(error_of([&] { Certificate::from_der(truncated); }), Errc::Malformed);
  EXPECT_EQ(error_of([&] { Certificate::from_der({}); }), Errc::Malformed);
  EXPECT_EQ(error_of([&] { Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n"); }),
            Errc::Malformed);
  EXPECT_EQ(error_of([&] { load_certificates(as_bytes("-----BEGIN nothing")); }), Errc::Malformed);
  EXPECT_EQ(error_of([&] { PrivateKey::from_bytes(from_hex("300100")); }), Errc::Malformed);
}

TEST(CryptoCertificateInput, KeysOffTheRspCurvesAreNotSupported) {
  EVP_PKEY* p384 = EVP_EC_gen("secp384r1");
  ASSERT_NE(p384, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PrivateKey(p384, &der);
  Bytes der_bytes(der, der + len);
  OPENSSL_free(der);
  EVP_PKEY_free(p384);
  EXPECT_EQ(error_of([&] { PrivateKey::from_bytes(der_bytes); }), Errc::NotSupported);
}

// The public GSMA test CI roots (SGP.26 "Test CI"): the accessors must read real certificates.
TEST(CryptoCertificateGsma, ReadsTheSgp26TestCiRoots) {
  std::filesystem::path bundle =
      std::filesystem::path(EUICCD_SHARED_DIR) / "reference/ci-certs/gsma-ci-test.pem";
  if (!std::filesystem::exists(bundle)) GTEST_SKIP() << bundle << " is not present";
  std::vector<Certificate> roots = load_certificates_file(bundle);
  EXPECT_EQ(roots.size(), 8u);

  auto find = [&](const char* ski) -> const Certificate* {
    for (const Certificate& c : roots) {
      if (c.subject_key_id() == from_hex(ski)) return &c;
    }
    return nullptr;
  };
  const Certificate* nist = find("F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
  const Certificate* brp = find("C0BC70BA36929D43B467FF57570530E57AB8FCD8");
  ASSERT_NE(nist, nullptr);
  ASSERT_NE(brp, nullptr);
  EXPECT_EQ(nist->curve(), Curve::NistP256);
  EXPECT_EQ(brp->curve(), Curve::BrainpoolP256r1);
  for (const Certificate* ci : {nist, brp}) {
    EXPECT_TRUE(ci->has_role(Role::Ci));
    EXPECT_TRUE(ci->is_ca());
    EXPECT_EQ(ci->display_name(), "Test CI");
    EXPECT_EQ(ci->subject_key_id(), sha1(ci->public_point()));
    EXPECT_LT(ci->not_before(), ci->not_after());
  }
}

}  // namespace
}  // namespace euiccd::crypto
