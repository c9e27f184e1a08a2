#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu_scripted_card.h"
#include "base/error.h"

using namespace euiccd;
using namespace euiccd::apdu;
using euiccd::apdu::testing::script_open;
using euiccd::apdu::testing::ScriptedCard;

namespace {

Bytes payload(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + 3);
  return b;
}

// One expected STORE DATA block on channel 1: P1, P2 and the slice [offset, offset+length).
struct Block {
  uint8_t p1;
  uint8_t p2;
  size_t offset;
  size_t length;
};

std::string store_data_hex(const Bytes& data, const Block& b, uint8_t cla = 0x81) {
  Bytes apdu{cla, 0xE2, b.p1, b.p2};
  if (b.length > 0) {
    apdu.push_back(static_cast<uint8_t>(b.length));
    apdu.insert(apdu.end(), data.begin() + static_cast<std::ptrdiff_t>(b.offset),
                data.begin() + static_cast<std::ptrdiff_t>(b.offset + b.length));
  }
  return to_hex(apdu);
}

struct Fixture {
  ScriptedCard card;
  LogicalChannel channel{card};
  explicit Fixture(Protocol p = Protocol::T1) : card(p) { script_open(card, 1, 0x01); }
  ~Fixture() { card.expect("00 70 80 01 00", "9000"); }
};

class StoreDataBlocks : public ::testing::TestWithParam<std::tuple<size_t, std::vector<Block>>> {};

