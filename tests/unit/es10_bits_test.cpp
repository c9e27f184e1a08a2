// Named-bit BIT STRINGs, OperatorId mccMnc and UTF-8 checks shared by the ES10 codecs.
// Expected bytes follow X.690 §11.2 (DER BIT STRING: unused-bits byte, trailing zero bits
// removed) and 3GPP TS 24.008 §10.5.1.3 (MCC/MNC nibble order), derived by hand.
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

// profileManagementOperation: named bit n is bit (7 - n) of the first data byte; the unused
// count is 7 - (highest set bit).
TEST(Es10Bits, NotificationEventsAreDerMinimal) {
  EXPECT_EQ(encode_named_bits(1U << 0), h("07 80"));  // install
  EXPECT_EQ(encode_named_bits(1U << 1), h("06 40"));  // enable
  EXPECT_EQ(encode_named_bits(1U << 2), h("05 20"));  // disable
  EXPECT_EQ(encode_named_bits(1U << 3), h("04 10"));  // delete
}

TEST(Es10Bits, MultiByteAndEmpty) {
  EXPECT_EQ(encode_named_bits(0b111), h("05 E0"));  // all three memory reset options
  EXPECT_EQ(encode_named_bits(0), h("00"));         // empty BIT STRING: 03 01 00
  EXPECT_EQ(encode_named_bits(1U << 8), h("07 00 80"));
  EXPECT_EQ(encode_named_bits(0b1001), h("04 90"));  // rspCapability bits 0 and 3 (M51 example)
}

TEST(Es10Bits, DecodeReadsNamedBits) {
  EXPECT_EQ(decode_named_bits(h("04 90"), "x"), 0b1001U);
  // sysmoEUICC1 rspCapability 03 98: 1001 1 (5 used bits) → bits 0, 3, 4.
  EXPECT_EQ(decode_named_bits(h("03 98"), "x"), 0b11001U);
  EXPECT_EQ(decode_named_bits(h("00"), "x"), 0U);
  // BER allows junk in the unused bits; they must not be read as named bits.
  EXPECT_EQ(decode_named_bits(h("07 FF"), "x"), 1U);
  EXPECT_EQ(decode_named_bits(h("07 00 80"), "x"), 1U << 8);
}

TEST(Es10Bits, DecodeRejectsBadBitStrings) {
  EXPECT_EQ(code_of([] { decode_named_bits({}, "x"); }), Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_named_bits(h("08 00"), "x"); }), Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_named_bits(h("01"), "x"); }), Errc::Malformed);
}

TEST(Es10Bits, RoundTripsEveryBitPosition) {
  for (unsigned bit = 0; bit < 64; ++bit) {
    uint64_t mask = uint64_t{1} << bit;
    EXPECT_EQ(decode_named_bits(encode_named_bits(mask), "x"), mask) << bit;
  }
}

// TS 24.008: byte 1 = MCC2|MCC1, byte 2 = MNC3|MCC3, byte 3 = MNC2|MNC1 (high|low nibble).
TEST(Es10MccMnc, TwoAndThreeDigitMnc) {
  EXPECT_EQ(decode_mcc_mnc(h("02 F6 60")), "20606");   // 206 / 06
  EXPECT_EQ(decode_mcc_mnc(h("62 F2 10")), "26201");   // 262 / 01
  EXPECT_EQ(decode_mcc_mnc(h("13 00 14")), "310410");  // 310 / 410
}

TEST(Es10MccMnc, RejectsBadCoding) {
  EXPECT_EQ(code_of([] { decode_mcc_mnc(h("02 F6")); }), Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_mcc_mnc(h("0A F6 60")); }), Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_mcc_mnc(h("62 FE E0")); }), Errc::Malformed);
}

TEST(Es10MccMnc, WildcardOnlyWhenAllowed) {
  // 62 FE E0: MCC 2,6,E; MNC E,0 (MNC3 = F).
  EXPECT_EQ(decode_mcc_mnc(h("62 FE E0"), true), "26E0E");
}

TEST(Es10MccMnc, OperatorIdFields) {
  OperatorId op = decode_operator_id(h("80 03 02 F6 60 81 01 AA 82 02 BB CC"));
  EXPECT_EQ(op.mcc_mnc, "20606");
  EXPECT_EQ(op.gid1, h("AA"));
  EXPECT_EQ(op.gid2, h("BB CC"));
  OperatorId bare = decode_operator_id(h("80 03 13 00 14 9F 7F 00"));  // unknown field ignored
  EXPECT_EQ(bare.mcc_mnc, "310410");
  EXPECT_FALSE(bare.gid1);
  EXPECT_EQ(code_of([] { decode_operator_id(h("81 01 AA")); }), Errc::Malformed);
}

TEST(Es10Utf8, AcceptsValidAndRejectsBroken) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("Work"));
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo"));              // é
  EXPECT_TRUE(is_valid_utf8("\xE6\x97\xA5\xE6\x9C\xAC"));  // 日本
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x93\xB1"));          // 📱
  EXPECT_FALSE(is_valid_utf8("\xC3"));                     // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                 // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));             // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));         // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("a\x80"));
}
