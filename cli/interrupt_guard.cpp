#include "cli/interrupt_guard.h"

namespace euiccd::cli {

InterruptGuard::InterruptGuard(void (*handler)(int), bool once) {
  struct sigaction action {};
  action.sa_handler = handler;
  action.sa_flags = once ? SA_RESETHAND : 0;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

}  // namespace euiccd::cli