TEST_P(StoreDataBlocks, NumberedFromZeroWithP1MarkingTheLast) {
  const auto& [size, blocks] = GetParam();
  Fixture f;
  const Bytes command = payload(size);
  for (size_t i = 0; i < blocks.size(); ++i) {
    const bool last = i + 1 == blocks.size();
    f.card.expect(store_data_hex(command, blocks[i]), last ? "BF2E00 9000" : "9000");
  }
  Es10Channel es10(f.channel);
  EXPECT_EQ(to_hex(es10.transceive(command)), "BF2E00");
  EXPECT_EQ(f.card.remaining(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, StoreDataBlocks,
    ::testing::Values(
        std::make_tuple(size_t{0}, std::vector<Block>{{0x91, 0, 0, 0}}),
        std::make_tuple(size_t{1}, std::vector<Block>{{0x91, 0, 0, 1}}),
        std::make_tuple(size_t{255}, std::vector<Block>{{0x91, 0, 0, 255}}),
        std::make_tuple(size_t{256}, std::vector<Block>{{0x11, 0, 0, 255}, {0x91, 1, 255, 1}}),
        std::make_tuple(size_t{510}, std::vector<Block>{{0x11, 0, 0, 255}, {0x91, 1, 255, 255}}),
        std::make_tuple(size_t{511},
                        std::vector<Block>{
                            {0x11, 0, 0, 255}, {0x11, 1, 255, 255}, {0x91, 2, 510, 1}}),
        // AOSP's vector: 255 + 255 + 16 bytes.
        std::make_tuple(size_t{526},
                        std::vector<Block>{
                            {0x11, 0, 0, 255}, {0x11, 1, 255, 255}, {0x91, 2, 510, 16}})));

TEST(Es10Channel, BlockNumbersRestartForEveryCommand) {
  Fixture f;
  const Bytes big = payload(300);
  f.card.expect(store_data_hex(big, {0x11, 0, 0, 255}), "9000")
      .expect(store_data_hex(big, {0x91, 1, 255, 45}), "9000")
      .expect(store_data_hex(big, {0x11, 0, 0, 255}), "9000")
      .expect(store_data_hex(big, {0x91, 1, 255, 45}), "BF3700 9000");
  Es10Channel es10(f.channel);
  EXPECT_TRUE(es10.transceive(big).empty());  // no data after the last block is fine
  EXPECT_EQ(to_hex(es10.transceive(big)), "BF3700");
}

TEST(Es10Channel, ResponseThroughGetResponse) {
  Fixture f;
  f.card.expect("81 E2 91 00 03 BF2000", "61 05").expect("01 C0 00 00 05", "BF20 03 800101 9000");
  Es10Channel es10(f.channel);
  EXPECT_EQ(to_hex(es10.transceive(from_hex("BF2000"))), "BF2003800101");
}

TEST(Es10Channel, ExtendedLogicalChannel) {
  ScriptedCard card;
  card.expect("00 70 00 00 01", "13 9000")
      .expect(std::string("4F A4 04 00 10") + euiccd::apdu::testing::kIsdR, "9000")
      .expect("CF E2 91 00 03 BF2E00", "BF2E00 9000")
      .expect("00 70 80 13 00", "9000");
  LogicalChannel channel(card);
  Es10Channel es10(channel);
  EXPECT_EQ(to_hex(es10.transceive(from_hex("BF2E00"))), "BF2E00");
}

TEST(Es10Channel, ConfiguredSegmentSize) {
  Fixture f;
  const Bytes command = payload(250);
  f.card.expect(store_data_hex(command, {0x11, 0, 0, 120}), "9000")
      .expect(store_data_hex(command, {0x11, 1, 120, 120}), "9000")
      .expect(store_data_hex(command, {0x91, 2, 240, 10}), "9000");
  Es10Channel es10(f.channel, 120);
  es10.transceive(command);
  EXPECT_EQ(f.card.remaining(), 0u);
  EXPECT_THROW(Es10Channel(f.channel, 0), Error);
  EXPECT_THROW(Es10Channel(f.channel, 256), Error);
}

class SegmentFallback : public ::testing::TestWithParam<const char*> {};

TEST_P(SegmentFallback, StepsDownRestartsFromBlockZeroAndRemembers) {
  Fixture f;
  const Bytes command = payload(300);
  f.card.expect(store_data_hex(command, {0x11, 0, 0, 255}), "9000")
      .expect(store_data_hex(command, {0x91, 1, 255, 45}), GetParam())
      .expect(store_data_hex(command, {0x11, 0, 0, 120}), "9000")
      .expect(store_data_hex(command, {0x11, 1, 120, 120}), "9000")
      .expect(store_data_hex(command, {0x91, 2, 240, 60}), "BF2E00 9000");
  Es10Channel es10(f.channel);
  EXPECT_EQ(to_hex(es10.transceive(command)), "BF2E00");
  EXPECT_EQ(es10.segment_size(), 120u);
  // The next command starts with the size that worked.
  const Bytes next = payload(130);
  f.card.expect(store_data_hex(next, {0x11, 0, 0, 120}), "9000")
      .expect(store_data_hex(next, {0x91, 1, 120, 10}), "9000");
  es10.transceive(next);
  EXPECT_EQ(f.card.remaining(), 0u);
}

INSTANTIATE_TEST_SUITE_P(WrongLengthAndSecurityIssue, SegmentFallback,
                         ::testing::Values("6700", "6601"));

TEST(Es10Channel, FallbackGivesUpWithTheStatusWord) {
  Fixture f;
  const Bytes command = payload(20);
  f.card
      .expect(store_data_hex(command, {0x91, 0, 0, 20}), "6700")   // 255
      .expect(store_data_hex(command, {0x91, 0, 0, 20}), "6700")   // 120
      .expect(store_data_hex(command, {0x91, 0, 0, 20}), "6700")   // 64
      .expect(store_data_hex(command, {0x91, 0, 0, 20}), "6700")   // 32
      .expect(store_data_hex(command, {0x11, 0, 0, 16}), "6700");  // 16
  Es10Channel es10(f.channel);
  try {
    es10.transceive(command);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardError);
    EXPECT_NE(std::string(e.what()).find("6700"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.card.remaining(), 0u);
}

TEST(Es10Channel, IntermediateBlockWithDataIsAnError) {
  Fixture f;
  const Bytes command = payload(300);
  f.card.expect(store_data_hex(command, {0x11, 0, 0, 255}), "BF2E00 9000");
  Es10Channel es10(f.channel);
  try {
    es10.transceive(command);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_NE(std::string(e.what()).find("block 0"), std::string::npos) << e.what();
  }
}

TEST(Es10Channel, IntermediateBlockWithErrorStatusIsAnError) {
  Fixture f;
  const Bytes command = payload(300);
  f.card.expect(store_data_hex(command, {0x11, 0, 0, 255}), "6A80");
  Es10Channel es10(f.channel);
  try {
    es10.transceive(command);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardError);
    const std::string message = e.what();
    EXPECT_NE(message.find("6A80"), std::string::npos) << message;
    EXPECT_NE(message.find("block 0 of 2"), std::string::npos) << message;
  }
}

TEST(Es10Channel, LastBlockErrorStatusNamesTheCommand) {
  Fixture f;
  f.card.expect("81 E2 91 00 03 BF2E00", "6D00");
  Es10Channel es10(f.channel);
  try {
    es10.transceive(from_hex("BF2E00"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::NotSupported);
    EXPECT_NE(std::string(e.what()).find("BF2E"), std::string::npos) << e.what();
  }
}

TEST(Es10Channel, ResetBeforeTheFirstBlockIsRetriedOnAFreshChannel) {
  Fixture f;
  f.card.expect_reset_on("81 E2 91 00 03 BF2E00");
  script_open(f.card, 1, 0x01);
  f.card.expect("81 E2 91 00 03 BF2E00", "BF2E00 9000");
  Es10Channel es10(f.channel);
  EXPECT_EQ(to_hex(es10.transceive(from_hex("BF2E00"))), "BF2E00");
}

TEST(Es10Channel, ResetInTheMiddleIsReportedNotRetried) {
  Fixture f;
  const Bytes command = payload(300);
  f.card.expect(store_data_hex(command, {0x11, 0, 0, 255}), "9000")
      .expect_reset_on(store_data_hex(command, {0x91, 1, 255, 45}));
  Es10Channel es10(f.channel);
  try {
    es10.transceive(command);
    FAIL();
  } catch (const CardResetError&) {
    FAIL() << "must not look retryable";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardRemoved);
  }
  script_open(f.card, 1, 0x01);  // the fixture's close comes after a fresh open
  f.card.expect("81 E2 91 00 03 BF2E00", "9000");
  es10.transceive(from_hex("BF2E00"));
}

TEST(Es10Channel, TooManyBlocksIsRefusedBeforeSending) {
  Fixture f;
  Es10Channel es10(f.channel, 16);
  EXPECT_THROW(es10.transceive(payload(16 * 256 + 1)), Error);
  f.card.expect(store_data_hex(payload(1), {0x91, 0, 0, 1}), "9000");
  es10.transceive(payload(1));  // the channel is still usable
}

TEST(Es10Channel, CountsApdusAndBytesEachWay) {
  Fixture f;
  const Bytes command = payload(256);
  f.card.expect(store_data_hex(command, {0x11, 0, 0, 255}), "9000")
      .expect(store_data_hex(command, {0x91, 1, 255, 1}), "6104")
      .expect("01 C0 00 00 04", "BF2E0000 9000");
  Es10Channel es10(f.channel);
  es10.transceive(command);
  // MANAGE CHANNEL (5 out, 3 in), SELECT (21 out, 2 in), blocks (260, 6 out; 2, 2 in),
  // GET RESPONSE (5 out, 6 in).
  EXPECT_EQ(es10.stats().apdus, 5u);
  EXPECT_EQ(es10.stats().bytes_out, 5u + 21u + 260u + 6u + 5u);
  EXPECT_EQ(es10.stats().bytes_in, 3u + 2u + 2u + 2u + 6u);
}

}  // namespace
