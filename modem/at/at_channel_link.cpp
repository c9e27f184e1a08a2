#include "modem/at/at_channel_link.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "apdu/card.h"
#include "base/error.h"
#include "base/text_case.h"

namespace euiccd::modem::at {
namespace {

using Clock = SerialPort::Clock;
using apdu::CardResetError;

struct CmeName {
  int code;
  const char* text;  // 27.007 §9.2.1 verbose text, lower case
};
constexpr std::array<CmeName, 11> kCmeNames = {{{0, "phone failure"},
                                                {3, "operation not allowed"},
                                                {4, "operation not supported"},
                                                {10, "sim not inserted"},
                                                {13, "sim failure"},
                                                {14, "sim busy"},
                                                {15, "sim wrong"},
                                                {21, "invalid index"},
                                                {50, "incorrect parameters"},
                                                {100, "unknown"},
                                                {30, "no network service"}}};

// `AT+CGLA=1,22,"81E29100..."` for messages: the command without its CR, cut at 48 characters.
std::string shown(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.size() <= 48) return std::string(line);
  return std::string(line.substr(0, 48)) + "...";
}

const char* kPortHint =
    "; check that no other program reads the port (ModemManager: inhibit the modem or set "
    "ID_MM_PORT_IGNORE on this port)";

// CLA with its logical channel bits cleared (27.007: over +CGLA the modem puts the channel in):
// 0x81..0x83 → 0x80, further interindustry 0x4X/0xCX → 0x00/0x80 keeping the chaining bit.
uint8_t cla_without_channel(uint8_t cla) {
  if ((cla & 0x40) != 0) return static_cast<uint8_t>((cla & 0x80) | (cla & 0x10));
  return static_cast<uint8_t>(cla & ~0x03);
}

bool refuses_command(const FinalResult& r) {
  return r.kind == FinalKind::Error || cme_code(r) == 4;
}

// The modem does not do AT+CSIM at all (as opposed to the card failing a command).
class CsimRefused : public Error {
 public:
  explicit CsimRefused(const std::string& message) : Error(Errc::NotSupported, message) {}
};

}  // namespace

std::optional<int> cme_code(const FinalResult& result) {
  if (result.kind != FinalKind::CmeError) return std::nullopt;
  if (result.code) return result.code;
  const std::string text = to_lower(result.text);
  for (const auto& name : kCmeNames) {
    if (text.find(name.text) != std::string::npos) return name.code;
  }
  return std::nullopt;
}

Error error_for(const FinalResult& result, const std::string& context) {
  std::string message = context + ": the modem answered " + describe(result);
  if (result.kind == FinalKind::CmeError && result.code) {  // "+CME ERROR: 14 (sim busy)"
    for (const auto& name : kCmeNames) {
      if (name.code == *result.code) message += std::string(" (") + name.text + ")";
    }
  }
  switch (cme_code(result).value_or(-1)) {
    case 3: return Error(Errc::NotAllowed, message + "; the modem's firmware does not allow it");
    case 4: return Error(Errc::NotSupported, message);
    case 10: return Error(Errc::CardRemoved, message + "; is the SIM inserted?");
    case 14: return Error(Errc::Busy, message + "; try again in a moment");
    default: return Error(Errc::CardError, message);
  }
}

AtChannelLink::AtChannelLink(AtLinkOptions options) : options_(std::move(options)) {
  if (options_.port.empty()) throw Error(Errc::InvalidArgument, "no AT port was given");
  if (options_.command_timeout.count() <= 0) {
    throw Error(Errc::InvalidArgument, "the AT command timeout must be positive");
  }
}

AtChannelLink::~AtChannelLink() {
  close();
}

void AtChannelLink::forget_channel() {
  mode_ = Mode::Closed;
  session_.clear();
}

void AtChannelLink::lose_port() {
  port_.reset();
  dirty_ = false;
  unanswered_resync_queries_ = 0;
  ccho_refused_ = false;  // it may be another modem (or firmware) when it comes back
  forget_channel();
  ++reset_count_;  // whatever the card had open is gone with the modem
}

void AtChannelLink::ensure_port() {
  if (port_) return;
  port_ = std::make_unique<SerialPort>(options_.port);
  try {
    // Echo off first: the modem's echo of this very command is recognised and skipped.
    const Reply echo = command(echo_off_command(), "");
    if (echo.final.kind != FinalKind::Ok) {
      throw error_for(echo.final, "turning the command echo off on " + options_.port);
    }
    // Numeric +CME ERROR codes; modems without +CMEE keep plain ERROR, which works too.
    command(error_mode_command(1), "");
  } catch (const Error& e) {
    port_.reset();
    if (e.code() == Errc::Timeout) {
      throw Error(Errc::Timeout, "the modem port " + options_.port +
                                     " does not answer AT commands (no OK to ATE0 within " +
                                     std::to_string(options_.command_timeout.count()) +
                                     " ms): is it the modem's AT port?" + kPortHint);
    }
    throw;
  }
}

