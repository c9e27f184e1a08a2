#include "lpa/iccid.h"

#include <gtest/gtest.h>

#include "base/error.h"

using namespace euiccd;
using namespace euiccd::lpa;

namespace {

// SGP.22 example (StoreMetadata in the mode51 trace quoted by pySim): 5A 0A 98 00 10 32 54 76 98 10 32 14
TEST(Iccid, TwentyDigitsFromTheSpecExample) {
  EXPECT_EQ(to_hex(encode_iccid("89000123456789012341")), "98001032547698103214");
  EXPECT_EQ(decode_iccid(from_hex("98001032547698103214")), "89000123456789012341");
}

TEST(Iccid, NineteenDigitsArePaddedWithF) {
  EXPECT_EQ(to_hex(encode_iccid("8944476500001224158")), "984474560000214251F8");
  EXPECT_EQ(decode_iccid(from_hex("984474560000214251F8")), "8944476500001224158");
}

TEST(Iccid, EighteenDigitsArePaddedWithFF) {
  EXPECT_EQ(to_hex(encode_iccid("894447650000122415")), "984474560000214251FF");
  EXPECT_EQ(decode_iccid(from_hex("984474560000214251FF")), "894447650000122415");
}

TEST(Iccid, RejectsBadInput) {
  EXPECT_THROW(encode_iccid("12345"), Error);
  EXPECT_THROW(encode_iccid("89444765000012241A"), Error);
  EXPECT_THROW(encode_iccid("894447650000122415123"), Error);
  EXPECT_THROW(decode_iccid(from_hex("9844745600002142")), Error);        // 8 bytes
  EXPECT_THROW(decode_iccid(from_hex("98447456000021425AF8")), Error);    // nibble A
  EXPECT_THROW(decode_iccid(from_hex("98447456000021F25118")), Error);    // digit after pad
  EXPECT_THROW(decode_iccid(from_hex("9844FFFFFFFFFFFFFFFF")), Error);    // too few digits
}

}  // namespace
