#include <gtest/gtest.h>

#include <string>

#include "apdu/logical_channel.h"
#include "apdu_scripted_card.h"
#include "base/error.h"

using namespace euiccd;
using namespace euiccd::apdu;
using euiccd::apdu::testing::kIsdR;
using euiccd::apdu::testing::script_open;
using euiccd::apdu::testing::ScriptedCard;

namespace {

const Command kGetEid{0x80, 0xE2, 0x91, 0x00, from_hex("BF3E035C015A"), std::nullopt};

std::string hex_of(size_t n, uint8_t start) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + i);
  return to_hex(b);
}

TEST(LogicalChannel, OpensSelectsTransmitsAndCloses) {
  ScriptedCard card;
  card.expect("00 70 00 00 01", "01 9000")
      .expect(std::string("01 A4 04 00 10") + kIsdR, "6F 03 84 01 AA 9000")
      .expect("81 E2 91 00 06 BF3E035C015A", "BF3E 12 5A10 89049032123451234512345678901235 9000")
      .expect("00 70 80 01 00", "9000");
  {
    LogicalChannel channel(card);
    Response r = channel.transmit(kGetEid);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.sw, 0x9000);
    EXPECT_EQ(to_hex(r.data), "BF3E125A1089049032123451234512345678901235");
    EXPECT_EQ(channel.number(), 1);
    EXPECT_EQ(to_hex(channel.selected_aid()), kIsdR);
    EXPECT_EQ(to_hex(channel.fci()), "6F038401AA");
    EXPECT_EQ(channel.stats().apdus, 3u);
    EXPECT_EQ(channel.stats().bytes_out, 5u + 21u + 11u);
    EXPECT_EQ(channel.stats().bytes_in, 3u + 7u + 23u);
  }  // the destructor closes
  EXPECT_EQ(card.remaining(), 0u);
}

TEST(LogicalChannel, ExtendedChannelNumberSetsTheCla) {
  ScriptedCard card;
  card.expect("00 70 00 00 01", "05 9000")
      .expect(std::string("41 A4 04 00 10") + kIsdR, "9000")
      .expect("C1 E2 91 00 06 BF3E035C015A", "9000")
      .expect("00 70 80 05 00", "9000");
  LogicalChannel channel(card);
  EXPECT_TRUE(channel.transmit(kGetEid).ok());
  channel.close();
  EXPECT_FALSE(channel.is_open());
  EXPECT_EQ(card.remaining(), 0u);
}

TEST(LogicalChannel, SelectFallsBackThroughTheAidListOn6A82) {
  ScriptedCard card;
  card.expect("00 70 00 00 01", "02 9000")
      .expect(std::string("02 A4 04 00 10") + kIsdR, "6A82")
      .expect("02 A4 04 00 10 A0000005591010000000008900000300", "6A82")
      .expect("02 A4 04 00 10 A0000005591010FFFFFFFF8900050500", "61 04")
      .expect("02 C0 00 00 04", "6F 02 8401 9000");
  LogicalChannel channel(card);
  channel.open();
  EXPECT_EQ(to_hex(channel.selected_aid()), "A0000005591010FFFFFFFF8900050500");
  EXPECT_EQ(to_hex(channel.fci()), "6F028401");
  card.expect("00 70 80 02 00", "9000");
}

TEST(LogicalChannel, NoKnownAidClosesTheChannelAndSaysSo) {
  ScriptedCard card;
  card.expect("00 70 00 00 01", "01 9000")
      .expect(std::string("01 A4 04 00 10") + kIsdR, "6A82")
      .expect("00 70 80 01 00", "9000");
  LogicalChannel channel(card, {gsma_isd_r_aid()});
  try {
    channel.open();
    FAIL() << "open() succeeded on a card without ISD-R";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::NotSupported);
    EXPECT_NE(std::string(e.what()).find(kIsdR), std::string::npos) << e.what();
  }
  EXPECT_FALSE(channel.is_open());
  EXPECT_EQ(card.remaining(), 0u);
}