Reply AtChannelLink::command(const std::string& line, std::string_view prefix, Expect::Bare bare,
                             std::optional<std::chrono::milliseconds> bound) {
  const std::chrono::milliseconds timeout = bound.value_or(options_.command_timeout);
  if (!port_) {
    throw CardResetError("the modem port " + options_.port + " is closed (the modem went away)");
  }
  try {
    if (dirty_) resync();
    stats_.stale_bytes += port_->discard_pending();
    const auto deadline = Clock::now() + timeout;
    port_->write_all(line, deadline);
    ++stats_.commands;
    stats_.bytes_out += line.size();
    ReplyReader reader(expect_for(line, prefix, bare));
    std::string chunk;
    while (true) {
      chunk.clear();
      if (port_->read_some(chunk, deadline) == 0) {
        dirty_ = true;
        const std::string partial(reader.partial_line().substr(0, 40));
        throw Error(
            Errc::Timeout,
            "the modem on " + options_.port + " did not finish its answer to " + shown(line) +
                " within " + std::to_string(timeout.count()) + " ms" +
                (reader.bytes_seen() == 0
                     ? std::string(" (it sent nothing)")
                     : " (it stopped after " + std::to_string(reader.bytes_seen()) + " bytes" +
                           (partial.empty() ? "" : ", in \"" + partial + "\"") + ")") +
                kPortHint);
      }
      stats_.bytes_in += chunk.size();
      try {
        if (reader.feed(chunk)) break;
      } catch (const Error& e) {
        dirty_ = true;
        throw Error(e.code(), std::string(e.what()) + " in the answer to " + shown(line) + " on " +
                                  options_.port);
      }
    }
    stats_.urcs += reader.reply().urcs_total;
    return reader.reply();
  } catch (const CardResetError&) {
    throw;
  } catch (const Error& e) {
    if (e.code() == Errc::CardRemoved) lose_port();
    throw;
  }
}

void AtChannelLink::resync() {
  ++stats_.resyncs;
  dirty_ = false;
  const std::string query = error_mode_query_command();
  const auto deadline = Clock::now() + options_.command_timeout;
  // What is already waiting is read, not discarded: it may hold the +CMEE answer of an earlier
  // resync, which this one must see to know where it stands.
  port_->write_all(query, deadline);
  ++unanswered_resync_queries_;
  ++stats_.commands;
  stats_.bytes_out += query.size();
  // Only our queries are answered with a +CMEE: line, so whatever comes before the last of
  // those replies is a late answer to an earlier command (or an earlier resync), and is dropped.
  auto reader = std::make_unique<ReplyReader>(expect_for(query, "+CMEE"));
  std::string chunk;
  while (true) {
    chunk.clear();
    if (port_->read_some(chunk, deadline) == 0) {
      dirty_ = true;
      throw Error(Errc::Timeout, "the modem on " + options_.port +
                                     " did not answer AT+CMEE? within " +
                                     std::to_string(options_.command_timeout.count()) +
                                     " ms after an earlier command failed" + kPortHint);
    }
    stats_.bytes_in += chunk.size();
    std::string pending = std::move(chunk);
    while (!pending.empty()) {
      bool done = false;
      try {
        done = reader->feed(pending);
      } catch (const Error&) {
        // Garbage of the earlier answer: start over with the next bytes.
        reader = std::make_unique<ReplyReader>(expect_for(query, "+CMEE"));
        pending.clear();
        break;
      }
      if (!done) {
        pending.clear();
        break;
      }
      const Reply reply = reader->reply();
      pending = std::string(reader->leftover());
      if (!reply.info.empty() && --unanswered_resync_queries_ == 0) {
        stats_.stale_bytes += pending.size();
        return;  // in step again
      }
      stats_.stale_bytes += reply.bytes;
      reader = std::make_unique<ReplyReader>(expect_for(query, "+CMEE"));
    }
  }
}

apdu::OpenedChannel AtChannelLink::open_logical_channel(const std::vector<Bytes>& aids,
                                                        bool& refused) {
  std::string tried;
  size_t refusals = 0;
  for (const Bytes& aid : aids) {
    const std::string line = open_channel_command(aid);
    const Reply reply = command(line, "+CCHO", Expect::Bare::SessionId);
    if (reply.final.kind == FinalKind::Ok) {
      session_ = parse_session_id(single_info(reply, "AT+CCHO"), "+CCHO");
      mode_ = Mode::LogicalChannel;
      // The number only matters to whoever builds CLA bytes; transmit() clears it again.
      uint8_t number = 1;
      if (session_.size() <= 2 && std::all_of(session_.begin(), session_.end(), ::isdigit)) {
        const int n = std::stoi(session_);
        if (n >= 1 && n <= 19) number = static_cast<uint8_t>(n);
      }
      return apdu::OpenedChannel{number, aid, {}};
    }
    const auto code = cme_code(reply.final);
    if (code == 10 || code == 14)
      throw error_for(reply.final, "opening a channel to " + to_hex(aid));
    if (refuses_command(reply.final)) ++refusals;
    tried += (tried.empty() ? "" : ", ") + to_hex(aid) + " (" + describe(reply.final) + ")";
  }
  refused = refusals == aids.size();
  if (refused) return {};
  throw Error(Errc::NotSupported,
              "the modem on " + options_.port + " opened no logical channel to " + tried +
                  ": the card is not an eUICC, or its ISD-R has another AID (add the card's "
                  "ISD-R AID to the configuration)");
}

