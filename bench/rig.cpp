#include "bench/rig.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "apdu/pcsc_reader.h"

namespace euiccd::bench {

using namespace std::chrono_literals;

std::string seed_iccid(int n) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "89440000000000100%02d", n);
  return digits;
}

namespace {

json seed_state(const std::string& notification_address, bool prepaid) {
  json profiles = json::array();
  for (int i = 0; i < kSeedProfiles; ++i) {
    json notify = json::array();
    for (const char* event : {"enable", "disable", "delete"})
      notify.push_back({{"event", event}, {"address", notification_address}});
    profiles.push_back({{"iccid", seed_iccid(i)},
                        {"state", "disabled"},
                        {"service_provider_name", "Bench Mobile"},
                        {"profile_name", "Bench plan " + std::to_string(i)},
                        {"profile_class", "operational"},
                        {"size", 20000},
                        {"profile_owner", {{"mcc_mnc", "02F610"}}},
                        {"notification_configuration", notify}});
  }
  if (prepaid) {
    // Owner 82F340: MCC 283, MNC 04 in TS 24.008's BCD.
    profiles.push_back({{"iccid", kPrepaidIccid},
                        {"state", "enabled"},
                        {"service_provider_name", "Karabakh Telecom"},
                        {"profile_name", "Prepaid"},
                        {"profile_class", "operational"},
                        {"size", 20000},
                        {"profile_owner", {{"mcc_mnc", "82F340"}}}});
  }
  return {{"default_dp_address", notification_address},
          {"memory", {{"nvm_bytes", 4 * 1024 * 1024}, {"free_ram_bytes", 65536}}},
          {"profiles", profiles}};
}

}  // namespace

VirtualCard::VirtualCard(const std::string& pki, const std::string& dir,
                         const std::string& veuicc_binary, const CardSetup& setup)
    : log_path_(dir + "/veuicc.log"), latency_ms_(setup.latency_ms) {
  const std::string seed = dir + "/seed.json";
  std::ofstream(seed) << seed_state(setup.notification_address, setup.prepaid).dump(1);
  std::remove((dir + "/state.json").c_str());
  std::remove(log_path_.c_str());
  const std::string credentials = setup.credentials_dir.empty() ? pki : setup.credentials_dir;
  // The EID comes from the certificate: the SM-DP+ derives the session keys from that one.
  std::vector<std::string> argv = {veuicc_binary,
                                   "--state",
                                   dir + "/state.json",
                                   "--seed",
                                   seed,
                                   "--euicc-cert",
                                   credentials + "/euicc.pem",
                                   "--euicc-key",
                                   credentials + "/euicc.key",
                                   "--eum-cert",
                                   pki + "/eum.pem",
                                   "--ci-cert",
                                   pki + "/ci.pem",
                                   "--verbose"};
  if (setup.latency_ms > 0) {
    argv.push_back("--latency-ms");
    argv.push_back(std::to_string(setup.latency_ms));
  }
  if (setup.vpcd_port != 0) {
    argv.push_back("--vpcd-port");
    argv.push_back(std::to_string(setup.vpcd_port));
  }
  process_ = std::make_unique<euiccd::testing::Subprocess>(argv, log_path_);
}

VirtualCard::~VirtualCard() = default;

VirtualCard::Traffic VirtualCard::traffic() const {
  // "veuicc: #12 > 80E29100..." (command) / "veuicc: #12 < ...9000" (response) /
  // "veuicc: control 2 (power/reset)".
  // Read incrementally: the log grows by megabytes over a long run.
  std::ifstream in(log_path_);
  in.seekg(static_cast<std::streamoff>(log_offset_));
  Traffic& t = seen_;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written: read it next time
    log_offset_ += line.size() + 1;
    if (!line.starts_with("veuicc: ")) continue;
    if (line.starts_with("veuicc: control")) {
      ++t.resets;
      continue;
    }
    if (!line.starts_with("veuicc: #")) continue;
    const size_t gt = line.find(" > ");
    const size_t lt = line.find(" < ");
    if (gt != std::string::npos) {
      ++t.apdus;
      t.bytes_out += (line.size() - gt - 3) / 2;
      note_command(std::string_view(line).substr(gt + 3));
    } else if (lt != std::string::npos) {
      const size_t bytes = (line.size() - lt - 3) / 2;
      t.bytes_in += bytes;
      if (in_message_ && bytes >= 2 && !t.messages.empty())
        t.messages.back().response_bytes += bytes - 2;  // without the status word
    }
  }
  return t;
}

