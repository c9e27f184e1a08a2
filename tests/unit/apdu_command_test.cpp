#include <gtest/gtest.h>

#include "apdu/command.h"
#include "base/error.h"

using namespace euiccd;
using namespace euiccd::apdu;

namespace {

TEST(ClaForChannel, BasicChannelsUseTheLowTwoBits) {
  EXPECT_EQ(cla_for_channel(0x00, 0), 0x00);
  EXPECT_EQ(cla_for_channel(0x00, 1), 0x01);
  EXPECT_EQ(cla_for_channel(0x00, 3), 0x03);
  EXPECT_EQ(cla_for_channel(0x80, 0), 0x80);
  EXPECT_EQ(cla_for_channel(0x80, 1), 0x81);  // STORE DATA on channel 1 (lpac #143 transcript)
  EXPECT_EQ(cla_for_channel(0x80, 3), 0x83);
}

TEST(ClaForChannel, ExtendedChannelsUseTheFurtherInterindustryCoding) {
  EXPECT_EQ(cla_for_channel(0x00, 4), 0x40);  // SELECT on channel 4
  EXPECT_EQ(cla_for_channel(0x80, 4), 0xC0);
  EXPECT_EQ(cla_for_channel(0x80, 5), 0xC1);
  EXPECT_EQ(cla_for_channel(0x00, 12), 0x48);
  EXPECT_EQ(cla_for_channel(0x00, 19), 0x4F);
  EXPECT_EQ(cla_for_channel(0x80, 19), 0xCF);
}

TEST(ClaForChannel, EveryChannelMapsBackToItself) {
  for (uint8_t ch = 0; ch <= 19; ++ch) {
    for (uint8_t base : {0x00, 0x80}) {
      const uint8_t cla = cla_for_channel(base, ch);
      const int decoded = (cla & 0x40) ? (cla & 0x0F) + 4 : (cla & 0x03);
      EXPECT_EQ(decoded, ch) << "class " << int(base);
      EXPECT_EQ(cla & 0x80, base) << "channel " << int(ch);
    }
  }
}

TEST(ClaForChannel, RejectsWhatACLACannotSay) {
  EXPECT_THROW(cla_for_channel(0x00, 20), Error);
  EXPECT_THROW(cla_for_channel(0x80, 255), Error);
  EXPECT_THROW(cla_for_channel(0x01, 1), Error);  // channel bits already set
  EXPECT_THROW(cla_for_channel(0x40, 0), Error);
  EXPECT_THROW(cla_for_channel(0x0C, 5), Error);  // secure messaging on an extended channel
  EXPECT_EQ(cla_for_channel(0x0C, 2), 0x0E);
}

TEST(CommandEncode, Cases) {
  EXPECT_EQ(to_hex(Command{0x00, 0x70, 0x80, 0x02, {}, std::nullopt}.encode()), "00708002");
  EXPECT_EQ(to_hex(Command{0x00, 0x70, 0x00, 0x00, {}, 0x01}.encode()), "0070000001");
  EXPECT_EQ(to_hex(Command{0x80, 0xE2, 0x91, 0x00, from_hex("BF2E00"), std::nullopt}.encode(1)),
            "81E2910003BF2E00");
  EXPECT_EQ(to_hex(Command{0x00, 0xA4, 0x04, 0x00, from_hex("A000000559"), 0x00}.encode(7)),
            "43A4040005A00000055900");
}

TEST(CommandEncode, DataLengthLimits) {
  Command c{0x80, 0xE2, 0x91, 0x00, Bytes(255, 0xAB), std::nullopt};
  Bytes encoded = c.encode();
  ASSERT_EQ(encoded.size(), 5u + 255u);
  EXPECT_EQ(encoded[4], 0xFF);
  c.data.push_back(0x01);
  EXPECT_THROW(c.encode(), Error);
}

}  // namespace
