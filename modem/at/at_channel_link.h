// apdu::ChannelLink over a modem's AT port: AT+CCHO / +CGLA / +CCHC (3GPP TS 27.007 §8.45,
// §8.43, §8.46), and AT+CSIM with MANAGE CHANNEL + SELECT passed through when the modem
// refuses logical channels (Dell DW5821e / Telit LN960 have only +CSIM). Its SIM restart
// (issue 13) is AT+CFUN=0 then AT+CFUN=1.
//
// Every command has a deadline. A modem that stays silent gives Errc::Timeout naming the
// command and the port; a reply that does not parse gives Malformed; +CME ERROR codes map to
// named errors quoting the modem's code. After a timeout or a garbled reply the link gets back
// in step with the modem (AT+CMEE? and wait for its +CMEE: answer) before the next command,
// so a late answer to the old command is never taken for the new one's.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apdu/basic_channel_link.h"
#include "apdu/card.h"
#include "apdu/channel_link.h"
#include "modem/at/at_codec.h"
#include "modem/at/serial_port.h"
#include "modem/modem_link.h"

namespace euiccd::modem::at {

struct AtLinkOptions {
  std::string port;  // the AT port: /dev/ttyUSB2, /dev/wwan0at0, a pty in tests
  // How long one command may take from the write to its final result code.
  std::chrono::milliseconds command_timeout{5000};
  // AT+CSIM with MANAGE CHANNEL + SELECT when the modem refuses AT+CCHO altogether.
  bool csim_fallback = true;
  // How long AT+CFUN=0 and AT+CFUN=1 may each take: a modem turning its radio off or on
  // answers in seconds, not milliseconds (15 s is a generous bound, not a vendor's figure).
  std::chrono::milliseconds cfun_timeout{15000};
};

// What went over the wire, for the performance figures and the tests.
struct AtWireStats {
  uint64_t commands = 0;     // command lines written
  uint64_t bytes_out = 0;    // bytes written to the port
  uint64_t bytes_in = 0;     // bytes read from the port (URCs and stale bytes included)
  uint64_t urcs = 0;         // unsolicited result codes set aside
  uint64_t resyncs = 0;      // times the link had to get back in step after a timeout or garbage
  uint64_t stale_bytes = 0;  // bytes waiting before a command: URCs, a late answer
};

class AtChannelLink : public ModemLink {
 public:
  enum class Mode { Closed, LogicalChannel, Csim };

  // Opens nothing yet: the port is opened (and set up with ATE0, AT+CMEE=1) by open().
  explicit AtChannelLink(AtLinkOptions options);
  ~AtChannelLink() override;

  apdu::OpenedChannel open(const std::vector<Bytes>& aids) override;
  Bytes transmit(ByteView command_apdu) override;
  void close() noexcept override;
  void reattach() override;
  apdu::Protocol protocol() const override { return apdu::Protocol::T1; }
  uint64_t reset_count() const override { return reset_count_; }
  // AT+CFUN=0 (minimum functionality: radio and SIM off), then AT+CFUN=1 (full functionality:
  // the modem powers the SIM up again and reads it anew), each bounded by cfun_timeout. The
  // radio is off in between: only while ModemManager is inhibited on the modem.
  void restart_sim() override;

  Mode mode() const { return mode_; }
  const std::string& session_id() const { return session_; }  // +CCHO's answer, opaque
  const AtWireStats& stats() const { return stats_; }
  const AtLinkOptions& options() const { return options_; }

  // Longest command line sent with AT+CGLA/+CSIM that the link still takes a plain ERROR for
  // a real error: above it, ERROR reads as "line too long" (Telit's buffer holds 400
  // characters) and comes back as SW 6700 so the STORE DATA segment size steps down.
  static constexpr size_t kLongCommandLine = 256;

  // The STORE DATA segment size to start Es10Channel at over AT: a 120-byte block is a
  // ~270-character +CGLA line, inside Telit's 400 (comma.ai's openpilot LPA uses 120 too).
  static constexpr size_t kSegmentSize = 120;

 private:
  // Sends one command line and reads its reply within `bound` (default: command_timeout).
  Reply command(const std::string& line, std::string_view prefix,
                Expect::Bare bare = Expect::Bare::None,
                std::optional<std::chrono::milliseconds> bound = std::nullopt);
  void ensure_port();
  void lose_port();
  void resync();
  apdu::OpenedChannel open_logical_channel(const std::vector<Bytes>& aids, bool& refused);
  apdu::OpenedChannel open_over_csim(const std::vector<Bytes>& aids);
  Bytes csim(ByteView apdu);
  void forget_channel();

  // The modem's basic channel as AT+CSIM passes it through: what apdu::BasicChannelLink opens
  // the ISD-R channel on (MANAGE CHANNEL + SELECT) when the modem refuses AT+CCHO.
  class CsimCard : public apdu::Card {
   public:
    explicit CsimCard(AtChannelLink& link) : link_(link) {}
    Bytes transmit(ByteView apdu) override { return link_.csim(apdu); }
    apdu::Protocol protocol() const override { return apdu::Protocol::T1; }
    void reconnect() override { link_.reattach(); }
    uint64_t reset_count() const override { return link_.reset_count_; }

   private:
    AtChannelLink& link_;
  };

  AtLinkOptions options_;
  std::unique_ptr<SerialPort> port_;
  bool dirty_ = false;  // out of step with the modem: resync before the next command
  // AT+CMEE? queries of resyncs that timed out, whose +CMEE answers may still come: the next
  // resync is in step only after those and its own (one answer left over would be taken as
  // the answer to the command after it).
  size_t unanswered_resync_queries_ = 0;
  bool ccho_refused_ = false;  // this modem has no +CCHO: go straight to +CSIM
  Mode mode_ = Mode::Closed;
  std::string session_;
  uint64_t reset_count_ = 0;
  AtWireStats stats_;
  CsimCard csim_card_{*this};
  apdu::BasicChannelLink csim_channel_{csim_card_};
};

// The error for a failed command: +CME ERROR 3 → NotAllowed, 4 → NotSupported, 10 →
// CardRemoved, 14 → Busy, others (and ERROR, +CMS ERROR) → CardError; verbose texts
// (AT+CMEE=2) map like their codes. The message quotes the modem's answer.
Error error_for(const FinalResult& result, const std::string& context);

// The CME error code of a result, from its number or its verbose text; nullopt for ERROR.
std::optional<int> cme_code(const FinalResult& result);

}  // namespace euiccd::modem::at
