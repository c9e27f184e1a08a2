// ECDSA with TR-03111 raw signatures (SGP.22 §2.6.5; digest §6.2) and the hashes
// (SHA-256, hashCc of digest §5).
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/error.h"
#include "base/sha256.h"
#include "lpa/crypto/ecdsa.h"
#include "lpa/crypto/hash.h"
#include "lpa/crypto/keys.h"
#include "lpa/hash_cc.h"

namespace euiccd::crypto {
namespace {

class CryptoEcdsa : public ::testing::TestWithParam<Curve> {};

TEST_P(CryptoEcdsa, SignVerifyRoundTrip) {
  PrivateKey key = PrivateKey::generate(GetParam());
  Bytes data = from_hex("3010800102810101");  // any DER the RSP signs
  Bytes sig = sign_raw(key, data);
  ASSERT_EQ(sig.size(), kRawSignatureSize);
  EXPECT_TRUE(verify_raw(key.public_key(), data, sig));

  Bytes other_data = data;
  other_data.back() ^= 1;
  EXPECT_FALSE(verify_raw(key.public_key(), other_data, sig));

  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    Bytes bad = sig;
    bad[i] ^= 0x01;
    EXPECT_FALSE(verify_raw(key.public_key(), data, bad)) << "flipped byte " << i;
  }
  PrivateKey other = PrivateKey::generate(GetParam());
  EXPECT_FALSE(verify_raw(other.public_key(), data, sig));
  EXPECT_FALSE(verify_raw(key.public_key(), data, Bytes(sig.begin(), sig.end() - 1)));
  EXPECT_FALSE(verify_raw(key.public_key(), data, Bytes(64, 0)));
  EXPECT_FALSE(verify_raw(key.public_key(), data, raw_signature_to_der(sig)));
}

TEST_P(CryptoEcdsa, SignaturesAreRandomizedButAllVerify) {
  PrivateKey key = PrivateKey::generate(GetParam());
  Bytes data(300, 0x5A);
  Bytes a = sign_raw(key, data);
  Bytes b = sign_raw(key, data);
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_raw(key.public_key(), data, a));
  EXPECT_TRUE(verify_raw(key.public_key(), data, b));
}

INSTANTIATE_TEST_SUITE_P(BothCurves, CryptoEcdsa,
                         ::testing::Values(Curve::NistP256, Curve::BrainpoolP256r1));

// RFC 6979 A.2.5: P-256, SHA-256, message "sample" — an outside signature our verify must take.
TEST(CryptoEcdsaKat, VerifiesRfc6979Vector) {
  PublicKey key = PublicKey::from_point(
      Curve::NistP256,
      from_hex("04"
               "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
               "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"));
  Bytes sig = from_hex(
      "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
      "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  EXPECT_TRUE(verify_raw(key, as_bytes("sample"), sig));
  EXPECT_FALSE(verify_raw(key, as_bytes("samplf"), sig));
}

TEST(CryptoEcdsaDer, ConvertsShortAndPaddedIntegers) {
  // r = 1 (31 leading zero bytes dropped in DER), s with the top bit set (DER needs a 00).
  Bytes raw(64, 0);
  raw[31] = 0x01;
  raw[32] = 0x80;
  raw[63] = 0x05;
  Bytes expected_der = from_hex(
      "3026020101022100800000000000000000000000000000000000000000000"
      "0000000000000000005");
  EXPECT_EQ(to_hex(raw_signature_to_der(raw)), to_hex(expected_der));
  EXPECT_EQ(der_signature_to_raw(expected_der), raw);
}

TEST(CryptoEcdsaDer, RoundTripsTypicalSignature) {
  Bytes raw = from_hex(
      "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
      "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  Bytes der = raw_signature_to_der(raw);
  EXPECT_EQ(to_hex(der),
            "3046022100EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716022100F7CB"
            "1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  EXPECT_EQ(der_signature_to_raw(der), raw);
}

TEST(CryptoEcdsaDer, RejectsGarbage) {
  EXPECT_THROW(der_signature_to_raw(from_hex("3006020101020101FF")), Error);  // trailing byte
  EXPECT_THROW(der_signature_to_raw(from_hex("300602010102")), Error);        // truncated
  EXPECT_THROW(der_signature_to_raw(Bytes{}), Error);
  // A 33-byte r cannot be a P-256 signature value.
  Bytes big = from_hex("3027022201" + std::string(64, '0') + "020101");
  EXPECT_THROW(der_signature_to_raw(big), Error);
  EXPECT_THROW(raw_signature_to_der(Bytes(63, 1)), Error);
}

TEST(CryptoEcdsaTlv, WrapsAndUnwraps5F37) {
  Bytes raw(64, 0xAB);
  Bytes tlv = signature_tlv(raw);
  EXPECT_EQ(to_hex(Bytes(tlv.begin(), tlv.begin() + 3)), "5F3740");
  EXPECT_EQ(tlv.size(), 67u);
  EXPECT_EQ(signature_from_tlv(tlv), raw);
  EXPECT_THROW(signature_from_tlv(from_hex("5F370101")), Error);
  EXPECT_THROW(signature_from_tlv(from_hex("5F36400000")), Error);
  EXPECT_THROW(signature_tlv(Bytes(10, 0)), Error);
}

TEST(CryptoHash, Sha256KnownAnswer) {
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_EQ(to_hex(sha1(as_bytes("abc"))), "A9993E364706816ABA3E25717850C26C9CD0D89D");
}

TEST(CryptoHash, ConfirmationCodeHash) {
  // SHA-256(SHA-256("12345678") || txid), computed independently with Python hashlib.
  Bytes txid = from_hex("0123456789ABCDEF8899AABBCCDDEEFF");
  EXPECT_EQ(to_hex(lpa::compute_hash_cc("12345678", txid)),
            "D36DFE02FCC86970EA290811663CE9A5AE3B58D1E24A0F5F6EA0FF870635B864");
  EXPECT_NE(lpa::compute_hash_cc("12345679", txid), lpa::compute_hash_cc("12345678", txid));
}

}  // namespace
}  // namespace euiccd::crypto
