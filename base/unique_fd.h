// A file descriptor that closes itself (the emulated card's and modems' sockets and ptys, the
// image files qr/ reads).
#pragma once

#include <unistd.h>

namespace euiccd {

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace euiccd
