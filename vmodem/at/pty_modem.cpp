#include "vmodem/at/pty_modem.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"

namespace euiccd::vmodem::at {
namespace {

constexpr int kPollMs = 100;  // how often the loop looks at the stop flag

void make_raw(int fd, const char* which) {
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    throw Error(Errc::Internal,
                std::string("tcgetattr on the pty ") + which + ": " + std::strerror(errno));
  }
  ::cfmakeraw(&tio);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    throw Error(Errc::Internal,
                std::string("tcsetattr on the pty ") + which + ": " + std::strerror(errno));
  }
}

void sleep_interruptible(unsigned ms, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Writes everything; a host that does not read for a long time only blocks the modem, like a
// real one. Returns false when stopped.
bool write_all(int fd, const std::string& text, const std::atomic<bool>& stop) {
  size_t done = 0;
  while (done < text.size()) {
    if (stop) return false;
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, kPollMs);
  }
  return true;
}

}  // namespace

int run_pty_modem(veuicc::Card& card, const AtModemOptions& options, const std::string& link_path,
                  const std::atomic<bool>& stop) {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (master.get() < 0)
    throw Error(Errc::Internal, std::string("posix_openpt: ") + std::strerror(errno));
  if (::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) {
    throw Error(Errc::Internal, std::string("grantpt/unlockpt: ") + std::strerror(errno));
  }
  const char* slave_name = ::ptsname(master.get());
  if (slave_name == nullptr) throw Error(Errc::Internal, "ptsname failed");
  const std::string slave_path = slave_name;
  // The modem keeps the slave open too: a host closing and reopening its port must not hang
  // up the pty under the modem (and the slave's termios survive the host's close).
  UniqueFd slave(::open(slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (slave.get() < 0) {
    throw Error(Errc::Internal, "cannot open " + slave_path + ": " + std::strerror(errno));
  }
  make_raw(slave.get(), "slave");
  make_raw(master.get(), "master");
  ::fcntl(master.get(), F_SETFL, ::fcntl(master.get(), F_GETFL) | O_NONBLOCK);

  ::unlink(link_path.c_str());
  if (::symlink(slave_path.c_str(), link_path.c_str()) != 0) {
    throw Error(Errc::Internal,
                "cannot link " + link_path + " to " + slave_path + ": " + std::strerror(errno));
  }
  card.reset();
  AtModem modem(card, options);
  std::cerr << "veuicc: AT modem on " << link_path << " -> " << slave_path << std::endl;

  char buf[1024];
  while (!stop) {
    pollfd p{master.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, kPollMs);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0 || !(p.revents & POLLIN)) continue;
    const ssize_t n = ::read(master.get(), buf, sizeof buf);
    if (n <= 0) continue;
    for (const Answer& answer : modem.feed(std::string_view(buf, static_cast<size_t>(n)))) {
      if (answer.delay_ms) sleep_interruptible(answer.delay_ms, stop);
      if (!answer.text.empty() && !write_all(master.get(), answer.text, stop)) break;
    }
  }
  ::unlink(link_path.c_str());
  std::cerr << "veuicc: AT modem stopped after " << modem.apdu_commands() << " APDU commands, "
            << modem.card_apdus() << " card APDUs" << std::endl;
  return 0;
}

}  // namespace euiccd::vmodem::at
