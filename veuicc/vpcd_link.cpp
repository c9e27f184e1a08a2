#include "veuicc/vpcd_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"

namespace euiccd::veuicc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPollMs = 100;                              // how often a wait looks at the stop flag
constexpr auto kFrameDeadline = std::chrono::seconds(5);  // rest of a frame once it started

enum class ReadResult { Ok, Closed, Stopped, TimedOut };

int try_connect(const LinkOptions& o) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(Errc::Internal, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    throw Error(Errc::InvalidArgument, "vpcd host " + o.host + " is not an IPv4 address");
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  // Answers go out at once instead of waiting for Nagle.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Retries until vpcd listens, the deadline passes or stop is set.
int connect_with_retry(const LinkOptions& o, const std::atomic<bool>& stop) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(o.connect_timeout_ms);
  while (!stop) {
    const int fd = try_connect(o);
    if (fd >= 0) return fd;
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

// Reads exactly `n` bytes. Before the first byte it waits as long as it takes (an idle card
// is normal); once a frame has started the rest must come within kFrameDeadline.
ReadResult read_exact(int fd, uint8_t* buf, size_t n, bool frame_started,
                      const std::atomic<bool>& stop) {
  const auto deadline = Clock::now() + kFrameDeadline;
  size_t got = 0;
  while (got < n) {
    if (stop) return ReadResult::Stopped;
    if ((frame_started || got > 0) && Clock::now() >= deadline) return ReadResult::TimedOut;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, kPollMs);
    if (r < 0 && errno != EINTR) return ReadResult::Closed;
    if (r <= 0) continue;
    // vpcd writes the length and the APDU separately with Nagle on: without an immediate ACK
    // the second write waits ~40 ms for the delayed ACK. QUICKACK is not sticky on Linux, so
    // set it before every recv.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    const ssize_t k = ::recv(fd, buf + got, n - got, 0);
    if (k == 0) return ReadResult::Closed;
    if (k < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ReadResult::Closed;
    }
    got += static_cast<size_t>(k);
  }
  return ReadResult::Ok;
}

bool send_frame(int fd, ByteView payload) {
  Bytes frame{static_cast<uint8_t>(payload.size() >> 8), static_cast<uint8_t>(payload.size())};
  append(frame, payload);  // one write: length and data in one segment
  size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t k = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    sent += static_cast<size_t>(k);
  }
  return true;
}

void sleep_interruptible(unsigned ms, const std::atomic<bool>& stop) {
  const auto until = Clock::now() + std::chrono::milliseconds(ms);
  while (!stop && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

enum class SessionEnd { Closed, Stopped, Removed };

SessionEnd serve(int fd, Card& card, const LinkOptions& o, const FaultPlan& faults,
                 uint64_t& apdu_number, const std::atomic<bool>& stop) {
  Bytes buf;
  while (true) {
    uint8_t len_bytes[2];
    ReadResult r = read_exact(fd, len_bytes, 2, false, stop);
    if (r == ReadResult::Stopped) return SessionEnd::Stopped;
    if (r != ReadResult::Ok) return SessionEnd::Closed;
    const size_t len = (size_t{len_bytes[0]} << 8) | len_bytes[1];
    buf.resize(len);
    if (len > 0) {
      r = read_exact(fd, buf.data(), len, true, stop);
      if (r == ReadResult::Stopped) return SessionEnd::Stopped;
      if (r != ReadResult::Ok) return SessionEnd::Closed;
    }
    if (len == 1) {
      switch (buf[0]) {
        case 0x00:  // power off
        case 0x01:  // power on
        case 0x02:  // reset
          // Always logged: a reset ends the RSP session, which explains failures that follow.
          std::cerr << "veuicc: "
                    << (buf[0] == 0x02   ? "reset"
                        : buf[0] == 0x01 ? "power on"
                                         : "power off")
                    << " after APDU #" << apdu_number << "\n";
          card.reset();
          break;
        case 0x04: {
          const Bytes atr = card.atr();
          if (o.verbose) std::cerr << "veuicc: ATR " << to_hex(atr) << "\n";
          if (!send_frame(fd, atr)) return SessionEnd::Closed;
          break;
        }
        default: std::cerr << "veuicc: unknown vpcd control code " << int(buf[0]) << ", ignored\n";
      }
      continue;
    }
    if (len == 0) continue;
    const uint64_t n = ++apdu_number;
    if (o.verbose) std::cerr << "veuicc: #" << n << " > " << to_hex(buf) << "\n";
    if (faults.latency_ms) sleep_interruptible(faults.latency_ms, stop);
    if (faults.remove_at.count(n)) {
      std::cerr << "veuicc: fault: card removed at APDU #" << n << "\n";
      return SessionEnd::Removed;
    }
    Bytes response;
    if (auto sw = faults.sw_at.find(n); sw != faults.sw_at.end()) {
      response = sw_only(sw->second);
    } else {
      response = card.transmit(buf);
      if (faults.garbage_at.count(n)) response = garble_response(response);
    }
    if (o.verbose) std::cerr << "veuicc: #" << n << " < " << to_hex(response) << "\n";
    if (!send_frame(fd, response)) return SessionEnd::Closed;
  }
}

}  // namespace

int run_vpcd_link(Card& card, const LinkOptions& o, const FaultPlan& faults,
                  const std::atomic<bool>& stop) {
  uint64_t apdu_number = 0;
  bool first = true;
  while (!stop) {
    const int fd = connect_with_retry(o, stop);
    if (fd < 0) {
      if (stop) break;
      std::cerr << "veuicc: vpcd is not listening on " << o.host << ":" << o.port << " (waited "
                << o.connect_timeout_ms << " ms)" << (first ? "" : "; exiting") << "\n";
      return first ? 1 : 0;
    }
    UniqueFd socket(fd);
    // Always logged: every new connection is a card reset (channels and RSP session gone),
    // which explains what fails after it.
    std::cerr << "veuicc: connected to vpcd at " << o.host << ":" << o.port
              << (first ? "" : " again (the card is reset)") << "\n";
    first = false;
    card.reset();
    const SessionEnd end = serve(fd, card, o, faults, apdu_number, stop);
    card.reset();
    if (end == SessionEnd::Stopped) break;
    if (end == SessionEnd::Removed) {
      if (!faults.remove_for_ms) return 0;
      ::shutdown(fd, SHUT_RDWR);
      sleep_interruptible(*faults.remove_for_ms, stop);
    } else {
      std::cerr << "veuicc: vpcd closed the connection after APDU #" << apdu_number
                << "; reconnecting\n";
    }
  }
  return 0;
}

}  // namespace euiccd::veuicc
