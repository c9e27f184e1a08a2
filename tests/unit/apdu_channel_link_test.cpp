// LogicalChannel and Es10Channel over a ChannelLink whose carrier opens the channel itself (as
// QMI, MBIM and AT+CCHO do): what the shared layer must do on any carrier. The link here is a
// script of the calls a carrier sees; the basic-channel link (MANAGE CHANNEL + SELECT) is
// covered through apdu_logical_channel_test.
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "apdu/channel_link.h"
#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"

using namespace euiccd;
using namespace euiccd::apdu;

namespace {

// Records every call; transmit answers from a script of (command hex, response hex).
class CarrierLink : public ChannelLink {
 public:
  OpenedChannel open(const std::vector<Bytes>& aids) override {
    calls.push_back("open " + std::to_string(aids.size()));
    if (refuse_open) throw Error(Errc::NotAllowed, "the modem refused access to the ISD-R");
    open_now = true;
    return {channel, aids.front(), {}};
  }
  Bytes transmit(ByteView command) override {
    calls.push_back("transmit " + to_hex(command));
    if (reset_on_next) {
      reset_on_next = false;
      ++resets;
      open_now = false;
      throw CardResetError("the modem restarted");
    }
    if (script.empty()) throw Error(Errc::Internal, "no answer scripted for " + to_hex(command));
    EXPECT_EQ(to_hex(command), script.front().first);
    Bytes answer = from_hex(script.front().second);
    script.pop_front();
    return answer;
  }
  void close() noexcept override {
    calls.push_back("close");
    open_now = false;
  }
  void reattach() override {
    calls.push_back("reattach");
    ++resets;
    open_now = false;
  }
  Protocol protocol() const override { return Protocol::T1; }
  uint64_t reset_count() const override { return resets; }

  void answer(const std::string& command, std::string response) {
    std::erase(response, ' ');  // spaces are for reading
    script.emplace_back(command, response);
  }

  uint8_t channel = 2;
  bool refuse_open = false;
  bool reset_on_next = false;
  bool open_now = false;
  uint64_t resets = 0;
  std::vector<std::string> calls;
  std::deque<std::pair<std::string, std::string>> script;
};

const Command kGetEid{0x80, 0xE2, 0x91, 0x00, from_hex("BF3E035C015A"), std::nullopt};

TEST(ChannelLinkCarrier, OpensThroughTheLinkAndSendsOnItsChannel) {
  CarrierLink link;
  link.answer("82E2910006BF3E035C015A", "6103");
  link.answer("02C0000003", "BF3E00 9000");
  {
    LogicalChannel channel(link);
    Response r = channel.transmit(kGetEid);
    EXPECT_EQ(r.sw, 0x9000);
    EXPECT_EQ(to_hex(r.data), "BF3E00");
    EXPECT_EQ(channel.number(), 2);
    EXPECT_EQ(channel.selected_aid(), gsma_isd_r_aid());
    EXPECT_TRUE(channel.fci().empty());
    // The carrier's own open is not an APDU of ours: only the command and GET RESPONSE count.
    EXPECT_EQ(channel.stats().apdus, 2u);
  }
  EXPECT_EQ(link.calls, (std::vector<std::string>{"open 3", "transmit 82E2910006BF3E035C015A",
                                                  "transmit 02C0000003", "close"}));
}

TEST(ChannelLinkCarrier, ExtendedChannelNumbersGoInTheCla) {
  CarrierLink link;
  link.channel = 7;
  link.answer("C3E2910006BF3E035C015A", "9000");
  LogicalChannel channel(link);
  EXPECT_TRUE(channel.transmit(kGetEid).ok());
}

TEST(ChannelLinkCarrier, RefusalToOpenIsTheCarriersError) {
  CarrierLink link;
  link.refuse_open = true;
  LogicalChannel channel(link);
  try {
    channel.transmit(kGetEid);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::NotAllowed);
  }
  EXPECT_FALSE(channel.is_open());
  link.refuse_open = false;
  link.answer("82E2910006BF3E035C015A", "9000");
  EXPECT_TRUE(channel.transmit(kGetEid).ok());  // opens on the next use
}

// The card forgot our channel (6881): the link re-attaches, the count goes up, the command is
// reported as not run, and the next use opens again without closing the forgotten channel.
TEST(ChannelLinkCarrier, ForgottenChannelReattachesTheLink) {
  CarrierLink link;
  link.answer("82E2910006BF3E035C015A", "6881");
  LogicalChannel channel(link);
  EXPECT_THROW(channel.transmit(kGetEid), CardResetError);
  EXPECT_EQ(link.reset_count(), 1u);
  link.answer("82E2910006BF3E035C015A", "9000");
  EXPECT_TRUE(channel.transmit(kGetEid).ok());
  EXPECT_EQ(link.calls,
            (std::vector<std::string>{"open 3", "transmit 82E2910006BF3E035C015A", "reattach",
                                      "open 3", "transmit 82E2910006BF3E035C015A"}));
}

// A modem restart before the first STORE DATA block: Es10Channel retries the command once on a
// fresh channel, and the reset is visible to the engine through reset_count().
TEST(ChannelLinkCarrier, ResetBeforeTheCommandIsRetriedOnAFreshChannel) {
  CarrierLink link;
  LogicalChannel channel(link);
  Es10Channel es10(channel);
  link.answer("82E2910006BF3E035C015A", "BF3E00 9000");
  EXPECT_EQ(to_hex(es10.transceive(from_hex("BF3E035C015A"))), "BF3E00");
  link.reset_on_next = true;
  link.answer("82E2910006BF3E035C015A", "BF3E00 9000");
  EXPECT_EQ(to_hex(es10.transceive(from_hex("BF3E035C015A"))), "BF3E00");
  EXPECT_EQ(es10.reset_count(), 1u);
  const std::vector<std::string> tail(link.calls.end() - 3, link.calls.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"transmit 82E2910006BF3E035C015A", "open 3",
                                            "transmit 82E2910006BF3E035C015A"}));
}

// A reset seen on the carrier's side between commands: the channel is gone, so nothing is
// closed and the next command opens a new one.
TEST(ChannelLinkCarrier, ResetBetweenCommandsReopensWithoutClosing) {
  CarrierLink link;
  {
    LogicalChannel channel(link);
    channel.open();
    ++link.resets;
    link.answer("82E2910006BF3E035C015A", "9000");
    EXPECT_TRUE(channel.transmit(kGetEid).ok());
    ++link.resets;
  }  // reset again before the end: nothing to close
  EXPECT_EQ(link.calls,
            (std::vector<std::string>{"open 3", "open 3", "transmit 82E2910006BF3E035C015A"}));
}

}  // namespace
