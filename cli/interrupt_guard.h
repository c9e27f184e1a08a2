// ^C while a command-line program waits on something long (a download, a job): for the guard's
// lifetime SIGINT and SIGTERM run a handler of the program's instead of ending it, installed
// without SA_RESTART so that a blocking wait returns with EINTR and the program can look at
// what the handler set. The previous dispositions come back when the guard goes.
#pragma once

#include <signal.h>

namespace euiccd::cli {

class InterruptGuard {
 public:
  // `handler` runs in signal context: it may only set an atomic flag or the like. `once`: it
  // runs for the first signal only; the next one acts as it did before the guard (SA_RESETHAND:
  // a second ^C ends the program).
  explicit InterruptGuard(void (*handler)(int), bool once = false);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace euiccd::cli
