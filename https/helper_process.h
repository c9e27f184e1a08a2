// One running HTTPS helper: a child process started with posix_spawn, reached over a
// socketpair that is its fd 3. Owns both: destroying it kills the child (SIGKILL) and reaps it,
// so a helper never outlives the operation that started it and never stays a zombie.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace euiccd::https {

class HelperProcess {
 public:
  // Starts `path` with the environment `env` ("NAME=value" entries) and nothing else: stdin and
  // stdout on /dev/null, stderr inherited (the journal), fd 3 the socket. Throws
  // Error(Internal) naming the path when it cannot be started.
  HelperProcess(const std::string& path, const std::vector<std::string>& env);
  ~HelperProcess();
  HelperProcess(const HelperProcess&) = delete;
  HelperProcess& operator=(const HelperProcess&) = delete;

  int fd() const { return fd_; }
  pid_t pid() const { return pid_; }

  // The child closed its end: how it ended, for an error message ("exited with status 3",
  // "killed by signal 11"). Waits up to ~200 ms for it to finish, then kills it.
  std::string reap_description();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
};

}  // namespace euiccd::https
