#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace euiccd::testing {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

pid_t spawn(const std::vector<std::string>& argv, int out_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);
  }
  pid_t pid = -1;
  auto args = c_argv(argv);
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

bool wait_until(pid_t pid, int* status, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

Subprocess::Subprocess(std::vector<std::string> argv, const std::string& log_path) {
  int fd = -1;
  if (!log_path.empty()) fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_ = spawn(argv, fd);
  if (fd >= 0) close(fd);
}

Subprocess::~Subprocess() {
  if (!reaped_) stop(SIGTERM, std::chrono::seconds(3));
}

bool Subprocess::running() {
  if (reaped_) return false;
  pid_t r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

int Subprocess::stop(int signal, std::chrono::milliseconds deadline) {
  if (reaped_) return status_;
  kill(pid_, signal);
  if (!wait_until(pid_, &status_, deadline)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  reaped_ = true;
  return status_;
}

int Subprocess::wait_exit(std::chrono::milliseconds deadline) {
  if (!reaped_) {
    if (!wait_until(pid_, &status_, deadline)) return -1;
    reaped_ = true;
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

int run_command(const std::vector<std::string>& argv, std::string* out,
                std::chrono::milliseconds deadline) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = spawn(argv, fds[1]);
  close(fds[1]);
  std::string buf;
  char chunk[4096];
  auto end = std::chrono::steady_clock::now() + deadline;
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  int status = 0;
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n > 0) {
      buf.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) break;
    if (std::chrono::steady_clock::now() >= end) {
      kill(pid, SIGKILL);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  close(fds[0]);
  if (!wait_until(pid, &status, std::max(std::chrono::milliseconds(100),
                                         std::chrono::duration_cast<std::chrono::milliseconds>(
                                             end - std::chrono::steady_clock::now())))) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (out) *out = buf;
    return -1;
  }
  if (out) *out = buf;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "euiccd-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace euiccd::testing
