#include "vmodem/at/at_modem.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <iostream>

#include "apdu/command.h"
#include "base/error.h"
#include "base/text_case.h"

namespace euiccd::vmodem::at {
namespace {

constexpr size_t kMaxCommandLine = 4096;  // longer lines are dropped whole, answered ERROR

// 27.007 §9.2 numeric codes and their verbose texts (AT+CMEE=2).
const char* cme_text(int code) {
  switch (code) {
    case 3: return "operation not allowed";
    case 4: return "operation not supported";
    case 10: return "SIM not inserted";
    case 13: return "SIM failure";
    case 21: return "invalid index";
    case 50: return "incorrect parameters";
    default: return "unknown";
  }
}

constexpr std::array<const char*, 5> kUrcs = {"+CREG: 1", "RING", "^RSSI: 17",
                                              "+QIND: \"csq\",20,99", "+CMTI: \"SM\",3"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

std::string line(std::string_view text) {
  return "\r\n" + std::string(text) + "\r\n";
}

const std::string kOk = line("OK");

// "<len>,"<hex>"" of +CGLA (after the session) and +CSIM; nullopt when it does not parse or the
// length is not the number of hex characters.
std::optional<Bytes> parse_length_and_hex(std::string_view args) {
  const size_t comma = args.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const std::string len = std::string(trim(args.substr(0, comma)));
  const std::string hex = unquote(args.substr(comma + 1));
  if (len.empty() || len.size() > 5 || len.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  if (std::stoul(len) != hex.size()) return std::nullopt;
  try {
    return from_hex(hex);
  } catch (const Error&) {
    return std::nullopt;
  }
}

AtFault parse_fault(std::string_view name) {
  if (name == "cme-error") return AtFault::CmeError;
  if (name == "silent") return AtFault::Silent;
  if (name == "garbled") return AtFault::Garbled;
  if (name == "truncated") return AtFault::Truncated;
  if (name == "urc-storm") return AtFault::UrcStorm;
  if (name == "urc") return AtFault::Urc;
  if (name == "slow") return AtFault::Slow;
  if (name == "no-ccho") return AtFault::NoCcho;
  if (name == "cfun-refused") return AtFault::CfunRefused;
  if (name == "reset") return AtFault::Reset;
  throw Error(Errc::InvalidArgument,
              "--at-fault wants cme-error, silent, garbled, truncated, urc-storm, urc, slow, "
              "reset, no-ccho or cfun-refused (optionally @N: only the Nth +CGLA/+CSIM), not \"" +
                  std::string(name) + "\"");
}

unsigned parse_number(std::string_view option, std::string_view value) {
  const std::string v(value);
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(Errc::InvalidArgument,
                "--at-" + std::string(option) + " wants a number, not \"" + v + "\"");
  }
  return static_cast<unsigned>(std::stoul(v));
}

}  // namespace

void set_option(AtModemOptions& options, std::string_view name, std::string_view value) {
  if (name == "fault") {
    const size_t at = value.find('@');
    AtFaultRule rule{parse_fault(value.substr(0, at)), 0};
    if (at != std::string_view::npos) {
      rule.at = parse_number("fault", value.substr(at + 1));
      if (rule.at == 0) throw Error(Errc::InvalidArgument, "--at-fault ...@N counts from 1");
    }
    options.faults.push_back(rule);
  } else if (name == "session-ids") {
    if (value == "small") {
      options.session_ids = SessionIds::Small;
    } else if (value == "sierra") {
      options.session_ids = SessionIds::Sierra;
    } else if (value == "bare") {
      options.session_ids = SessionIds::Bare;
    } else {
      throw Error(Errc::InvalidArgument, "--at-session-ids wants small, sierra or bare");
    }
  } else if (name == "delay-ms") {
    options.delay_ms = parse_number(name, value);
  } else if (name == "max-line") {
    options.max_line = parse_number(name, value);
  } else if (name == "echo") {
    if (value != "on" && value != "off")
      throw Error(Errc::InvalidArgument, "--at-echo wants on or off");
    options.echo = value == "on";
  } else {
    throw Error(Errc::InvalidArgument, "unknown AT modem option --at-" + std::string(name));
  }
}

AtModem::AtModem(veuicc::Card& card, AtModemOptions options)
    : card_(card), options_(std::move(options)) {}

std::vector<Answer> AtModem::feed(std::string_view bytes) {
  std::vector<Answer> out;
  for (const char c : bytes) {
    if (c == '\r') {  // S3: the end of a command line
      std::vector<Answer> answers = run(line_too_long_ ? std::string("AT\x7F") : line_);
      line_.clear();
      line_too_long_ = false;
      out.insert(out.end(), answers.begin(), answers.end());
    } else if (c == '\n' || c == '\0') {
      // LF after CR and stray NULs are not part of a command.
    } else if (line_.size() < kMaxCommandLine) {
      line_ += c;
    } else {
      line_too_long_ = true;
    }
  }
  return out;
}

const AtFaultRule* AtModem::fault_for(uint64_t n) const {
  for (const auto& rule : options_.faults) {
    if (rule.kind == AtFault::NoCcho || rule.kind == AtFault::CfunRefused) continue;
    if (rule.at == 0 || rule.at == n) return &rule;
  }
  return nullptr;
}

std::string AtModem::error(int code) const {
  if (cmee_ == 1) return line("+CME ERROR: " + std::to_string(code));
  if (cmee_ == 2) return line(std::string("+CME ERROR: ") + cme_text(code));
  return line("ERROR");
}

Bytes AtModem::card_transmit(ByteView apdu) {
  if (options_.latency_ms) {
    // Interruptions do not matter here: a test's modem answers late, never early.
    struct timespec ts {
      static_cast<time_t>(options_.latency_ms / 1000),
          static_cast<long>(options_.latency_ms % 1000) * 1'000'000L
    };
    nanosleep(&ts, nullptr);
  }
  ++card_apdus_;
  if (options_.verbose) std::cerr << "veuicc: #" << card_apdus_ << " > " << to_hex(apdu) << "\n";
  Bytes response = card_.transmit(apdu);
  if (options_.verbose)
    std::cerr << "veuicc: #" << card_apdus_ << " < " << to_hex(response) << "\n";
  return response;
}

std::string AtModem::apdu_reply(const char* prefix, ByteView response) {
  const std::string hex = to_hex(response);
  return line(std::string(prefix) + ": " + std::to_string(hex.size()) + ",\"" + hex + "\"") + kOk;
}

std::string AtModem::open_channel(std::string_view args) {
  for (const auto& rule : options_.faults) {
    if (rule.kind == AtFault::NoCcho) return error(4);
  }
  Bytes aid;
  try {
    aid = from_hex(unquote(args));
  } catch (const Error&) {
    return error(50);
  }
  if (aid.size() < 5 || aid.size() > 16) return error(50);
  Bytes opened = card_transmit(apdu::Command{0x00, 0x70, 0x00, 0x00, {}, 0x01}.encode(0));
  if (opened.size() != 3 || opened[1] != 0x90 || opened[2] != 0x00) return error(13);
  const uint8_t channel = opened[0];
  Bytes selected = card_transmit(apdu::Command{0x00, 0xA4, 0x04, 0x00, aid, 0x00}.encode(channel));
  while (selected.size() >= 2 && selected[selected.size() - 2] == 0x61) {  // T=0: fetch the FCI
    selected =
        card_transmit(apdu::Command{0x00, 0xC0, 0x00, 0x00, {}, selected.back()}.encode(channel));
  }
  if (selected.size() < 2 || selected[selected.size() - 2] != 0x90) {
    card_transmit(apdu::Command{0x00, 0x70, 0x80, channel, {}, 0x00}.encode(0));
    return error(3);  // the AID is not on the card: "operation not allowed" like Quectel
  }
  char id[40];
  switch (options_.session_ids) {
    case SessionIds::Small:
    case SessionIds::Bare: std::snprintf(id, sizeof id, "%u", unsigned{channel}); break;
    case SessionIds::Sierra:
      std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(next_sierra_++));
      break;
  }
  sessions_[id] = channel;
  if (options_.session_ids == SessionIds::Bare) return line(id) + kOk;
  return line(std::string("+CCHO: ") + id) + kOk;
}

std::string AtModem::channel_apdu(std::string_view args) {
  const size_t comma = args.find(',');
  if (comma == std::string_view::npos) return error(50);
  const auto session = sessions_.find(unquote(args.substr(0, comma)));
  if (session == sessions_.end()) return error(21);
  const auto apdu = parse_length_and_hex(args.substr(comma + 1));
  if (!apdu || apdu->size() < 4) return error(50);
  // 27.007 §8.43: the MT puts the session's channel into CLA.
  Bytes command = *apdu;
  uint8_t cla = command[0];
  cla = (cla & 0x40) ? static_cast<uint8_t>((cla & 0x80) | (cla & 0x10))
                     : static_cast<uint8_t>(cla & ~0x03);
  try {
    command[0] = apdu::cla_for_channel(cla, session->second);
  } catch (const Error&) {
    return error(50);
  }
  return apdu_reply("+CGLA", card_transmit(command));
}

std::string AtModem::close_channel(std::string_view args) {
  const auto session = sessions_.find(unquote(args));
  if (session == sessions_.end()) return error(21);
  card_transmit(apdu::Command{0x00, 0x70, 0x80, session->second, {}, 0x00}.encode(0));
  sessions_.erase(session);
  return kOk;
}

std::string AtModem::sim_apdu(std::string_view args) {
  const auto apdu = parse_length_and_hex(args);
  if (!apdu || apdu->size() < 4) return error(50);
  return apdu_reply("+CSIM", card_transmit(*apdu));
}

std::string AtModem::functionality(std::string_view rest, std::string_view args) {
  if (rest == "?") return line("+CFUN: " + std::to_string(fun_)) + kOk;
  if (rest == "=?") return line("+CFUN: (0-1)") + kOk;
  if (args != "0" && args != "1") return error(50);
  for (const auto& rule : options_.faults) {
    if (rule.kind == AtFault::CfunRefused) return error(3);
  }
  const int fun = args[0] - '0';
  if (fun == 0 && fun_ != 0) {
    sessions_.clear();  // the SIM loses power, and every channel on it
  } else if (fun == 1 && fun_ == 0) {
    card_.reset();  // powered up again: ATR, only the basic channel
  }
  fun_ = fun;
  return kOk;
}

std::string AtModem::execute(std::string_view body) {
  const size_t split = body.find_first_of("=?");
  const std::string name = to_upper(trim(body.substr(0, split)));
  const std::string_view rest = split == std::string_view::npos ? "" : body.substr(split);
  const bool set = !rest.empty() && rest[0] == '=' && rest != "=?";
  const std::string_view args = set ? rest.substr(1) : "";
  if (name.empty() && rest.empty()) return kOk;
  if (name == "E0" || name == "E" || name == "E1") {
    options_.echo = name == "E1";
    return kOk;
  }
  if ((name == "I" || name == "+CGMI") && rest.empty()) return line("veuicc") + kOk;
  if (name == "+CGMM" && rest.empty()) return line("Virtual AT eUICC modem") + kOk;
  if (name == "+CGMR" && rest.empty()) return line("veuicc-at 1.0") + kOk;
  if (name == "+CGSN" && rest.empty()) return line("350000000000006") + kOk;
  if (name == "+CMEE") {
    if (rest == "?") return line("+CMEE: " + std::to_string(cmee_)) + kOk;
    if (rest == "=?") return line("+CMEE: (0-2)") + kOk;
    if (args == "0" || args == "1" || args == "2") {
      cmee_ = args[0] - '0';
      return kOk;
    }
    return error(50);
  }
  if (name == "+CFUN") return functionality(rest, args);
  // Test commands of the channel commands fail, as on Fibocom FG132 and Sierra EM7590.
  if (rest == "=?") return line("ERROR");
  const bool channel_command =
      name == "+CCHO" || name == "+CCHC" || name == "+CGLA" || name == "+CSIM";
  if (channel_command && set && fun_ == 0) return error(10);  // the SIM is off
  if (name == "+CCHO" && set) return open_channel(args);
  if (name == "+CCHC" && set) return close_channel(args);
  if ((name == "+CGLA" || name == "+CSIM") && set) {
    const uint64_t n = ++apdu_commands_;
    pending_fault_ = fault_for(n);
    if (pending_fault_ && pending_fault_->kind == AtFault::CmeError) return error(13);
    if (pending_fault_ && pending_fault_->kind == AtFault::Silent) return {};
    if (pending_fault_ && pending_fault_->kind == AtFault::Reset) {
      card_.reset();
      sessions_.clear();
      if (name == "+CGLA") return error(21);
    }
    std::string reply = name == "+CGLA" ? channel_apdu(args) : sim_apdu(args);
    if (card_.take_refresh_request()) {
      // A profile switch with REFRESH: after passing the answer on, the modem restarts the
      // SIM, so every +CCHO session (and a channel opened over +CSIM) is gone.
      card_.reset();
      sessions_.clear();
    }
    return reply;
  }
  return line("ERROR");
}

std::vector<Answer> AtModem::run(const std::string& command_line) {
  std::string echo = options_.echo ? command_line + "\r" : std::string();
  const std::string body(trim(command_line));
  if (body.size() < 2 || to_upper(body.substr(0, 2)) != "AT") {
    return {{echo, 0}};  // not a command: modems ignore it
  }
  if (options_.max_line && command_line.size() > options_.max_line) {
    return {{echo + line("ERROR"), 0}};  // Telit: the line buffer overflowed, nothing runs
  }
  pending_fault_ = nullptr;
  std::string reply = execute(std::string_view(body).substr(2));
  if (options_.verbose) std::cerr << "veuicc: at " << body.substr(0, 60) << "\n";
  if (!pending_fault_) return {{echo + reply, 0}};
  const AtFault kind = pending_fault_->kind;
  std::cerr << "veuicc: fault: AT " << static_cast<int>(kind) << " on APDU command #"
            << apdu_commands_ << "\n";
  const size_t final = reply.rfind("\r\n\r\n");  // between the information line and OK
  switch (kind) {
    case AtFault::CmeError:
    case AtFault::NoCcho:
    case AtFault::CfunRefused:
    case AtFault::Reset: break;
    case AtFault::Silent: return {{echo, 0}};
    case AtFault::Garbled:
      reply = std::string("\r\n\x00\xFE\x13", 5) + "+CGLA: 12,\"90G\"\r\n\r\nOK\r\n";
      break;
    case AtFault::Truncated:
      reply = reply.substr(0, std::min(reply.size(), reply.find(',') + 4));
      break;
    case AtFault::UrcStorm:
    case AtFault::Urc: {
      const size_t count = kind == AtFault::UrcStorm ? 100 : 1;
      std::string urcs;
      for (size_t i = 0; i < count; ++i) urcs += line(kUrcs[i % kUrcs.size()]);
      if (final != std::string::npos) reply.insert(final + 2, urcs.substr(2));
      reply = urcs + reply;
      break;
    }
    case AtFault::Slow: return {{echo, 0}, {reply, options_.delay_ms}};
  }
  return {{echo + reply, 0}};
}

}  // namespace euiccd::vmodem::at
