// The emulated AT modem's interpreter (vmodem/at/at_modem.h) in-process, on the virtual
// eUICC's card: what a person with picocom, or our AtChannelLink, sees it answer.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "tests/unit/veuicc_fixture.h"
#include "vmodem/at/at_modem.h"

using namespace euiccd;
using namespace euiccd::vmodem::at;
using euiccd::veuicc::testing::CardHarness;

namespace {

std::string all(const std::vector<Answer>& answers) {
  std::string out;
  for (const auto& a : answers) out += a.text;
  return out;
}

class VmodemAt : public ::testing::Test {
 protected:
  std::string send(AtModem& modem, const std::string& line) { return all(modem.feed(line + "\r")); }
  CardHarness harness_;
};

TEST_F(VmodemAt, EchoIdentityAndErrorModes) {
  AtModem modem(harness_.card(), {});
  EXPECT_EQ(send(modem, "AT"), "AT\r\r\nOK\r\n");  // echo on at power-up
  EXPECT_EQ(send(modem, "ATE0"), "ATE0\r\r\nOK\r\n");
  EXPECT_EQ(send(modem, "at+cgmi"), "\r\nveuicc\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CGSN"), "\r\n350000000000006\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CGLA=9,10,\"80CA005A00\""), "\r\nERROR\r\n");  // CMEE=0
  EXPECT_EQ(send(modem, "AT+CMEE=1"), "\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CMEE?"), "\r\n+CMEE: 1\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CGLA=9,10,\"80CA005A00\""), "\r\n+CME ERROR: 21\r\n");
  EXPECT_EQ(send(modem, "AT+CMEE=2"), "\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CCHC=9"), "\r\n+CME ERROR: invalid index\r\n");
  EXPECT_EQ(send(modem, "AT+CCHO=?"), "\r\nERROR\r\n");  // as on Fibocom/Sierra
  EXPECT_EQ(send(modem, "AT+NOPE"), "\r\nERROR\r\n");
  // Bytes in any chunks, LF after CR, and non-AT noise are ignored.
  EXPECT_EQ(all(modem.feed("A")), "");
  EXPECT_EQ(all(modem.feed("T\r\n")), "\r\nOK\r\n");
  EXPECT_EQ(send(modem, "hello"), "");
}

TEST_F(VmodemAt, LogicalChannelCommandsPutTheChannelIntoCla) {
  AtModem modem(harness_.card(), {});
  send(modem, "ATE0");
  EXPECT_EQ(send(modem, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""),
            "\r\n+CCHO: 1\r\n\r\nOK\r\n");
  // GetEID (BF3E) sent with CLA 80: the modem makes it 81 for channel 1.
  const std::string eid = send(modem, "AT+CGLA=1,22,\"80E2910006BF3E035C015A\"");
  EXPECT_EQ(eid, "\r\n+CGLA: 46,\"BF3E125A10" + std::string(veuicc::testing::kEid) +
                     "9000\"\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CGLA=1,8,\"80E2910006BF3E035C015A\""), "\r\nERROR\r\n");  // length
  EXPECT_EQ(send(modem, "AT+CCHC=1"), "\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CCHC=1"), "\r\nERROR\r\n");
  EXPECT_EQ(modem.card_apdus(), 4u);  // MANAGE CHANNEL, SELECT, STORE DATA, MANAGE CHANNEL
}

TEST_F(VmodemAt, SessionIdStyles) {
  AtModemOptions sierra;
  sierra.session_ids = SessionIds::Sierra;
  sierra.echo = false;
  AtModem modem(harness_.card(), sierra);
  EXPECT_EQ(send(modem, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""),
            "\r\n+CCHO: 000000000385a7c0\r\n\r\nOK\r\n");
  EXPECT_NE(send(modem, "AT+CGLA=000000000385a7c0,22,\"80E2910006BF3E035C015A\"").find("+CGLA: 46"),
            std::string::npos);
  AtModemOptions bare;
  bare.session_ids = SessionIds::Bare;
  bare.echo = false;
  AtModem fibocom(harness_.card(), bare);
  EXPECT_EQ(send(fibocom, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""), "\r\n2\r\n\r\nOK\r\n");
}

