// The AT side of an emulated modem with the virtual eUICC as its SIM: what a modem's AT
// interpreter answers to AT, ATE0/1, AT+CMEE, AT+CGMI/+CGMM/+CGSN/+CGMR, ATI and the
// UICC logical channel commands +CCHO/+CGLA/+CCHC/+CSIM (3GPP TS 27.007), each backed by
// veuicc's Card::transmit, and AT+CFUN: 0 turns radio and SIM off (every session gone; the
// channel commands answer +CME ERROR: 10, SIM not inserted), 1 powers the SIM up again, reset.
// No I/O here: bytes in, answers out (the pty runner in pty_modem.h moves them), so tests can
// drive it directly.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "veuicc/card.h"

namespace euiccd::vmodem::at {

// How +CCHO names a session: the channel number ("+CCHO: 1", most modems), a long hex id
// (Sierra MC7455/EM7590 "+CCHO: 000000000385a7cf"), or a bare number without the +CCHO:
// prefix (Fibocom FM350-GL).
enum class SessionIds { Small, Sierra, Bare };

// Faults of the AT layer, on the APDU commands (+CGLA/+CSIM) numbered from 1.
enum class AtFault {
  CmeError,     // +CME ERROR: 13 (SIM failure) instead of the answer; the card sees nothing
  Silent,       // no answer at all; the card sees nothing
  Garbled,      // the card runs it; the answer is noise bytes and a +CGLA line that lies
  Truncated,    // the card runs it; the answer stops half way through its +CGLA line
  UrcStorm,     // the card runs it; 200 unsolicited lines around and inside the answer
  Urc,          // a few unsolicited lines before and inside the answer (realistic background)
  Slow,         // the answer comes after delay_ms
  NoCcho,       // +CCHO answers "operation not supported" (the +CSIM fallback is used)
  CfunRefused,  // AT+CFUN=<n> answers +CME ERROR: 3 (operation not allowed); nothing changes
  Reset,        // the modem restarts its SIM before the command: the card is reset, every
                // session forgotten, and the command answers +CME ERROR: 21 (invalid index)
};

struct AtFaultRule {
  AtFault kind;
  uint64_t at = 0;  // the APDU command it hits; 0: every one
};

struct AtModemOptions {
  SessionIds session_ids = SessionIds::Small;
  bool echo = true;          // modems power up with ATE1
  size_t max_line = 0;       // longer command lines answer ERROR (Telit: 400); 0: no limit
  unsigned delay_ms = 3000;  // of the slow fault
  unsigned latency_ms = 0;   // added before every card APDU (veuicc's --latency-ms)
  std::vector<AtFaultRule> faults;
  bool verbose = false;
};

// Parses one --at-... option of veuicc ("fault" → "cme-error@3", "session-ids" → "sierra",
// "delay-ms", "max-line", "echo" → "on|off"). Throws Error(InvalidArgument).
void set_option(AtModemOptions& options, std::string_view name, std::string_view value);

// One piece of output: write `text` after waiting `delay_ms`.
struct Answer {
  std::string text;
  unsigned delay_ms = 0;
};

class AtModem {
 public:
  AtModem(veuicc::Card& card, AtModemOptions options);

  // Takes bytes from the host; returns what the modem sends back (echo included), in order.
  std::vector<Answer> feed(std::string_view bytes);

  uint64_t apdu_commands() const { return apdu_commands_; }  // +CGLA/+CSIM seen
  uint64_t card_apdus() const { return card_apdus_; }        // APDUs that reached the card
  bool sim_powered() const { return fun_ != 0; }

 private:
  std::vector<Answer> run(const std::string& line);
  std::string execute(std::string_view command);  // after "AT": the reply without echo
  std::string error(int code) const;
  std::string open_channel(std::string_view args);
  std::string channel_apdu(std::string_view args);
  std::string close_channel(std::string_view args);
  std::string sim_apdu(std::string_view args);
  std::string functionality(std::string_view rest, std::string_view args);
  Bytes card_transmit(ByteView apdu);
  std::string apdu_reply(const char* prefix, ByteView response);
  const AtFaultRule* fault_for(uint64_t n) const;

  veuicc::Card& card_;
  AtModemOptions options_;
  int cmee_ = 0;
  int fun_ = 1;  // AT+CFUN: 1 full functionality, 0 minimum (radio and SIM off)
  std::string line_;
  bool line_too_long_ = false;
  std::map<std::string, uint8_t> sessions_;  // session id → card channel
  uint64_t next_sierra_ = 0x0385a7c0;
  uint64_t apdu_commands_ = 0;
  uint64_t card_apdus_ = 0;
  const AtFaultRule* pending_fault_ = nullptr;
};

}  // namespace euiccd::vmodem::at
