#include "euiccctl/polkit_agent.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace euiccctl {
namespace {
constexpr char kAgent[] = "/usr/bin/pkttyagent";
}

void PolkitAgent::start() {
  if (pid_ > 0 || isatty(STDIN_FILENO) != 1 || access(kAgent, X_OK) != 0) return;
  int notify[2];
  if (pipe2(notify, O_CLOEXEC) != 0) return;
  // The agent keeps the write end (its O_CLOEXEC cleared in the child) and closes it once it
  // is registered with polkit.
  const std::string fd_number = std::to_string(notify[1]);
  pid_ = fork();
  if (pid_ == 0) {
    if (fcntl(notify[1], F_SETFD, 0) < 0) _exit(127);
    execl(kAgent, kAgent, "--notify-fd", fd_number.c_str(), "--fallback", nullptr);
    _exit(127);
  }
  close(notify[1]);
  if (pid_ > 0) {
    pollfd ready{notify[0], POLLIN, 0};
    poll(&ready, 1, 5000);
  }
  close(notify[0]);
}

PolkitAgent::~PolkitAgent() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

}  // namespace euiccctl
