// A child process for integration tests: started with argv, killed and reaped on destruction.
// Tests run real peers (virtual eUICC, pcscd, test SM-DP+) as processes, never mocks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace euiccd::testing {

class Subprocess {
 public:
  // Starts argv[0] (a path) with argv; stdout/stderr go to `log_path` when given.
  explicit Subprocess(std::vector<std::string> argv, const std::string& log_path = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `deadline` for the exit; SIGKILL after that. Returns the
  // wait status.
  int stop(int signal, std::chrono::milliseconds deadline = std::chrono::seconds(5));
  // Waits for the process to exit by itself; returns its exit code or -1 on timeout/signal.
  int wait_exit(std::chrono::milliseconds deadline);

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// Runs a command to completion and returns its exit code, with stdout captured in `out`.
int run_command(const std::vector<std::string>& argv, std::string* out,
                std::chrono::milliseconds deadline = std::chrono::seconds(30));

// A fresh temporary directory, removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace euiccd::testing
