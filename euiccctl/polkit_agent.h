// A text polkit agent (pkttyagent) for the duration of a command, as systemctl and hostnamectl
// start one: when no graphical agent is running, polkit can still ask for the password on the
// terminal. Only for the system bus and a terminal on stdin.
#pragma once

#include <sys/types.h>

namespace euiccctl {

class PolkitAgent {
 public:
  PolkitAgent() = default;
  ~PolkitAgent();
  PolkitAgent(const PolkitAgent&) = delete;
  PolkitAgent& operator=(const PolkitAgent&) = delete;

  // Starts pkttyagent --fallback and waits (up to 5 s) until it has registered. Does nothing
  // when stdin is not a terminal or pkttyagent is not installed.
  void start();

 private:
  pid_t pid_ = -1;
};

}  // namespace euiccctl
