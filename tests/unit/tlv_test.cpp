#include "lpa/tlv.h"

#include <gtest/gtest.h>

#include "base/error.h"

using namespace euiccd;
using namespace euiccd::tlv;

namespace {

Bytes hex(std::string_view s) { return from_hex(s); }

// GetEID response from SGP.22 (ES10c.GetEID): BF3E 12 5A 10 <EID>.
TEST(Tlv, DecodesTwoByteConstructedTagWithNestedValue) {
  Bytes in = hex("BF3E125A1089049032123451234512345678901235");
  Tlv t = parse_one(in);
  EXPECT_EQ(t.tag, 0xBF3Eu);
  EXPECT_TRUE(t.constructed());
  Tlv eid = t.require(0x5A, "eid");
  EXPECT_EQ(to_hex(eid.value), "89049032123451234512345678901235");
  EXPECT_EQ(eid.raw.size(), 18u);
}

TEST(Tlv, DecodesLongFormLengths) {
  Bytes value(300, 0xAB);
  Bytes in = hex("86");
  in.push_back(0x82);
  in.push_back(0x01);
  in.push_back(0x2C);
  append(in, value);
  Tlv t = parse_one(in);
  EXPECT_EQ(t.tag, 0x86u);
  EXPECT_EQ(t.value.size(), 300u);

  Bytes one_byte_long = hex("868181");
  one_byte_long.resize(3 + 0x81, 0x01);
  EXPECT_EQ(parse_one(one_byte_long).value.size(), 0x81u);
}

TEST(Tlv, EncodesMinimalLengths) {
  EXPECT_EQ(to_hex(header(0x86, 0x7F)), "867F");
  EXPECT_EQ(to_hex(header(0x86, 0x80)), "868180");
  EXPECT_EQ(to_hex(header(0x86, 0xFF)), "8681FF");
  EXPECT_EQ(to_hex(header(0x86, 0x100)), "86820100");
  EXPECT_EQ(to_hex(header(0xBF36, 0x12345)), "BF3683012345");
  EXPECT_EQ(to_hex(header(0x9F70, 1)), "9F7001");
  EXPECT_EQ(to_hex(header(0x00, 0)), "0000");
}

TEST(Tlv, RoundTripsNestedBuilder) {
  // GetProfilesInfo request with a tag list (SGP.22 5.7.15): BF2D { 5C <tags> }.
  Bytes tags = hex("5A4F9F70");
  Bytes req = Builder(0xBF2D).add(0x5C, tags).bytes();
  EXPECT_EQ(to_hex(req), "BF2D065C045A4F9F70");
  Tlv t = parse_one(req);
  EXPECT_EQ(to_hex(t.require(0x5C, "tag list").value), "5A4F9F70");

  Bytes enable = Builder(0xBF31)
                     .add(Builder(0xA0).add(0x5A, hex("98001032547698103214")))
                     .add(0x81, hex("FF"))
                     .bytes();
  EXPECT_EQ(to_hex(enable), "BF3111A00C5A0A98001032547698103214" "8101FF");
}

TEST(Tlv, ThreeByteTag) {
  Bytes in = hex("BF8101020304");
  Tlv t = parse_one(in);
  EXPECT_EQ(t.tag, 0xBF8101u);
  Bytes out;
  append(out, t.tag, t.value);
  EXPECT_EQ(out, in);
}

TEST(Tlv, RejectsTruncatedAndOverlongInput) {
  const char* bad[] = {
      "",              // nothing
      "BF",            // truncated multi-byte tag
      "BF3E",          // no length
      "5A05010203",    // value shorter than length
      "5A82",          // truncated long length
      "5A80",          // indefinite length
      "5A8501000000",  // 5 length bytes
      "BFFFFFFFFF01",  // tag over 4 bytes
      "5A84FFFFFFFF",  // over the size limit
  };
  for (const char* h : bad) {
    Bytes in = hex(h);
    EXPECT_THROW(parse_one(in), Error) << h;
  }
  Bytes trailing = hex("5A01AA00");
  try {
    parse_one(trailing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_NE(std::string(e.what()).find("trailing"), std::string::npos);
  }
}

TEST(Tlv, ChildrenOfPrimitiveIsAnError) {
  Bytes in = hex("5A0130");
  EXPECT_THROW(parse_one(in).children(), Error);
}

TEST(Tlv, MalformedChildIsFoundWhenSearching) {
  Bytes in = hex("BF2D045A05AABB");  // child claims 5 bytes, 2 remain
  Tlv t = parse_one(in);
  EXPECT_THROW(t.find(0x4F), Error);
}

TEST(Tlv, Integers) {
  EXPECT_EQ(to_hex(encode_uint(0)), "00");
  EXPECT_EQ(to_hex(encode_uint(127)), "7F");
  EXPECT_EQ(to_hex(encode_uint(128)), "0080");
  EXPECT_EQ(to_hex(encode_uint(0x1234)), "1234");
  EXPECT_EQ(decode_uint(hex("0080"), "n"), 128u);
  EXPECT_EQ(decode_uint(hex("7F"), "n"), 127u);
  EXPECT_THROW(decode_uint(Bytes{}, "n"), Error);
  EXPECT_THROW(decode_uint(hex("010203040506070809"), "n"), Error);
}

TEST(Hex, RoundTripAndErrors) {
  EXPECT_EQ(to_hex(from_hex("bf2e00")), "BF2E00");
  EXPECT_THROW(from_hex("ABC"), Error);
  EXPECT_THROW(from_hex("zz"), Error);
}

}  // namespace
