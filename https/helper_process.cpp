#include "https/helper_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "https/helper_fd.h"

namespace euiccd::https {
namespace {

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return "killed by signal " + std::to_string(WTERMSIG(status)) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "ended with status " + std::to_string(status);
}

}  // namespace

HelperProcess::HelperProcess(const std::string& path, const std::vector<std::string>& env) {
  int fds[2];
  // Both ends close on exec: the child gets its end as fd 3 through dup2, which clears the flag
  // on the copy only, so helpers started at the same time by other workers never inherit it.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw Error(Errc::Internal,
                std::string("cannot make a socket for the HTTPS helper: ") + std::strerror(errno));
  if (fds[1] == kHelperFd) {  // dup2 onto itself would keep close-on-exec: move it first
    const int moved = fcntl(fds[1], F_DUPFD_CLOEXEC, kHelperFd + 1);
    close(fds[1]);
    fds[1] = moved;
    if (moved < 0) {
      close(fds[0]);
      throw Error(Errc::Internal, "cannot prepare the HTTPS helper's socket");
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], kHelperFd);
  // The child starts with default signal handling and an empty mask, whatever this thread has.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv = {const_cast<char*>(path.c_str()), nullptr};
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int rc = posix_spawn(&pid_, path.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw Error(Errc::Internal, "cannot start the HTTPS helper " + path + ": " + std::strerror(rc));
  }
  fd_ = fds[0];
}

HelperProcess::~HelperProcess() {
  if (fd_ >= 0) close(fd_);
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string HelperProcess::reap_description() {
  using namespace std::chrono_literals;
  int status = 0;
  for (int i = 0; i < 40; ++i) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return describe(status);
    }
    if (r < 0 && errno != EINTR) break;
    std::this_thread::sleep_for(5ms);
  }
  kill(pid_, SIGKILL);
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  return "closed its socket but kept running (killed)";
}

}  // namespace euiccd::https
