// PcscCard + LogicalChannel + Es10Channel through the real pcscd and Debian's vpcd driver.
// Run inside tests/integration/pcsc-sandbox.sh, which starts a private pcscd with one vpcd
// reader and exports VPCD_PORT; without it every test is skipped.
//
// The card side is a minimal ISD-R written here that speaks vpcd's wire protocol directly: it answers MANAGE CHANNEL, SELECT of the ISD-R, STORE DATA and GET RESPONSE, and
// can refuse large STORE DATA blocks. It is a peer on the other side of real pcscd, not a mock
// of our code: every APDU crosses pcscd, the vpcd driver and a TCP socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "apdu/pcsc_reader.h"
#include "base/error.h"

extern char** environ;

using namespace euiccd;
using namespace euiccd::apdu;
using namespace std::chrono_literals;

namespace {

std::optional<uint16_t> vpcd_port() {
  const char* port = std::getenv("VPCD_PORT");
  if (port == nullptr || *port == '\0') return std::nullopt;
  return static_cast<uint16_t>(std::stoi(port));
}

// ---- a minimal ISD-R behind vpcd ------------------------------------------------------------

class VirtualIsdR {
 public:
  // T=1 ATR with no historical bytes: 3B 80 80 01 01.
  static constexpr uint8_t kAtr[] = {0x3B, 0x80, 0x80, 0x01, 0x01};

  explicit VirtualIsdR(uint16_t port, size_t max_block = 255) : max_block_(max_block) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      fd_ = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
      close(fd_);
      fd_ = -1;
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("vpcd does not listen on port " + std::to_string(port));
      }
      std::this_thread::sleep_for(50ms);
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~VirtualIsdR() { remove(); }

  // Takes the card out: the socket closes, as when a vicc process ends.
  void remove() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  int resets() const { return resets_; }
  std::vector<std::string> log() {
    std::lock_guard lock(mutex_);
    return log_;
  }

 private:
  bool read_exact(uint8_t* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (stop_) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      // vpcd writes the length and the APDU separately with Nagle on: without QUICKACK (not
      // sticky on Linux, so set before every recv) each APDU waits ~40 ms for a delayed ACK.
      int one = 1;
      setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      ssize_t r = recv(fd_, out + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }

  void send_frame(const Bytes& payload) {
    Bytes frame{static_cast<uint8_t>(payload.size() >> 8), static_cast<uint8_t>(payload.size())};
    append(frame, payload);
    // One write per answer (see above).
    [[maybe_unused]] ssize_t w = send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL);
  }

  void serve() {
    for (;;) {
      uint8_t header[2];
      if (!read_exact(header, 2)) return;
      Bytes msg(static_cast<size_t>(header[0] << 8 | header[1]));
      if (!read_exact(msg.data(), msg.size())) return;
      if (msg.size() == 1) {
        switch (msg[0]) {
          case 0x00: break;  // power off
          case 0x01: break;  // power on
          case 0x02:         // reset: every logical channel is gone
            channels_.clear();
            ++resets_;
            break;
          case 0x04: send_frame(Bytes(std::begin(kAtr), std::end(kAtr))); break;
        }
        continue;
      }
      {
        std::lock_guard lock(mutex_);
        log_.push_back(to_hex(msg));
      }
      send_frame(answer(msg));
    }
  }

  static int channel_of(uint8_t cla) { return (cla & 0x40) ? (cla & 0x0F) + 4 : (cla & 0x03); }

