// A modem's AT port (a tty: /dev/ttyUSB2, /dev/ttyACM0, /dev/wwan0at0, or a pty in tests),
// opened raw 8N1 without becoming the controlling terminal. Every wait takes a deadline.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace euiccd::modem::at {

class SerialPort {
 public:
  using Clock = std::chrono::steady_clock;

  // Opens `path` O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK and sets it raw (cfmakeraw), 8N1,
  // 115200 baud, CLOCAL, no flow control. Throws NoModem when the path does not exist,
  // NotAllowed when permission is missing, Internal for other failures.
  explicit SerialPort(std::string path);
  ~SerialPort();
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  // Writes all of `data` before `deadline`. Throws Timeout (the port does not drain) or
  // CardRemoved (the modem went away: EIO, hang-up).
  void write_all(std::string_view data, Clock::time_point deadline);

  // Waits until bytes arrive or `deadline` passes; appends what arrived to `out` and returns
  // how many bytes that was (0: the deadline passed). Throws CardRemoved on hang-up / EIO.
  size_t read_some(std::string& out, Clock::time_point deadline);

  // Reads what is already waiting, without waiting; returns how many bytes were dropped.
  size_t discard_pending();

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void gone(const char* what, int error) const;

  std::string path_;
  int fd_ = -1;
};

}  // namespace euiccd::modem::at
