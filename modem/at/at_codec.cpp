#include "modem/at/at_codec.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "base/text_case.h"

namespace euiccd::modem::at {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_hex_digit(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "<prefix>:" at the start of `line` (prefix compared without case, spaces before ':' allowed).
std::optional<std::string_view> after_prefix(std::string_view line, std::string_view prefix) {
  if (prefix.empty() || !starts_with_ignoring_case(line, prefix)) return std::nullopt;
  std::string_view rest = trim(line.substr(prefix.size()));
  if (rest.empty() || rest.front() != ':') return std::nullopt;
  return trim(rest.substr(1));
}

// Bare lines that modems send on their own: ring, boot and phonebook indications.
constexpr std::array<std::string_view, 9> kBareUrcs = {"RING",      "NO CARRIER",   "RDY",
                                                       "SMS DONE",  "PB DONE",      "Call Ready",
                                                       "SMS Ready", "POWERED DOWN", "START"};

bool is_bare_urc(std::string_view line) {
  for (auto urc : kBareUrcs) {
    if (equals_ignoring_case(line, urc)) return true;
  }
  return false;
}

// A line with a vendor or 27.007 prefix: "+CREG: 1", "^RSSI:20", "*EMRDY: 1", "#QSS: 2".
bool has_urc_prefix(std::string_view line) {
  return !line.empty() && (line[0] == '+' || line[0] == '^' || line[0] == '*' || line[0] == '#' ||
                           line[0] == '$' || line[0] == '%');
}

std::string printable(std::string_view s, size_t max = 80) {
  std::string out;
  for (char c : s.substr(0, std::min(s.size(), max))) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out += c;
    } else {
      static const char* digits = "0123456789ABCDEF";
      out += "\\x";
      out += digits[u >> 4];
      out += digits[u & 0xF];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

FinalResult error_result(FinalKind kind, std::string_view detail, std::string_view line) {
  FinalResult r;
  r.kind = kind;
  r.text = std::string(line);
  if (all_digits(detail) && detail.size() <= 5) r.code = std::stoi(std::string(detail));
  return r;
}

std::optional<FinalResult> final_result(std::string_view line) {
  if (line == "OK") return FinalResult{FinalKind::Ok, std::nullopt, std::string(line)};
  if (line == "ERROR") return FinalResult{FinalKind::Error, std::nullopt, std::string(line)};
  if (auto detail = after_prefix(line, "+CME ERROR")) {
    return error_result(FinalKind::CmeError, *detail, line);
  }
  if (auto detail = after_prefix(line, "+CMS ERROR")) {
    return error_result(FinalKind::CmsError, *detail, line);
  }
  return std::nullopt;
}

void check_apdu(ByteView apdu) {
  if (apdu.size() < 4 || apdu.size() > 261) {
    throw Error(Errc::InvalidArgument, "a command APDU of " + std::to_string(apdu.size()) +
                                           " bytes cannot be sent (4..261 bytes)");
  }
}

}  // namespace

std::string echo_off_command() {
  return "ATE0\r";
}

std::string error_mode_command(int mode) {
  if (mode < 0 || mode > 2) throw Error(Errc::InvalidArgument, "AT+CMEE takes 0, 1 or 2");
  return "AT+CMEE=" + std::to_string(mode) + "\r";
}

std::string error_mode_query_command() {
  return "AT+CMEE?\r";
}

std::string open_channel_command(ByteView aid) {
  if (aid.size() < 5 || aid.size() > 16) {
    throw Error(Errc::InvalidArgument, "AID " + to_hex(aid) + " is not 5 to 16 bytes long");
  }
  return "AT+CCHO=\"" + to_hex(aid) + "\"\r";
}

bool is_session_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxSessionIdChars &&
         std::all_of(id.begin(), id.end(), is_hex_digit);
}

std::string channel_apdu_command(std::string_view session, ByteView apdu) {
  if (!is_session_id(session)) {
    throw Error(Errc::InvalidArgument, "\"" + printable(session) + "\" is not a session id");
  }
  check_apdu(apdu);
  return "AT+CGLA=" + std::string(session) + "," + std::to_string(apdu.size() * 2) + ",\"" +
         to_hex(apdu) + "\"\r";
}

std::string close_channel_command(std::string_view session) {
  if (!is_session_id(session)) {
    throw Error(Errc::InvalidArgument, "\"" + printable(session) + "\" is not a session id");
  }
  return "AT+CCHC=" + std::string(session) + "\r";
}

std::string sim_apdu_command(ByteView apdu) {
  check_apdu(apdu);
  return "AT+CSIM=" + std::to_string(apdu.size() * 2) + ",\"" + to_hex(apdu) + "\"\r";
}

std::string functionality_command(int fun) {
  if (fun < 0 || fun > 1) throw Error(Errc::InvalidArgument, "AT+CFUN takes 0 or 1 here");
  return "AT+CFUN=" + std::to_string(fun) + "\r";
}

Expect expect_for(std::string_view command_line, std::string_view prefix, Expect::Bare bare) {
  Expect e;
  e.echo = std::string(command_line);
  while (!e.echo.empty() && (e.echo.back() == '\r' || e.echo.back() == '\n')) e.echo.pop_back();
  e.prefix = std::string(prefix);
  e.bare = bare;
  return e;
}

bool is_final_result(std::string_view line) {
  return final_result(line).has_value();
}

ReplyReader::ReplyReader(Expect expect) : expect_(std::move(expect)) {}

bool ReplyReader::feed(std::string_view bytes) {
  if (done_) {
    leftover_.append(bytes);
    return true;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    ++seen_;
    if (c == '\r' || c == '\n') {
      take_line();
      if (done_) {
        reply_.bytes = seen_;
        leftover_.assign(bytes.substr(i + 1));
        return true;
      }
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) {
      throw Error(Errc::Malformed, "the modem sent byte 0x" + to_hex(ByteView(&u, 1)) +
                                       ", which no AT reply contains, after \"" + printable(line_) +
                                       "\" (a garbled reply)");
    }
    if (line_.size() >= kMaxLineBytes) {
      throw Error(Errc::Malformed, "the modem sent a line longer than " +
                                       std::to_string(kMaxLineBytes) + " bytes (\"" +
                                       printable(line_, 40) + "\")");
    }
    line_ += c;
  }
  return false;
}

void ReplyReader::take_line() {
  const std::string line = std::move(line_);
  line_.clear();
  if (line.empty()) return;
  if (!expect_.echo.empty() && equals_ignoring_case(line, expect_.echo)) return;  // ATE1
  if (auto final = final_result(line)) {
    reply_.final = std::move(*final);
    done_ = true;
    return;
  }
  bool info = after_prefix(line, expect_.prefix).has_value();
  if (!info && !has_urc_prefix(line) && !is_bare_urc(line)) {
    switch (expect_.bare) {
      case Expect::Bare::None: break;
      case Expect::Bare::SessionId: info = is_session_id(trim(line)); break;
      case Expect::Bare::Text: info = true; break;
    }
  }
  if (info) {
    if (reply_.info.size() >= kMaxInfoLines) {
      throw Error(Errc::Malformed, "the modem answered " + printable(expect_.echo, 40) +
                                       " with more than " + std::to_string(kMaxInfoLines) +
                                       " information lines");
    }
    reply_.info.push_back(line);
    return;
  }
  ++reply_.urcs_total;
  if (reply_.urcs.size() < kMaxUrcsKept) reply_.urcs.push_back(line);
}

std::string parse_session_id(std::string_view line, std::string_view prefix) {
  std::string_view id = trim(line);
  if (auto rest = after_prefix(line, prefix)) id = *rest;
  if (id.size() >= 2 && id.front() == '"' && id.back() == '"')
    id = trim(id.substr(1, id.size() - 2));
  if (!is_session_id(id)) {
    throw Error(Errc::Malformed, "the modem's session id \"" + printable(line) + "\" is not 1 to " +
                                     std::to_string(kMaxSessionIdChars) + " hex digits");
  }
  return std::string(id);
}

Bytes parse_apdu_response(std::string_view line, std::string_view prefix) {
  const auto rest = after_prefix(line, prefix);
  const std::string what = "the modem's \"" + printable(line, 60) + "\"";
  if (!rest)
    throw Error(Errc::Malformed, what + " does not start with " + std::string(prefix) + ":");
  const size_t comma = rest->find(',');
  if (comma == std::string_view::npos) {
    throw Error(Errc::Malformed, what + " has no comma between length and data");
  }
  const std::string_view len_text = trim(rest->substr(0, comma));
  std::string_view hex = trim(rest->substr(comma + 1));
  if (!all_digits(len_text) || len_text.size() > 5) {
    throw Error(Errc::Malformed, what + " has no decimal length");
  }
  const bool open_quote = !hex.empty() && hex.front() == '"';
  const bool close_quote = hex.size() >= 2 && hex.back() == '"';
  if (open_quote != close_quote) throw Error(Errc::Malformed, what + " has an unpaired quote");
  if (open_quote) hex = hex.substr(1, hex.size() - 2);
  const size_t declared = static_cast<size_t>(std::stoul(std::string(len_text)));
  if (!std::all_of(hex.begin(), hex.end(), is_hex_digit)) {
    throw Error(Errc::Malformed, what + " has data that is not hex digits");
  }
  if (hex.size() != declared) {
    throw Error(Errc::Malformed, what + " declares " + std::to_string(declared) +
                                     " hex digits but carries " + std::to_string(hex.size()));
  }
  if (hex.size() % 2 != 0) throw Error(Errc::Malformed, what + " has an odd number of hex digits");
  if (hex.size() < 4) throw Error(Errc::Malformed, what + " has no status word");
  return from_hex(hex);
}

std::string_view single_info(const Reply& reply, std::string_view what) {
  if (reply.info.empty()) {
    throw Error(
        Errc::Malformed,
        "the modem answered " + std::string(what) + " with " + printable(reply.final.text) +
            " but no information line" +
            (reply.urcs.empty() ? std::string()
                                : " (it sent \"" + printable(reply.urcs.front()) + "\" instead)"));
  }
  if (reply.info.size() > 1) {
    throw Error(Errc::Malformed, "the modem answered " + std::string(what) + " with " +
                                     std::to_string(reply.info.size()) +
                                     " information lines instead of one");
  }
  return reply.info.front();
}

std::string describe(const FinalResult& result) {
  switch (result.kind) {
    case FinalKind::Ok: return "OK";
    case FinalKind::Error: return "ERROR";
    case FinalKind::CmeError:
    case FinalKind::CmsError: return printable(result.text);
  }
  return "?";
}

}  // namespace euiccd::modem::at