TEST(LogicalChannel, OtherSelectErrorsAreNotMaskedByTheFallback) {
  ScriptedCard card;
  card.expect("00 70 00 00 01", "01 9000")
      .expect(std::string("01 A4 04 00 10") + kIsdR, "6985")
      .expect("00 70 80 01 00", "9000");
  LogicalChannel channel(card);
  try {
    channel.open();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardError);
    EXPECT_NE(std::string(e.what()).find("6985"), std::string::npos) << e.what();
  }
}

TEST(LogicalChannel, ManageChannelRefusalsAreClear) {
  {
    ScriptedCard card;
    card.expect("00 70 00 00 01", "6881");
    LogicalChannel channel(card);
    try {
      channel.open();
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::NotSupported);
      EXPECT_NE(std::string(e.what()).find("logical channel"), std::string::npos);
    }
  }
  for (const char* bad : {"9000", "0102 9000", "00 9000", "14 9000"}) {
    ScriptedCard card;
    card.expect("00 70 00 00 01", bad);
    LogicalChannel channel(card);
    try {
      channel.open();
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::Malformed) << bad;
    }
  }
}

TEST(LogicalChannel, GetResponseChainsAreConcatenated) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "61 00")
      .expect("01 C0 00 00 00", hex_of(256, 0) + "61 00")
      .expect("01 C0 00 00 00", hex_of(256, 1) + "61 10")
      .expect("01 C0 00 00 10", hex_of(16, 2) + "9000");
  LogicalChannel channel(card);
  Response r = channel.transmit(kGetEid);
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(to_hex(r.data), hex_of(256, 0) + hex_of(256, 1) + hex_of(16, 2));
  EXPECT_EQ(card.remaining(), 0u);
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, WrongLeIsResentOnceWithTheCardsLe) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  Command read{0x00, 0xB0, 0x00, 0x00, {}, 0x00};
  card.expect("01 B0 00 00 00", "6C 03").expect("01 B0 00 00 03", "AABBCC 9000");
  LogicalChannel channel(card);
  Response r = channel.transmit(read);
  EXPECT_EQ(to_hex(r.data), "AABBCC");
  EXPECT_EQ(r.sw, 0x9000);
  // A second 6Cxx is returned, not looped on.
  card.expect("01 B0 00 00 00", "6C 03").expect("01 B0 00 00 03", "6C 02");
  EXPECT_EQ(channel.transmit(read).sw, 0x6C02);
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, T0DropsLeOnCaseFourAndCollectsThe61xxData) {
  ScriptedCard card(Protocol::T0);
  script_open(card, 1, 0x01);
  Command case4{0x80, 0xE2, 0x91, 0x00, from_hex("BF2E00"), 0x00};
  card.expect("81 E2 91 00 03 BF2E00", "61 03").expect("01 C0 00 00 03", "BF2E00 9000");
  LogicalChannel channel(card);
  Response r = channel.transmit(case4);
  EXPECT_EQ(to_hex(r.data), "BF2E00");
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, T1KeepsLeAndTakesInlineData) {
  ScriptedCard card(Protocol::T1);
  script_open(card, 1, 0x01);
  Command case4{0x80, 0xE2, 0x91, 0x00, from_hex("BF2E00"), 0x00};
  card.expect("81 E2 91 00 03 BF2E00 00", "BF2E00 9000");
  LogicalChannel channel(card);
  EXPECT_EQ(to_hex(channel.transmit(case4).data), "BF2E00");
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, ProactiveCommandPendingIsSuccessAndRemembered) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "61 02").expect("01 C0 00 00 02", "A000 91 1A");
  LogicalChannel channel(card);
  EXPECT_FALSE(channel.proactive_pending());
  Response r = channel.transmit(kGetEid);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(to_hex(r.data), "A000");
  ASSERT_TRUE(channel.proactive_pending());
  EXPECT_EQ(*channel.proactive_pending(), 0x1A);
  channel.clear_proactive_pending();
  EXPECT_FALSE(channel.proactive_pending());
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, EndlessGetResponseIsCutOff) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "61 00");
  // 64 KiB is 256 full pieces; the 257th overflows the bound.
  for (int i = 0; i < 257; ++i) card.expect("01 C0 00 00 00", hex_of(256, 0) + "6100");
  LogicalChannel channel(card);
  try {
    channel.transmit(kGetEid);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
  }
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, EmptyGetResponsesDoNotLoopForever) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "61 01");
  for (int i = 0; i < LogicalChannel::kMaxGetResponses; ++i) {
    card.expect("01 C0 00 00 01", "6101");
  }
  LogicalChannel channel(card);
  EXPECT_THROW(channel.transmit(kGetEid), Error);
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, ResponseShorterThanAStatusWordIsMalformed) {
  ScriptedCard card;
  card.expect("00 70 00 00 01", "90");
  LogicalChannel channel(card);
  try {
    channel.open();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
  }
}

