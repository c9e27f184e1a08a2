// The AT command language of 3GPP TS 27.007 as far as a UICC's logical channels need it:
// command lines for +CCHO / +CGLA / +CCHC / +CSIM (and the ATE0 / AT+CMEE set-up), and a
// reader that turns the bytes a modem sends back, in whatever chunks they arrive, into the
// reply of one command: its final result code, its information lines, and the unsolicited
// result codes (URCs) that the modem slipped in between.
//
// Pure: no I/O, no clock. Everything that comes from the modem is outside input, checked
// against strict bounds, and a violation throws Error(Malformed) naming what was wrong
// (fuzz/at_reply_fuzz.cpp drives this file).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::modem::at {

// Longest line accepted from the modem. The longest legitimate one is a +CGLA/+CSIM answer
// with 256 data bytes + SW1 SW2: 11 + 3 + 516 + quotes, far below this.
inline constexpr size_t kMaxLineBytes = 2048;
// URC lines kept per reply (more are counted, not kept): a URC storm must not grow memory.
inline constexpr size_t kMaxUrcsKept = 32;
// Longest session id we keep (Sierra's are 16 hex digits; 27.007 says nothing of a limit).
inline constexpr size_t kMaxSessionIdChars = 32;
// Information lines per reply: the commands here have one at most (a few for AT+CGMI & co).
inline constexpr size_t kMaxInfoLines = 8;

// ---- command lines (each ends with the CR that makes the modem run it) --------------------

std::string echo_off_command();                  // "ATE0\r"
std::string error_mode_command(int mode);        // "AT+CMEE=<0|1|2>\r" (1: numeric codes)
std::string error_mode_query_command();          // "AT+CMEE?\r"
std::string open_channel_command(ByteView aid);  // AT+CCHO="<AID hex>"\r
// AT+CGLA=<session>,<hex chars>,"<APDU hex>"\r; the length counts hex characters (27.007
// §8.43). Throws InvalidArgument for a session id that is not one (see is_session_id).
std::string channel_apdu_command(std::string_view session, ByteView apdu);
std::string close_channel_command(std::string_view session);  // AT+CCHC=<session>\r
std::string sim_apdu_command(ByteView apdu);                  // AT+CSIM=<hex chars>,"<hex>"\r
// AT+CFUN=<fun>\r (27.007 §8.2): 0 minimum functionality (radio and SIM off), 1 full.
std::string functionality_command(int fun);

// A session id as +CCHO returns it: 1..kMaxSessionIdChars hex digits (decimal ids are hex
// digits too; Sierra answers 000000000385a7cf). Opaque: never a channel number.
bool is_session_id(std::string_view id);

// ---- replies ---------------------------------------------------------------------------------

enum class FinalKind { Ok, Error, CmeError, CmsError };

struct FinalResult {
  FinalKind kind = FinalKind::Error;
  std::optional<int> code;  // +CME/+CMS ERROR: <n> (AT+CMEE=1)
  std::string text;         // +CME/+CMS ERROR: <text> (AT+CMEE=2); the line as received
};

struct Reply {
  FinalResult final;
  std::vector<std::string> info;  // the command's information lines, in order
  std::vector<std::string> urcs;  // unsolicited result codes set aside (first kMaxUrcsKept)
  size_t urcs_total = 0;          // every URC seen, kept or not
  size_t bytes = 0;               // bytes consumed up to the end of the final result code
};

// What a command's information lines look like.
struct Expect {
  // The command line as sent, without its CR: a line equal to it is the modem's echo (ATE1).
  std::string echo;
  // "+CGLA", "+CSIM", "+CCHO", "+CMEE": a line "<prefix>:..." is the command's information.
  std::string prefix;
  // Which bare lines (no "+X:" prefix) are the command's information rather than URCs: a
  // Fibocom FM350 answers AT+CCHO with a bare "1"; AT+CGMI answers the manufacturer.
  enum class Bare { None, SessionId, Text } bare = Bare::None;
};

Expect expect_for(std::string_view command_line, std::string_view prefix,
                  Expect::Bare bare = Expect::Bare::None);

// Reads one command's reply from the bytes the modem sends. Lines end at CR or LF (CR LF,
// LF, CR, LF CR all work; empty lines are skipped), so chunk boundaries do not matter.
class ReplyReader {
 public:
  explicit ReplyReader(Expect expect);

  // Takes the next bytes from the modem. Returns true once the final result code has been
  // read; the bytes after it are left in leftover(). Throws Error(Malformed) for a line longer
  // than kMaxLineBytes, a line with control or non-ASCII bytes, or too many information lines.
  bool feed(std::string_view bytes);

  bool done() const { return done_; }
  const Reply& reply() const { return reply_; }
  std::string_view leftover() const { return leftover_; }
  // The unfinished line so far (for messages about a reply that stopped half way).
  std::string_view partial_line() const { return line_; }
  size_t bytes_seen() const { return seen_; }

 private:
  void take_line();

  Expect expect_;
  Reply reply_;
  std::string line_;
  std::string leftover_;
  size_t seen_ = 0;
  bool done_ = false;
};

// A line the modem sends on its own (network registration, ring, signal, vendor indications).
// Everything that is not a final result code, not the echo and not the expected information.
bool is_final_result(std::string_view line);

// ---- information line payloads -------------------------------------------------------------

// "+CCHO: <id>" (or a bare "<id>"): the session id, quotes and spaces removed. Throws
// Malformed when it is not a session id.
std::string parse_session_id(std::string_view line, std::string_view prefix = "+CCHO");

// "+CGLA: <len>,"<hex>"" / "+CSIM: ...": the response APDU (data + SW1 SW2). The length must
// equal the number of hex digits, which must be even and at least 4 (a status word); quotes
// are optional but must pair. Throws Malformed naming what is wrong.
Bytes parse_apdu_response(std::string_view line, std::string_view prefix);

// The reply's single information line with `prefix`, or Malformed ("<what> answered OK
// without a +CGLA line"); more than one is Malformed too.
std::string_view single_info(const Reply& reply, std::string_view what);

// "+CME ERROR: 13" for messages; printable whatever the modem sent.
std::string describe(const FinalResult& result);

}  // namespace euiccd::modem::at
