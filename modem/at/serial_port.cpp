#include "modem/at/serial_port.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace euiccd::modem::at {
namespace {

int remaining_ms(SerialPort::Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SerialPort::Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 60'000 ? 60'000 : static_cast<int>(left.count());
}

}  // namespace

SerialPort::SerialPort(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) {
    const int e = errno;
    if (e == ENOENT || e == ENXIO || e == ENODEV) {
      throw Error(Errc::NoModem, "the modem port " + path_ + " does not exist (" +
                                     std::strerror(e) + "): is the modem plugged in?");
    }
    if (e == EACCES || e == EPERM) {
      throw Error(Errc::NotAllowed, "no permission to open the modem port " + path_ +
                                        " (the service needs the dialout group and a "
                                        "DeviceAllow= for it)");
    }
    throw Error(Errc::Internal, "cannot open the modem port " + path_ + ": " + std::strerror(e));
  }
  termios tio{};
  if (::tcgetattr(fd_, &tio) != 0) {
    const int e = errno;
    ::close(fd_);
    throw Error(Errc::InvalidArgument, path_ + " is not a serial port (" + std::strerror(e) +
                                           "); give the modem's AT port");
  }
  ::cfmakeraw(&tio);
  tio.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | PARENB | CRTSCTS | CSIZE);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  tio.c_cc[VMIN] = 1;  // with O_NONBLOCK: EAGAIN when empty, so a read of 0 means hang-up
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, B115200);
  ::cfsetospeed(&tio, B115200);
  if (::tcsetattr(fd_, TCSANOW, &tio) != 0) {
    const int e = errno;
    ::close(fd_);
    throw Error(Errc::Internal, "cannot set " + path_ + " raw: " + std::strerror(e));
  }
  ::tcflush(fd_, TCIOFLUSH);  // what an earlier user left unread is not ours
}

SerialPort::~SerialPort() {
  if (fd_ >= 0) ::close(fd_);
}

void SerialPort::gone(const char* what, int error) const {
  throw Error(Errc::CardRemoved, "the modem port " + path_ + " went away while " + what + " (" +
                                     (error ? std::strerror(error) : "hang-up") +
                                     "): the modem was reset or unplugged");
}

void SerialPort::write_all(std::string_view data, Clock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) gone("writing", errno);
    pollfd p{fd_, POLLOUT, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno != EINTR) gone("waiting to write", errno);
    if (r == 0 && Clock::now() >= deadline) {
      throw Error(Errc::Timeout, "the modem port " + path_ + " did not take a command within " +
                                     "its deadline (flow control stuck?)");
    }
    if (r > 0 && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLOUT)) gone("writing", 0);
  }
}

size_t SerialPort::read_some(std::string& out, Clock::time_point deadline) {
  char buf[512];
  while (true) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    if (n == 0) gone("reading", 0);  // a pty whose other side closed
    if (errno == EINTR) continue;
    if (errno != EAGAIN) gone("reading", errno);
    const int wait = remaining_ms(deadline);
    if (wait == 0) return 0;
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, wait);
    if (r < 0 && errno != EINTR) gone("waiting for the modem", errno);
    if (r > 0 && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN)) {
      gone("waiting for the modem", 0);
    }
  }
}

size_t SerialPort::discard_pending() {
  std::string dropped;
  while (read_some(dropped, Clock::now()) > 0) {
  }
  return dropped.size();
}

}  // namespace euiccd::modem::at
