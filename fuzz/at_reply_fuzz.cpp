// What a modem sends back on its AT port (modem/at/at_codec.h): replies with echo, URCs,
// any CR/LF, error results, and the +CCHO/+CGLA/+CSIM information lines inside them.
//
// Input: <selector> <chunk> <bytes...>. The selector picks the command whose reply is read
// (+CGLA, +CSIM, +CCHO with bare ids, a command without information, AT+CMEE?), the chunk byte
// how the bytes are cut (1..256 bytes a piece). Invariants: reading returns or throws
// Error(Malformed) and never anything else; every chunking gives the same reply as one piece;
// information lines parse or throw Malformed; what parses formats back to a valid command.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "modem/at/at_codec.h"

using namespace euiccd;
using namespace euiccd::modem::at;
using euiccd::fuzz::check;

namespace {

struct Outcome {
  bool malformed = false;
  Reply reply;
  std::string leftover;
};

Outcome read(const Expect& expect, std::string_view bytes, size_t chunk) {
  Outcome out;
  ReplyReader reader(expect);
  try {
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      if (reader.feed(bytes.substr(i, chunk))) break;
    }
  } catch (const Error& e) {
    check(e.code() == Errc::Malformed);
    out.malformed = true;
    return out;
  }
  if (!reader.done()) {
    check(reader.partial_line().size() <= kMaxLineBytes);
    out.malformed = true;  // unfinished: compared as "no reply"
    return out;
  }
  out.reply = reader.reply();
  return out;
}

Expect expect_for_selector(uint8_t selector) {
  switch (selector % 5) {
    case 0: return expect_for("AT+CGLA=1,16,\"81E2910003BF3E00\"", "+CGLA");
    case 1: return expect_for("AT+CSIM=10,\"0070000001\"", "+CSIM");
    case 2:
      return expect_for("AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "+CCHO",
                        Expect::Bare::SessionId);
    case 3: return expect_for("ATE0", "");
    default: return expect_for("AT+CMEE?", "+CMEE");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input input(data, size);
  const uint8_t selector = input.byte();
  const size_t chunk = size_t{input.byte()} + 1;
  const std::string_view bytes = fuzz::as_text(input.rest());
  const Expect expect = expect_for_selector(selector);

  const Outcome whole = read(expect, bytes, bytes.empty() ? 1 : bytes.size());
  const Outcome pieces = read(expect, bytes, chunk);
  check(whole.malformed == pieces.malformed);
  if (whole.malformed) return 0;
  const Reply& r = whole.reply;
  check(r.final.kind == pieces.reply.final.kind && r.final.code == pieces.reply.final.code &&
        r.final.text == pieces.reply.final.text);
  check(r.info == pieces.reply.info && r.urcs == pieces.reply.urcs &&
        r.urcs_total == pieces.reply.urcs_total && r.bytes == pieces.reply.bytes);
  check(r.bytes <= bytes.size());
  check(r.urcs.size() <= kMaxUrcsKept && r.urcs.size() <= r.urcs_total);
  check(r.info.size() <= kMaxInfoLines);
  check(is_final_result(r.final.text));
  (void)describe(r.final);

  for (const std::string& line : r.info) {
    check(line.size() <= kMaxLineBytes);
    try {
      if (expect.prefix == "+CCHO") {
        const std::string id = parse_session_id(line);
        check(is_session_id(id));
        // A session id the modem gave must make valid command lines, nothing more.
        const std::string cgla = channel_apdu_command(id, Bytes{0x80, 0xCA, 0x00, 0x5A});
        check(cgla.find('\r') == cgla.size() - 1);
        check(close_channel_command(id) == "AT+CCHC=" + id + "\r");
      } else if (!expect.prefix.empty() && expect.prefix != "+CMEE") {
        const Bytes apdu = parse_apdu_response(line, expect.prefix);
        check(apdu.size() >= 2);
        std::string upper = line;  // the modem may send lower-case hex
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        check(upper.find("\"" + to_hex(apdu)) != std::string::npos ||
              upper.find("," + to_hex(apdu)) != std::string::npos ||
              upper.find(" " + to_hex(apdu)) != std::string::npos);
      }
    } catch (const Error& e) {
      check(e.code() == Errc::Malformed);
    }
  }
  try {
    (void)single_info(r, "the command");
  } catch (const Error& e) {
    check(e.code() == Errc::Malformed);
  }
  return 0;
}
