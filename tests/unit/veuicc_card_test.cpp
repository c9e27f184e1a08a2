// ISO 7816 layer of the virtual eUICC: ATR, channels, SELECT, GET RESPONSE, STORE DATA.
#include <gtest/gtest.h>

#include "veuicc_fixture.h"

namespace euiccd::veuicc::testing {
namespace {

const std::string kGetEid = "BF3E035C015A";
const std::string kEidResponse = std::string("BF3E125A10") + kEid;

CardConfig with(Protocol p) {
  CardConfig c;
  c.protocol = p;
  return c;
}
CardConfig t0() {
  return with(Protocol::T0);
}

TEST(VeuiccCard, AtrOffersT0ThenT1WithCheckByteByDefault) {
  CardHarness h;
  // TS 3B, T0 85 (TD1 + 5 historical bytes), TD1 80 (T=0, TD2 follows), TD2 01 (T=1),
  // historical, TCK = XOR(T0..) = 41.
  EXPECT_EQ(to_hex(h.card().atr()),
            "3B8580018073802117"
            "41");
  CardHarness h1({}, with(Protocol::T1));
  EXPECT_EQ(to_hex(h1.card().atr()), "3B85018073802117C1");
  CardHarness h0({}, t0());
  EXPECT_EQ(to_hex(h0.card().atr()), "3B058073802117");
}

TEST(VeuiccCard, BothProtocolsAnswerLikeT1) {
  // vpcd tells the card nothing of the protocol pcscd chose, and no TPDU layer sits between:
  // data inline (up to Le, or 256 without Le) suits T=0 and T=1 clients alike.
  CardHarness h;
  EXPECT_EQ(h.send("0070000002"), "019000");  // no 6C01: P3 is not checked
  EXPECT_EQ(h.send("01A4040010A0000005591010FFFFFFFF8900000100").substr(0, 4), "6F1F");
  EXPECT_EQ(h.send("81E29100"
                   "06" +
                   kGetEid),
            kEidResponse + "9000");
  EXPECT_EQ(h.send("81E29100"
                   "06" +
                   kGetEid + "10"),
            kEidResponse.substr(0, 32) + "6105");
  EXPECT_EQ(h.send("01C0000000"), kEidResponse.substr(32) + "9000");
}

TEST(VeuiccCard, SelectIsdrReturnsFciUnknownAidIs6A82) {
  CardHarness h;
  EXPECT_EQ(h.send(kIsdrSelect),
            "6F1F8410A0000005591010FFFFFFFF8900000100A5049F6501FFE0058203020202"
            "9000");
  EXPECT_EQ(h.send("00A4040C10A0000005591010FFFFFFFF8900000100"), "9000");
  EXPECT_EQ(h.send("00A4040010A0000005591010FFFFFFFF8900000200"), "6A82");
}

TEST(VeuiccCard, Es10NeedsTheIsdrSelectedOnThatChannel) {
  CardHarness h;
  EXPECT_EQ(h.send("80E29100"
                   "06" +
                   kGetEid),
            "6985");
  EXPECT_EQ(h.send("0070000001"), "019000");
  EXPECT_EQ(h.send(kIsdrSelect).substr(0, 2), "6F");  // on channel 0 only
  EXPECT_EQ(h.send("81E29100"
                   "06" +
                   kGetEid),
            "6985");
  EXPECT_EQ(h.send("80E29100"
                   "06" +
                   kGetEid),
            kEidResponse + "9000");
}

TEST(VeuiccCard, ManageChannelOpensLowestFreeAndCloses) {
  CardHarness h;
  EXPECT_EQ(h.send("0070000001"), "019000");
  EXPECT_EQ(h.send("0070000001"), "029000");
  EXPECT_EQ(h.send("0070800100"), "9000");
  EXPECT_EQ(h.send("0070000001"), "019000");
  EXPECT_EQ(h.send("0070800700"), "6881");    // not open
  EXPECT_EQ(h.send("0170000001"), "039000");  // opened from channel 1
  EXPECT_EQ(h.send("0270000001"), "049000");
  EXPECT_EQ(h.send("4170000001"), "6881");  // channel 5 is not open
  EXPECT_EQ(h.send("0570000001"), "6882");  // CLA 05: secure messaging bits
}

TEST(VeuiccCard, ExtendedChannelsUseClass4xAndCx) {
  CardHarness h;
  for (int n = 1; n <= 19; ++n) {
    char expect[8];
    std::snprintf(expect, sizeof expect, "%02X9000", n);
    ASSERT_EQ(h.send("0070000001"), expect);
  }
  EXPECT_EQ(h.send("0070000001"), "6A81");  // all 19 in use
  // Channel 19 = 4 + 15: CLA 4F for SELECT, CF for STORE DATA.
  EXPECT_EQ(h.send("4FA4040C10A0000005591010FFFFFFFF8900000100"), "9000");
  EXPECT_EQ(h.send("CFE29100"
                   "06" +
                   kGetEid),
            kEidResponse + "9000");
  EXPECT_EQ(h.send("C0E29100"
                   "06" +
                   kGetEid),
            "6985");                        // channel 4: nothing selected
  EXPECT_EQ(h.send("0070801300"), "9000");  // close 19
  EXPECT_EQ(h.send("CFE29100"
                   "06" +
                   kGetEid),
            "6881");
}

TEST(VeuiccCard, ResetClosesChannelsAndSelection) {
  CardHarness h;
  h.send("0070000001");
  h.send("01A4040C10A0000005591010FFFFFFFF8900000100");
  h.card().reset();
  EXPECT_EQ(h.send("81E29100"
                   "06" +
                   kGetEid),
            "6881");
  EXPECT_EQ(h.send("80E29100"
                   "06" +
                   kGetEid),
            "6985");
}

TEST(VeuiccCard, StoreDataAssemblesBlocksAndChecksBlockNumbers) {
  CardHarness h;
  h.send(kIsdrSelect);
  EXPECT_EQ(h.send("80E21100"
                   "03BF3E03"),
            "9000");
  EXPECT_EQ(h.send("80E21101"
                   "025C01"),
            "9000");
  EXPECT_EQ(h.send("80E29102"
                   "015A"),
            kEidResponse + "9000");
  // Block number must restart at 00 for the next command.
  EXPECT_EQ(h.send("80E29101"
                   "06" +
                   kGetEid),
            "6A86");
  // A wrong number drops the partial command: its continuation fails too.
  EXPECT_EQ(h.send("80E21100"
                   "02BF3E"),
            "9000");
  EXPECT_EQ(h.send("80E21102"
                   "025C01"),
            "6A86");
  EXPECT_EQ(h.send("80E29101"
                   "015A"),
            "6A86");
  EXPECT_EQ(h.send("80E29100"
                   "06" +
                   kGetEid),
            kEidResponse + "9000");
  EXPECT_EQ(h.send("80E29300"
                   "06" +
                   kGetEid),
            "6A86");  // P1 neither 11 nor 91
  EXPECT_EQ(h.send("00E29100"
                   "06" +
                   kGetEid),
            "6E00");  // STORE DATA needs class 8x
}

TEST(VeuiccCard, MaxBlockRejectsLargerBlocksWith6700) {
  CardConfig c;
  c.max_block = 4;
  CardHarness h({}, c);
  h.send(kIsdrSelect);
  EXPECT_EQ(h.send("80E29100"
                   "06" +
                   kGetEid),
            "6700");
  EXPECT_EQ(h.send("80E21100"
                   "04BF3E035C"),
            "9000");
  EXPECT_EQ(h.send("80E29101"
                   "02015A"),
            kEidResponse + "9000");
}

TEST(VeuiccCard, MalformedAndUnknownEs10) {
  CardHarness h;
  EXPECT_EQ(h.es10("BF2E05"), "6A80");        // length beyond the data
  EXPECT_EQ(h.es10("BF2E0000"), "6A80");      // trailing byte
  EXPECT_EQ(h.es10("BF7F00"), "6A88");        // no such function
  EXPECT_EQ(h.send("80CA00005A"), "6D00");    // unsupported INS
  EXPECT_EQ(h.send("A0A4000002"), "6E00");    // GSM class
  EXPECT_EQ(h.send("80E291"), "6700");        // too short for an APDU
  EXPECT_EQ(h.send("80E291000A01"), "6700");  // Lc longer than the data
}

TEST(VeuiccCard, T0AnswersThroughGetResponseAnd6Cxx) {
  CardHarness h({}, t0());
  // Case 2 with the right P3 gets the data directly; a wrong one gets 6Cxx.
  EXPECT_EQ(h.send("0070000002"), "6C01");
  EXPECT_EQ(h.send("0070000001"), "019000");
  EXPECT_EQ(h.send("01A4040010A0000005591010FFFFFFFF8900000100"), "6121");
  EXPECT_EQ(h.send("01C0000021").substr(0, 4), "6F1F");
  EXPECT_EQ(h.send("81E29100"
                   "06" +
                   kGetEid),
            "6115");
  EXPECT_EQ(h.send("01C0000020"), "6C15");                               // Le too large
  EXPECT_EQ(h.send("81C0000010"), kEidResponse.substr(0, 32) + "6105");  // CLA 8x accepted
  EXPECT_EQ(h.send("01C0000005"), kEidResponse.substr(32) + "9000");
  EXPECT_EQ(h.send("01C0000005"), "6985");  // nothing left
}

TEST(VeuiccCard, T1LongResponsesComeIn61xxChunks) {
  CardState s;
  for (uint8_t i = 0; i < 4; ++i) {
    Profile p = make_profile("894447650000122415" + std::to_string(i), false, i);
    p.icon = Bytes(150, i);
    s.profiles.push_back(p);
  }
  CardHarness h(s);
  h.send(kIsdrSelect);
  const std::string first = h.send("80E2910003BF2D00");
  ASSERT_GT(first.size(), 4u) << first;
  ASSERT_EQ(first.size(), (256 + 2) * 2);
  std::string sw = first.substr(512);
  std::string data = first.substr(0, 512);
  int rounds = 0;
  while (sw.substr(0, 2) == "61") {
    ASSERT_LT(++rounds, 10);
    const size_t announced = sw.substr(2) == "00" ? 256 : std::stoul(sw.substr(2), nullptr, 16);
    const std::string chunk = h.send("00C00000" + sw.substr(2));
    ASSERT_EQ(chunk.size(), announced * 2 + 4) << chunk;  // exactly what 61xx announced
    data += chunk.substr(0, chunk.size() - 4);
    sw = chunk.substr(chunk.size() - 4);
  }
  EXPECT_EQ(sw, "9000");
  EXPECT_GE(rounds, 2);  // more than 512 bytes: two GET RESPONSEs at least
  // Reassembled, it is one BF2D TLV of the announced length.
  const Bytes whole = from_hex(data);
  const tlv::Tlv t = tlv::parse_one(whole);
  EXPECT_EQ(t.tag, 0xBF2Du);
  EXPECT_EQ(t.require(0xA0, "list").children().size(), 4u);
}

TEST(VeuiccCard, ProactiveRefreshAfterEnableWithRefreshFlag) {
  CardState s;
  s.profiles.push_back(make_profile("8944476500001224158", false, 0));
  CardConfig c;
  c.proactive_refresh = true;
  CardHarness h(s, c);
  // BF31 { A0 { 5A iccid }, 81 01 FF } → ok, SW 910B: an 11-byte REFRESH waits for FETCH.
  EXPECT_EQ(h.es10("BF3111A00C5A0A984474560000214251F8"
                   "8101FF"),
            "BF3103800100910B");
  EXPECT_EQ(h.send("801200000B"), "D0098103010104820281829000");
  EXPECT_EQ(h.send("801200000B"), "6985");
}

}  // namespace
}  // namespace euiccd::veuicc::testing
