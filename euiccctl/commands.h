// The euiccctl commands (docs/euiccctl.md). Each reads what it needs from euiccd, acts through
// one D-Bus call (or a Job), and prints for people or, with --json, for scripts.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "euiccctl/bus.h"

namespace euiccctl {

struct Options {
  bool json = false;
  bool yes = false;  // don't ask before acting
  std::optional<std::string> euicc;
  std::optional<std::string> confirmation_code;
  std::optional<std::string> nickname;
  std::optional<std::string> imei;
  std::optional<std::string> qr_image;  // download: the activation code is in this PNG/JPEG
  bool enable = false;
  std::chrono::seconds timeout{600};  // for a job (download, discovery) as a whole
  unsigned reset_options = 0;         // ResetMemory bits; 0: operational profiles only
};

bool is_command(const std::string& command);
// True for commands that change something (they may need polkit to ask for a password).
bool command_changes_state(const std::string& command);

// Runs `command` with its positional `args`; returns the exit code. Throws CliError and
// BusCallError.
int run_command(Bus& bus, const std::string& command, const std::vector<std::string>& args,
                const Options& options);

}  // namespace euiccctl
