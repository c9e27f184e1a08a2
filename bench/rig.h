// The real peers the benchmark runs against, the same ones the integration tests use: the test
// PKI, the Python test SM-DP+ (tests/smdpp, with --rtt-ms), and the virtual eUICC (veuicc, with
// --latency-ms) plugged into the sandbox's pcscd through vpcd. Run inside
// tests/integration/pcsc-sandbox.sh: $VPCD_PORT names the card side of the reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bench/es10_recorder.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

namespace euiccd::bench {

using json = nlohmann::json;

inline constexpr char kEid[] = "89049032123451234512345678901235";  // tests/pki/make-test-pki.sh
inline constexpr char kSmallIccid[] = "8944000000000000017";
inline constexpr char kLargeIccid[] = "8944000000000000025";
inline constexpr int kSmallProfileBytes = 5000;
inline constexpr int kLargeProfileBytes = 60000;
inline constexpr int kSeedProfiles = 10;

// Milliseconds since `start` (steady clock), for every timing in the benchmark.
inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// ICCID of the n-th profile the card starts with (0-based).
std::string seed_iccid(int n);

// A prepaid profile (enabled) of an operator mobile-broadband-provider-info knows (Karabakh
// Telecom, MCC 283 MNC 04: balance *122#, top-up *123*CODE#), for the top-up calls.
inline constexpr char kPrepaidIccid[] = "8937404000000000012";

// How one card is set up beyond the defaults.
struct CardSetup {
  unsigned latency_ms = 0;
  std::string notification_address{};  // the seed profiles' enable/disable/delete notifications
  uint16_t vpcd_port = 0;              // 0: $VPCD_PORT (the sandbox's first slot)
  std::string credentials_dir{};       // euicc.pem/euicc.key (issue_euicc); "": the PKI's
  bool prepaid = false;                // also kPrepaidIccid, enabled
};

// The veuicc process: a state file in `dir`, seeded with kSeedProfiles profiles whose
// enable/disable/delete notifications go to `notification_address`.
class VirtualCard {
 public:
  VirtualCard(const std::string& pki, const std::string& dir, const std::string& veuicc_binary,
              unsigned latency_ms, const std::string& notification_address)
      : VirtualCard(
            pki, dir, veuicc_binary,
            CardSetup{.latency_ms = latency_ms, .notification_address = notification_address}) {}
  VirtualCard(const std::string& pki, const std::string& dir, const std::string& veuicc_binary,
              const CardSetup& setup);
  ~VirtualCard();
  pid_t pid() const { return process_->pid(); }

  // The card's APDU log (veuicc --verbose): commands and bytes the card saw since the start.
  struct Traffic {
    uint64_t apdus = 0;
    uint64_t bytes_out = 0;  // command bytes (reader → card)
    uint64_t bytes_in = 0;   // response bytes with SW (card → reader)
    uint64_t resets = 0;     // power on/off and reset control messages
    // The ES10 messages (STORE DATA chains and their answers, GET RESPONSE included), for the
    // physical minimum of what crossed (bench/physical_minimum.h).
    std::vector<Es10Message> messages{};
  };
  Traffic traffic() const;
  unsigned latency_ms() const { return latency_ms_; }
  // Waits (up to `deadline`) until the card has seen no APDU for `quiet`.
  void wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds deadline) const;

 private:
  std::string log_path_;
  mutable uint64_t log_offset_ = 0;
  void note_command(std::string_view hex) const;  // folds one command into seen_.messages
  mutable Traffic seen_;
  mutable bool in_message_ = false;    // the last command was a STORE DATA or GET RESPONSE
  mutable bool message_ended_ = true;  // ... and that STORE DATA was a message's last block
  unsigned latency_ms_;
  std::unique_ptr<euiccd::testing::Subprocess> process_;
};

// The SM-DP+ with two reusable orders: a small and a large generated profile.
class SmdpServer {
 public:
  SmdpServer(const std::string& pki, const std::string& dir, unsigned rtt_ms);
  smdpp_test::Server& server() { return *server_; }
  std::string activation_code(bool large) const;
  std::string address() const { return server_->address(); }
  std::string resolve_entry() const { return server_->resolve_entry(); }
  uint64_t tls_handshakes() const;
  unsigned rtt_ms() const { return rtt_ms_; }

 private:
  unsigned rtt_ms_;
  std::unique_ptr<smdpp_test::Server> server_;
};

// The PC/SC reader name of the vpcd slot whose card side is $VPCD_PORT, once a card is in it.
std::string wait_for_reader_with_card(std::chrono::milliseconds deadline);
// Waits until `count` readers hold a card.
void wait_for_cards(size_t count, std::chrono::milliseconds deadline);

// The EID of the n-th extra card: a valid EID (mod 97 check digits) under the test EUM.
std::string extra_eid(int n);
// An eUICC certificate and key for `eid` under the test PKI's EUM, in `dir` (for CardSetup).
void issue_euicc(const std::string& pki, const std::string& dir, const std::string& eid);

}  // namespace euiccd::bench
