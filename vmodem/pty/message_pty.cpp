#include "vmodem/pty/message_pty.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>

#include "base/error.h"

namespace euiccd::vmodem {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  throw Error(Errc::Internal, what + ": " + std::strerror(errno));
}

// A pty pair in raw mode; the slave stays open here too, so the master never reads EIO while
// no client has the device open.
struct Pty {
  int master = -1;
  int slave = -1;

  explicit Pty(const std::string& link_path) {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) fail("cannot make a pty");
    const char* name = ptsname(master);
    if (!name) fail("ptsname");
    slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) fail(std::string("cannot open ") + name);
    termios t{};
    if (tcgetattr(slave, &t) == 0) {
      cfmakeraw(&t);
      tcsetattr(slave, TCSANOW, &t);
    }
    // Replace the link atomically: a client never sees it missing or dangling.
    const std::string tmp = link_path + ".new";
    ::unlink(tmp.c_str());
    if (::symlink(name, tmp.c_str()) != 0) fail("cannot link " + tmp);
    if (::rename(tmp.c_str(), link_path.c_str()) != 0) fail("cannot move " + tmp);
    const int flags = fcntl(master, F_GETFL);
    fcntl(master, F_SETFL, flags | O_NONBLOCK);
  }
  ~Pty() {
    if (master >= 0) ::close(master);
    if (slave >= 0) ::close(slave);
  }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
};

void write_all(int fd, const Bytes& b) {
  size_t done = 0;
  while (done < b.size()) {
    const ssize_t n = ::write(fd, b.data() + done, b.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
    } else {
      return;  // the other side is gone; the message is lost as on a real port
    }
  }
}

struct Due {
  Clock::time_point when;
  Bytes message;
};

}  // namespace

int run_message_pty(const MessageModem& modem, const MessagePtyOptions& options,
                    const std::atomic<bool>& stop) {
  auto pty = std::make_unique<Pty>(options.link_path);
  if (options.verbose)
    std::cerr << "veuicc: " << options.kind << " device at " << options.link_path << "\n";
  Bytes buffer;
  std::deque<Due> due;  // answers held back (latency, slow fault), in order
  while (!stop) {
    int wait_ms = 100;
    if (!due.empty()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(due.front().when - Clock::now());
      wait_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 100));
    }
    pollfd p{pty->master, POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    while (!due.empty() && due.front().when <= Clock::now()) {
      write_all(pty->master, due.front().message);
      due.pop_front();
    }
    if (ready <= 0 || !(p.revents & POLLIN)) continue;
    uint8_t chunk[4096];
    const ssize_t n = ::read(pty->master, chunk, sizeof chunk);
    if (n <= 0) continue;
    buffer.insert(buffer.end(), chunk, chunk + n);
    while (true) {
      std::optional<size_t> size;
      try {
        size = modem.message_size(buffer);
      } catch (const Error& e) {
        if (options.verbose)
          std::cerr << "veuicc: " << options.kind << ": dropping input: " << e.what() << "\n";
        buffer.clear();  // resynchronise on the next write
        break;
      }
      if (!size || buffer.size() < *size) break;
      const Bytes message(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*size));
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*size));
      if (options.verbose)
        std::cerr << "veuicc: " << options.kind << " <- " << to_hex(message) << "\n";
      PtyAction action = modem.handle(message);
      if (action.hang_up) {
        if (options.verbose)
          std::cerr << "veuicc: " << options.kind << ": modem reset (pty closed)\n";
        due.clear();
        buffer.clear();
        modem.reset();
        // The new pty's link replaces the old one before the old pty closes, so the path
        // never dangles (a real modem's node may vanish for a while; that is NoReader).
        auto fresh = std::make_unique<Pty>(options.link_path);
        pty = std::move(fresh);
        break;
      }
      for (auto& [reply, delay] : action.replies) {
        if (options.verbose)
          std::cerr << "veuicc: " << options.kind << " -> " << to_hex(reply) << "\n";
        if (delay.count() == 0 && due.empty()) {
          write_all(pty->master, reply);
        } else {
          const auto when =
              std::max(Clock::now() + delay, due.empty() ? Clock::now() : due.back().when);
          due.push_back({when, std::move(reply)});
        }
      }
    }
  }
  ::unlink(options.link_path.c_str());
  return 0;
}

}  // namespace euiccd::vmodem