TEST(LogicalChannel, ReopensAndReselectsAfterAResetSeenByTheCard) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "9000");
  LogicalChannel channel(card);
  channel.transmit(kGetEid);
  card.bump_reset_count();  // e.g. the reader reconnected after a reset
  script_open(card, 2, 0x02);
  card.expect("82 E2 91 00 06 BF3E035C015A", "9000");
  EXPECT_TRUE(channel.transmit(kGetEid).ok());
  EXPECT_EQ(channel.number(), 2);
  card.expect("00 70 80 02 00", "9000");
}

TEST(LogicalChannel, ResetErrorClosesAndTheNextUseReopens) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect_reset_on("81 E2 91 00 06 BF3E035C015A");
  LogicalChannel channel(card);
  EXPECT_THROW(channel.transmit(kGetEid), CardResetError);
  EXPECT_FALSE(channel.is_open());
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "9000");
  EXPECT_TRUE(channel.transmit(kGetEid).ok());
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, ResetWhileReadingTheAnswerIsNotRetryable) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "6110").expect_reset_on("01 C0 00 00 10");
  LogicalChannel channel(card);
  try {
    channel.transmit(kGetEid);
    FAIL();
  } catch (const CardResetError&) {
    FAIL() << "a reset after the command ran must not look retryable";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardRemoved);
  }
  EXPECT_FALSE(channel.is_open());
}

// A reset nobody reported: the card answers 6881 on the channel it no longer has. That is a
// reset (count up, channel closed), and the next use opens a new channel.
TEST(LogicalChannel, ChannelTheCardForgotIsAReset) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "6881");
  LogicalChannel channel(card);
  EXPECT_THROW(channel.transmit(kGetEid), CardResetError);
  EXPECT_FALSE(channel.is_open());
  EXPECT_EQ(card.reset_count(), 1u);
  script_open(card, 1, 0x01);
  card.expect("81 E2 91 00 06 BF3E035C015A", "9000");
  EXPECT_TRUE(channel.transmit(kGetEid).ok());
  card.expect("00 70 80 01 00", "9000");
}

TEST(LogicalChannel, CloseAfterResetSendsNothing) {
  ScriptedCard card;
  script_open(card, 1, 0x01);
  LogicalChannel channel(card);
  channel.open();
  card.bump_reset_count();
  channel.close();  // the script has nothing more: any APDU would fail the test
  EXPECT_EQ(card.remaining(), 0u);
}

TEST(LogicalChannel, RejectsBadAidLists) {
  ScriptedCard card;
  EXPECT_THROW(LogicalChannel(card, {}), Error);
  EXPECT_THROW(LogicalChannel(card, {from_hex("A000")}), Error);
  EXPECT_THROW(LogicalChannel(card, {Bytes(17, 0xA0)}), Error);
}

}  // namespace