  static Bytes sw(uint16_t s) { return {static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s)}; }

  // Queues `data` for GET RESPONSE and answers 61xx (9000 when there is nothing).
  Bytes respond(Bytes data) {
    pending_ = std::move(data);
    return pending_.empty() ? sw(0x9000) : more();
  }
  Bytes more() {
    const size_t n = std::min<size_t>(pending_.size(), 256);
    return sw(static_cast<uint16_t>(0x6100 | (n & 0xFF)));
  }

  Bytes answer(const Bytes& apdu) {
    if (apdu.size() < 4) return sw(0x6700);
    const uint8_t cla = apdu[0], ins = apdu[1], p1 = apdu[2], p2 = apdu[3];
    const int ch = channel_of(cla);
    Bytes data;
    if (apdu.size() > 5) data.assign(apdu.begin() + 5, apdu.end());
    if (apdu.size() > 5 && apdu[4] != data.size()) return sw(0x6700);

    if (ins == 0x70) {
      if (p1 == 0x00) {
        for (uint8_t n = 1; n <= 19; ++n) {
          if (!channels_.count(n)) {
            channels_[n] = Channel{};
            return {n, 0x90, 0x00};
          }
        }
        return sw(0x6A81);
      }
      channels_.erase(p2);
      return sw(0x9000);
    }
    if (ch != 0 && !channels_.count(ch)) return sw(0x6881);
    if (ins == 0xC0) {
      if (pending_.empty()) return sw(0x6985);
      const size_t want = apdu.size() > 4 && apdu[4] != 0 ? apdu[4] : 256;
      const size_t n = std::min(want, pending_.size());
      Bytes out(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
      append(out, pending_.empty() ? sw(0x9000) : more());
      return out;
    }
    if (ins == 0xA4) {
      if (data != from_hex("A0000005591010FFFFFFFF8900000100")) return sw(0x6A82);
      channels_[ch].selected = true;
      return respond(from_hex("6F108410A0000005591010FFFFFFFF8900000100"));
    }
    if (ins == 0xE2 && (cla & 0x80)) {
      Channel& c = channels_[ch];
      if (!c.selected) return sw(0x6985);
      if (data.size() > max_block_) return sw(0x6700);
      if (p2 == 0) c.assembly.clear();
      if (p2 != c.next_block && p2 != 0) return sw(0x6A86);
      c.next_block = static_cast<uint8_t>(p2 + 1);
      append(c.assembly, data);
      if (p1 == 0x11) return sw(0x9000);
      if (p1 != 0x91) return sw(0x6A86);
      c.next_block = 0;
      return respond(es10(c.assembly));
    }
    return sw(0x6D00);
  }

  // ES10 commands: GetEID answers a fixed EID; BF2D answers a 600-byte list (three GET
  // RESPONSE rounds); anything else is echoed inside BF7F so the test sees what arrived.
  static Bytes es10(const Bytes& command) {
    if (command == from_hex("BF3E035C015A")) {
      return from_hex("BF3E125A1089049032123451234512345678901235");
    }
    if (command.size() >= 2 && command[0] == 0xBF && command[1] == 0x2D) {
      Bytes big = from_hex("BF2D820253");  // 595 bytes of content, 600 in all
      for (int i = 0; i < 595; ++i) big.push_back(static_cast<uint8_t>(i));
      return big;
    }
    Bytes echo = from_hex("BF7F82");
    echo.push_back(static_cast<uint8_t>(command.size() >> 8));
    echo.push_back(static_cast<uint8_t>(command.size()));
    append(echo, command);
    return echo;
  }

  struct Channel {
    bool selected = false;
    uint8_t next_block = 0;
    Bytes assembly;
  };

  size_t max_block_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::map<int, Channel> channels_;
  Bytes pending_;
  std::atomic<int> resets_{0};
  std::mutex mutex_;
  std::vector<std::string> log_;
};

// The first reader pcscd lists (vpcd registers two slots, "Virtual PCD 00 00" on the port and
// "Virtual PCD 00 01" on port + 1) once a card is present in it.
std::string reader_with_card(PcscContext& context) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    for (const auto& r : context.reader_status()) {
      if (r.card_present && r.name.find(" 00 00") != std::string::npos) return r.name;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("no card showed up in the vpcd reader within 5 s");
    }
    context.wait_for_change(200ms);
  }
}

// Waits until pcscd reports no card in the first vpcd slot: the previous test's card has to be
// gone before the next one connects. Returns how long that took.
std::chrono::milliseconds wait_until_absent(PcscContext& context) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    bool present = false;
    for (const auto& r : context.reader_status()) {
      if (r.name.find(" 00 00") != std::string::npos) present = r.card_present;
    }
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (!present) return waited;
    if (waited > 5s) throw std::runtime_error("the card stayed present 5 s after removal");
    context.wait_for_change(100ms);
  }
}

class PcscVpcd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!vpcd_port()) {
      GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh (VPCD_PORT not set)";
    }
    PcscContext context;
    wait_until_absent(context);
  }
};

// ---- tests ----------------------------------------------------------------------------------

TEST_F(PcscVpcd, ReaderListedAndCardArrivalSeen) {
  PcscContext context;
  const auto readers = context.list_readers();
  ASSERT_FALSE(readers.empty());
  EXPECT_NE(readers[0].find("Virtual PCD"), std::string::npos) << readers[0];
  context.wait_for_change(0ms);  // learn the current state

  VirtualIsdR card(*vpcd_port());
  const auto start = std::chrono::steady_clock::now();
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() - start < 5s) {
    if (context.wait_for_change(1s)) {
      for (const auto& r : context.reader_status()) seen |= r.card_present;
    }
  }
  EXPECT_TRUE(seen) << "card insertion not reported within 5 s";
  const auto status = context.reader_status();
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(to_hex(status[0].atr), "3B80800101");
}