void VirtualCard::note_command(std::string_view hex) const {
  // CLA INS P1 P2 Lc data: STORE DATA (E2) carries ES10 messages in blocks, P1 bit 8 marking
  // the last; GET RESPONSE (C0) fetches more of the current message's answer.
  auto byte_at = [&](size_t i) -> int {
    if (hex.size() < 2 * i + 2) return -1;
    return std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16);
  };
  const int ins = byte_at(1);
  const int p1 = byte_at(2);
  if (ins == 0xC0) return;  // stays in the current message (in_message_ unchanged)
  if (ins != 0xE2 || p1 < 0) {
    in_message_ = false;
    message_ended_ = true;
    return;
  }
  const size_t data_bytes = size_t(std::max(0, byte_at(4)));  // Lc
  if (message_ended_) {
    std::vector<uint8_t> head;
    for (size_t i = 5; i < 9 && byte_at(i) >= 0; ++i) head.push_back(uint8_t(byte_at(i)));
    seen_.messages.push_back({Es10Recorder::first_tag(head), 0, 0});
  }
  seen_.messages.back().command_bytes += data_bytes;
  in_message_ = true;
  message_ended_ = (p1 & 0x80) != 0;
}

void VirtualCard::wait_quiet(std::chrono::milliseconds quiet,
                             std::chrono::milliseconds deadline) const {
  const auto end = std::chrono::steady_clock::now() + deadline;
  uint64_t last = traffic().apdus;
  auto last_change = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
    const uint64_t now = traffic().apdus;
    if (now != last) {
      last = now;
      last_change = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_change >= quiet) {
      return;
    }
  }
}

SmdpServer::SmdpServer(const std::string& pki, const std::string& dir, unsigned rtt_ms)
    : rtt_ms_(rtt_ms) {
  json small = smdpp_test::order("SMALL", kSmallIccid, kSmallProfileBytes);
  small["reusable"] = true;
  json large = smdpp_test::order("LARGE", kLargeIccid, kLargeProfileBytes);
  large["reusable"] = true;
  std::vector<std::string> extra;
  if (rtt_ms > 0) extra = {"--rtt-ms", std::to_string(rtt_ms)};
  server_ = std::make_unique<smdpp_test::Server>(
      pki, smdpp_test::smdp_config(smdpp_test::kSmdpHost, {small, large}), dir + "/smdp.log",
      extra);
}

std::string SmdpServer::activation_code(bool large) const {
  return "LPA:1$" + server_->address() + "$" + (large ? "LARGE" : "SMALL");
}

uint64_t SmdpServer::tls_handshakes() const {
  return server_->state().value("tlsHandshakes", uint64_t{0});
}

std::string wait_for_reader_with_card(std::chrono::milliseconds deadline) {
  apdu::PcscContext context;
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    for (const auto& r : context.reader_status())
      if (r.card_present && r.name.find(" 00 00") != std::string::npos) return r.name;
    if (std::chrono::steady_clock::now() > end)
      throw std::runtime_error("the veuicc card did not show up in the vpcd reader");
    context.wait_for_change(200ms);
  }
}

void wait_for_cards(size_t count, std::chrono::milliseconds deadline) {
  apdu::PcscContext context;
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    size_t present = 0;
    for (const auto& r : context.reader_status()) present += r.card_present ? 1 : 0;
    if (present >= count) return;
    if (std::chrono::steady_clock::now() > end)
      throw std::runtime_error("only " + std::to_string(present) + " of " + std::to_string(count) +
                               " virtual cards showed up in the vpcd readers");
    context.wait_for_change(200ms);
  }
}

std::string extra_eid(int n) {
  char first[40];
  std::snprintf(first, sizeof first, "890490321234512345123456789%03d", n);
  // ISO 7812-style mod 97 (SGP.29): the whole EID mod 97 is 1.
  unsigned remainder = 0;
  for (const char* c = first; *c; ++c) remainder = (remainder * 10 + unsigned(*c - '0')) % 97;
  remainder = remainder * 100 % 97;
  const unsigned check = 98 - remainder;  // 2..98
  return std::string(first) + char('0' + check / 10) + char('0' + check % 10);
}

void issue_euicc(const std::string& pki, const std::string& dir, const std::string& eid) {
  const std::string command = "EUM_DIR='" + pki + "' EID=" + eid +
                              " sh " EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh '" + dir +
                              "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0)
    throw std::runtime_error("tests/pki/make-test-pki.sh could not issue an eUICC for " + eid);
}

}  // namespace euiccd::bench