Bytes AtChannelLink::csim(ByteView apdu) {
  const std::string line = sim_apdu_command(apdu);
  const Reply reply = command(line, "+CSIM");
  if (reply.final.kind == FinalKind::Ok) {
    return parse_apdu_response(single_info(reply, "AT+CSIM"), "+CSIM");
  }
  if (reply.final.kind == FinalKind::Error && line.size() > kLongCommandLine) {
    return {0x67, 0x00};  // the command line was too long for the modem: a smaller segment
  }
  if (mode_ == Mode::Closed && refuses_command(reply.final)) {
    throw CsimRefused("the modem on " + options_.port + " refuses AT+CSIM too (" +
                      describe(reply.final) +
                      "): it gives no access to the eUICC over AT; try its QMI or MBIM port");
  }
  throw error_for(reply.final, "sending an APDU with AT+CSIM on " + options_.port);
}

apdu::OpenedChannel AtChannelLink::open_over_csim(const std::vector<Bytes>& aids) {
  apdu::OpenedChannel opened = csim_channel_.open(aids);
  mode_ = Mode::Csim;
  return opened;
}

apdu::OpenedChannel AtChannelLink::open(const std::vector<Bytes>& aids) {
  if (aids.empty()) throw Error(Errc::InvalidArgument, "no ISD-R AID to open was given");
  if (mode_ != Mode::Closed) close();
  ensure_port();
  if (!ccho_refused_) {
    bool refused = false;
    apdu::OpenedChannel opened = open_logical_channel(aids, refused);
    if (!refused) return opened;
    if (!options_.csim_fallback) {
      throw Error(Errc::NotSupported, "the modem on " + options_.port +
                                          " refuses AT+CCHO (logical channels) and the AT+CSIM "
                                          "fallback is turned off");
    }
    ccho_refused_ = true;
  }
  return open_over_csim(aids);
}

Bytes AtChannelLink::transmit(ByteView command_apdu) {
  if (mode_ == Mode::Closed) {
    throw CardResetError("no channel to the ISD-R is open on the modem " + options_.port +
                         " (it was reset or the channel was lost); the command was not run");
  }
  if (mode_ == Mode::Csim) return csim(command_apdu);
  if (command_apdu.empty()) throw Error(Errc::InvalidArgument, "empty command APDU");
  Bytes apdu(command_apdu.begin(), command_apdu.end());
  apdu[0] = cla_without_channel(apdu[0]);
  const std::string line = channel_apdu_command(session_, apdu);
  const Reply reply = command(line, "+CGLA");
  if (reply.final.kind == FinalKind::Ok) {
    return parse_apdu_response(single_info(reply, "AT+CGLA"), "+CGLA");
  }
  if (cme_code(reply.final) == 21) {  // invalid index: the modem no longer knows the session
    const std::string session = session_;
    forget_channel();
    ++reset_count_;
    throw CardResetError("the modem on " + options_.port + " no longer knows session " + session +
                         " (" + describe(reply.final) +
                         "): the modem or the SIM was reset; the command was not run");
  }
  if (reply.final.kind == FinalKind::Error && line.size() > kLongCommandLine) {
    return {0x67, 0x00};  // the command line was too long for the modem: a smaller segment
  }
  throw error_for(reply.final, "sending an APDU with AT+CGLA on " + options_.port);
}

void AtChannelLink::close() noexcept {
  const Mode mode = mode_;
  const std::string session = session_;
  forget_channel();
  if (!port_ || mode == Mode::Closed) return;
  try {
    if (mode == Mode::LogicalChannel) {
      command(close_channel_command(session), "");  // ERROR: the modem closed it already
    } else {
      csim_channel_.close();
    }
  } catch (...) {
    // Closing is best effort: a channel the modem keeps is freed when the modem resets.
  }
}

void AtChannelLink::restart_sim() {
  close();  // best effort: the SIM's power-down closes the channel anyway
  ensure_port();
  for (const int fun : {0, 1}) {
    const std::string line = functionality_command(fun);
    const Reply reply = command(line, "", Expect::Bare::None, options_.cfun_timeout);
    if (fun == 0) {
      // From here on the SIM may be off: whatever the modem had open on it is gone.
      forget_channel();
      ++reset_count_;
    }
    if (reply.final.kind != FinalKind::Ok) {
      throw error_for(reply.final, std::string(fun == 0 ? "turning the radio and SIM off with "
                                                        : "turning the modem on again with ") +
                                       shown(line) + " on " + options_.port +
                                       (fun == 0 ? "" : " (the SIM stays off until it succeeds)"));
    }
  }
}

void AtChannelLink::reattach() {
  forget_channel();
  ++reset_count_;
}

}  // namespace euiccd::modem::at