TEST_F(PcscVpcd, Es10CommandsOverALogicalChannel) {
  VirtualIsdR isd_r(*vpcd_port());
  PcscContext context;
  PcscCard card(context, reader_with_card(context));
  EXPECT_EQ(to_hex(card.atr()), "3B80800101");
  {
    PcscTransaction transaction(card);  // how the daemon brackets a multi-command operation
    LogicalChannel channel(card);
    Es10Channel es10(channel);
    EXPECT_EQ(to_hex(es10.transceive(from_hex("BF3E035C015A"))),
              "BF3E125A1089049032123451234512345678901235");
    EXPECT_EQ(channel.number(), 1);
    EXPECT_EQ(to_hex(channel.fci()), "6F108410A0000005591010FFFFFFFF8900000100");

    const Bytes list = es10.transceive(from_hex("BF2D00"));
    ASSERT_EQ(list.size(), 600u);
    EXPECT_EQ(list[599], static_cast<uint8_t>(594));

    // 700 bytes: three blocks (255, 255, 190), echoed back whole.
    Bytes big = from_hex("BF2482");
    big.push_back(0x02);
    big.push_back(0xB8);
    big.resize(700, 0x5A);
    const Bytes echoed = es10.transceive(big);
    ASSERT_EQ(echoed.size(), 5u + 700u);
    EXPECT_TRUE(std::equal(big.begin(), big.end(), echoed.begin() + 5));

    const TransportStats stats = es10.stats();
    // MANAGE CHANNEL, SELECT + 1 GET RESPONSE, GetEID + 1, BF2D + 3 (600 bytes),
    // 3 blocks + 3 (705 bytes)
    EXPECT_EQ(stats.apdus, 1u + 2u + 2u + 4u + 6u);
  }
  // The destructor closed channel 1: a new channel gets number 1 again.
  LogicalChannel again(card);
  again.open();
  EXPECT_EQ(again.number(), 1);
  EXPECT_EQ(isd_r.resets(), 0) << "nothing may reset the card";
}

// vpcd sends the length and the APDU in two writes with Nagle on; a card side that does not set
// TCP_QUICKACK before each recv pays ~40 ms of delayed ACK per APDU. This one does, so a round
// trip through pcscd stays well under that.
TEST_F(PcscVpcd, RoundTripsAreNotDelayedByNagle) {
  VirtualIsdR isd_r(*vpcd_port());
  PcscContext context;
  PcscCard card(context, reader_with_card(context));
  LogicalChannel channel(card);
  Es10Channel es10(channel);
  channel.open();
  const uint64_t before = es10.stats().apdus;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) es10.transceive(from_hex("BF3E035C015A"));
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  const uint64_t apdus = es10.stats().apdus - before;
  ASSERT_EQ(apdus, 100u);  // STORE DATA + GET RESPONSE each
  const double per_apdu_ms = static_cast<double>(elapsed.count()) / 1000.0 / apdus;
  std::printf("%.3f ms per APDU through pcscd + vpcd\n", per_apdu_ms);
  EXPECT_LT(per_apdu_ms, 15.0);
}

TEST_F(PcscVpcd, SegmentFallbackThroughTheRealStack) {
  VirtualIsdR isd_r(*vpcd_port(), /*max_block=*/64);
  PcscContext context;
  PcscCard card(context, reader_with_card(context));
  LogicalChannel channel(card);
  Es10Channel es10(channel);
  Bytes command = from_hex("BF248196");
  command.resize(0x96 + 4, 0x11);
  const Bytes echoed = es10.transceive(command);
  ASSERT_EQ(echoed.size(), 5u + command.size());
  EXPECT_EQ(es10.segment_size(), 64u);
}

TEST_F(PcscVpcd, ResetByAnotherClientReselectsWithoutPowerCycle) {
  VirtualIsdR isd_r(*vpcd_port());
  PcscContext context;
  const std::string reader = reader_with_card(context);
  PcscCard card(context, reader);
  LogicalChannel channel(card);
  Es10Channel es10(channel);
  ASSERT_FALSE(es10.transceive(from_hex("BF3E035C015A")).empty());

  {  // another program resets the card
    PcscContext other_context;
    PcscCard other(other_context, reader);
    DWORD active = 0;
    ASSERT_EQ(SCardReconnect(other.handle(), SCARD_SHARE_SHARED,
                             SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &active),
              SCARD_S_SUCCESS);
  }
  EXPECT_EQ(isd_r.resets(), 1);
  // Our handle sees SCARD_W_RESET_CARD, reconnects, and the ES10 command runs on a new channel.
  EXPECT_EQ(to_hex(es10.transceive(from_hex("BF3E035C015A"))),
            "BF3E125A1089049032123451234512345678901235");
  EXPECT_EQ(card.reset_count(), 1u);
  EXPECT_EQ(isd_r.resets(), 1) << "our reconnect must leave the card powered";
}

TEST_F(PcscVpcd, RemovalIsCardRemoved) {
  std::optional<VirtualIsdR> isd_r;
  isd_r.emplace(*vpcd_port());
  PcscContext context;
  PcscCard card(context, reader_with_card(context));
  LogicalChannel channel(card);
  channel.open();
  isd_r->remove();
  // pcscd notices the closed socket at its next presence poll; until then vpcd's transmit
  // fails directly.
  try {
    Es10Channel(channel).transceive(from_hex("BF3E035C015A"));
    FAIL() << "a transmit to a removed card succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardRemoved) << errc_name(e.code()) << ": " << e.what();
  }
  const auto waited = wait_until_absent(context);
  std::printf("pcscd reported the removal after %lld ms\n", static_cast<long long>(waited.count()));
  try {
    card.transmit(from_hex("00A40400"));
    FAIL() << "transmit after removal succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::CardRemoved) << errc_name(e.code()) << ": " << e.what();
  }
}

}  // namespace
