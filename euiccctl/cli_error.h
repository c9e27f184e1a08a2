// Exit codes of euiccctl (docs/euiccctl.md) and the error that carries one to main().
#pragma once

#include <stdexcept>
#include <string>

namespace euiccctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,         // euiccd (or the card, or a server) reported an error
  kExitUsage = 2,          // bad command line
  kExitNotFound = 3,       // no such profile or eUICC
  kExitNotAuthorized = 4,  // polkit said no
  kExitUnavailable = 5,    // euiccd not running / not reachable, or no ModemManager/modem
  kExitCancelled = 6,      // declined at a prompt, or the operation was cancelled
  kExitInterrupted = 130,  // Ctrl-C (a running job is cancelled first)
};

class CliError : public std::runtime_error {
 public:
  CliError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// The exit code for a D-Bus error name.
ExitCode exit_code_for_error(const std::string& dbus_error_name);

// True when the error says euiccd itself did not answer (not running, not activatable, gone
// mid-call), as opposed to an answer from euiccd such as org.euiccd1.Error.NoModem.
bool daemon_unreachable(const std::string& dbus_error_name);

}  // namespace euiccctl