TEST_F(VmodemAt, CsimAndFaults) {
  AtModemOptions o;
  o.echo = false;
  set_option(o, "fault", "no-ccho");
  set_option(o, "fault", "cme-error@2");
  set_option(o, "fault", "slow@3");
  o.delay_ms = 1234;
  AtModem modem(harness_.card(), o);
  send(modem, "AT+CMEE=1");
  EXPECT_EQ(send(modem, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""), "\r\n+CME ERROR: 4\r\n");
  EXPECT_EQ(send(modem, "AT+CSIM=10,\"0070000001\""), "\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CSIM=10,\"0070000001\""), "\r\n+CME ERROR: 13\r\n");
  const auto slow = modem.feed("AT+CSIM=10,\"0070000001\"\r");
  ASSERT_EQ(slow.size(), 2u);
  EXPECT_EQ(slow[1].delay_ms, 1234u);
  EXPECT_EQ(modem.apdu_commands(), 3u);

  AtModemOptions telit;  // the command line buffer holds 30 characters: longer lines fail
  telit.echo = false;
  telit.max_line = 30;
  AtModem short_lines(harness_.card(), telit);
  EXPECT_EQ(send(short_lines, "AT+CSIM=10,\"0070000001\""),
            "\r\n+CSIM: 6,\"039000\"\r\n\r\nOK\r\n");  // the same card: channels 1 and 2 are taken
  EXPECT_EQ(send(short_lines, "AT+CSIM=20,\"00A4040005A000000559\""), "\r\nERROR\r\n");
}

TEST_F(VmodemAt, OptionsAreChecked) {
  AtModemOptions o;
  for (auto [name, value] : {std::pair{"fault", "melt"},
                             {"fault", "silent@0"},
                             {"fault", "slow@x"},
                             {"session-ids", "long"},
                             {"delay-ms", "-1"},
                             {"echo", "yes"},
                             {"colour", "red"}}) {
    try {
      set_option(o, name, value);
      ADD_FAILURE() << name << "=" << value;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::InvalidArgument);
    }
  }
}

// AT+CFUN=0 takes the SIM's power away (issue 13's SIM restart): the sessions are gone and
// the channel commands answer "SIM not inserted" until AT+CFUN=1, which powers up a reset card
// (the channel the old session had is free again).
TEST_F(VmodemAt, CfunTurnsTheSimOffAndBackOnAsAResetCard) {
  AtModem modem(harness_.card(), {});
  send(modem, "ATE0");
  send(modem, "AT+CMEE=1");
  EXPECT_EQ(send(modem, "AT+CFUN?"), "\r\n+CFUN: 1\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""),
            "\r\n+CCHO: 1\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CFUN=0"), "\r\nOK\r\n");
  EXPECT_FALSE(modem.sim_powered());
  EXPECT_EQ(send(modem, "AT+CFUN?"), "\r\n+CFUN: 0\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CGLA=1,22,\"80E2910006BF3E035C015A\""), "\r\n+CME ERROR: 10\r\n");
  EXPECT_EQ(send(modem, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""), "\r\n+CME ERROR: 10\r\n");
  EXPECT_EQ(send(modem, "AT+CSIM=10,\"80F2000000\""), "\r\n+CME ERROR: 10\r\n");
  EXPECT_EQ(send(modem, "AT+CFUN=1"), "\r\nOK\r\n");
  EXPECT_TRUE(modem.sim_powered());
  EXPECT_EQ(send(modem, "AT+CGLA=1,22,\"80E2910006BF3E035C015A\""), "\r\n+CME ERROR: 21\r\n");
  // Channel 1 again: the card was reset, nothing held it open.
  EXPECT_EQ(send(modem, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""),
            "\r\n+CCHO: 1\r\n\r\nOK\r\n");
  EXPECT_EQ(send(modem, "AT+CFUN=7"), "\r\n+CME ERROR: 50\r\n");
  send(modem, "AT+CMEE=2");
  send(modem, "AT+CFUN=0");
  EXPECT_EQ(send(modem, "AT+CCHC=1"), "\r\n+CME ERROR: SIM not inserted\r\n");
}

}  // namespace
