// A file descriptor that closes itself: the sockets and ptys of the emulated card and modems.
#pragma once

#include <unistd.h>

namespace euiccd::veuicc {

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

}  // namespace euiccd::veuicc
