// euiccd's one SHA-256 (base/sha256.h) against FIPS 180-4's examples and NIST's long
// message, and at every length around the padding boundaries against OpenSSL.
#include "base/sha256.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "base/bytes.h"

using namespace euiccd;

namespace {

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(to_hex(sha256(as_bytes(""))),
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_EQ(to_hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1");
  const std::string million(1'000'000, 'a');
  EXPECT_EQ(to_hex(sha256(as_bytes(million))),
            "CDC76E5C9914FB9281A1C7E284D73E67F1809A48A497200E046D39CCC7112CD0");
}

TEST(Sha256, SameAsOpenSslAtEveryLengthUpTo300) {
  Bytes data;
  for (size_t n = 0; n <= 300; ++n) {
    Bytes expected(32);
    unsigned int len = 0;
    ASSERT_EQ(EVP_Digest(data.data(), data.size(), expected.data(), &len, EVP_sha256(), nullptr),
              1);
    EXPECT_EQ(sha256(data), expected) << "length " << n;
    data.push_back(uint8_t(n * 7 + 3));
  }
}

}  // namespace
