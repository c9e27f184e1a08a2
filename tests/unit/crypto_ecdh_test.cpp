// One-time keys and ECDH shared secret (SGP.22 §2.6.4 / Annex G; digest §6.3), and the full
// agreement → KDF → BSP path both sides run.
#include <gtest/gtest.h>

#include <functional>

#include "base/bytes.h"
#include "base/error.h"
#include "lpa/crypto/bsp.h"
#include "lpa/crypto/ecdh.h"

namespace euiccd::crypto {
namespace {

Errc error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::Internal;  // "no error" — never what the tests expect
}

class CryptoEcdh : public ::testing::TestWithParam<Curve> {};

TEST_P(CryptoEcdh, BothSidesAgree) {
  PrivateKey euicc = generate_one_time_key(GetParam());
  PrivateKey smdp = generate_one_time_key(GetParam());
  Bytes euicc_point = euicc.public_point();
  ASSERT_EQ(euicc_point.size(), kPointSize);
  EXPECT_EQ(euicc_point[0], 0x04);

  Bytes a = shared_secret(euicc, smdp.public_point());
  Bytes b = shared_secret(smdp, euicc_point);
  EXPECT_EQ(a.size(), kSharedSecretSize);
  EXPECT_EQ(a, b);

  PrivateKey third = generate_one_time_key(GetParam());
  EXPECT_NE(shared_secret(third, euicc_point), a);
}

TEST_P(CryptoEcdh, AgreementFeedsMatchingBspSessions) {
  PrivateKey euicc = generate_one_time_key(GetParam());
  PrivateKey smdp = generate_one_time_key(GetParam());
  Bytes eid = from_hex("89049032123451234512345678901235");
  ByteView host_id = as_bytes("mahlzeit");  // osmo-smdpp's hostId
  BspSession sender(derive_session_keys(shared_secret(smdp, euicc.public_point()), host_id, eid));
  BspSession receiver(derive_session_keys(shared_secret(euicc, smdp.public_point()), host_id, eid));
  Bytes profile(2500, 0x42);
  Bytes received;
  for (const Bytes& segment : sender.wrap_segments(0x86, profile)) {
    append(received, receiver.unwrap(segment));
  }
  EXPECT_EQ(received, profile);
}

TEST_P(CryptoEcdh, RejectsBadPeerPoints) {
  PrivateKey own = generate_one_time_key(GetParam());
  Bytes good = generate_one_time_key(GetParam()).public_point();

  Bytes off_curve = good;
  off_curve[64] ^= 0x01;
  EXPECT_EQ(error_of([&] { shared_secret(own, off_curve); }), Errc::Malformed);

  Bytes compressed(good.begin(), good.begin() + 33);
  compressed[0] = 0x02;
  EXPECT_EQ(error_of([&] { shared_secret(own, compressed); }), Errc::Malformed);

  Bytes wrong_prefix = good;
  wrong_prefix[0] = 0x05;
  EXPECT_EQ(error_of([&] { shared_secret(own, wrong_prefix); }), Errc::Malformed);

  EXPECT_EQ(error_of([&] { shared_secret(own, Bytes(65, 0)); }), Errc::Malformed);
  EXPECT_EQ(error_of([&] { shared_secret(own, {}); }), Errc::Malformed);
}

INSTANTIATE_TEST_SUITE_P(BothCurves, CryptoEcdh,
                         ::testing::Values(Curve::NistP256, Curve::BrainpoolP256r1));

TEST(CryptoEcdhCurves, PointOfTheOtherCurveIsRefused) {
  PrivateKey nist = generate_one_time_key(Curve::NistP256);
  // A brainpool point is (with overwhelming probability) not on P-256.
  Bytes brainpool_point = generate_one_time_key(Curve::BrainpoolP256r1).public_point();
  EXPECT_EQ(error_of([&] { shared_secret(nist, brainpool_point); }), Errc::Malformed);
}

}  // namespace
}  // namespace euiccd::crypto
