// The daemon's command line:
//
//   euiccd [--config FILE] [--config-dir DIR] [--bus system|session|unix:path=...]
//          [--state-dir DIR] [--ca FILE]... [--resolve HOST:PORT:ADDR]... [--reader NAME]
//          [--modem-manager-bus system|ADDRESS] [--verbose] [--help] [--version]
//
// Command-line values win over the configuration file.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace euiccd::daemon {

struct CommandLine {
  std::optional<std::string> config_file;  // default /etc/euiccd/euiccd.conf
  std::optional<std::string> config_dir;   // default /etc/euiccd/euiccd.conf.d
  std::optional<std::string> bus;          // "system", "session" or a D-Bus address
  std::optional<std::string> state_dir;    // default $STATE_DIRECTORY, else /var/lib/euiccd
  std::vector<std::string> ca_files;       // extra ES9+/ES11 trust anchors (PEM)
  std::vector<std::string> resolve;        // curl --resolve entries (tests, demos)
  std::optional<std::string> reader;       // only readers whose name contains this
  // Where ModemManager is for balance checks and top-ups: "system" (default) or a D-Bus
  // address (tests put a stand-in on a private bus).
  std::optional<std::string> modem_manager_bus;
  bool verbose = false;
  bool help = false;
  bool version = false;
};

// Throws Error(InvalidArgument) naming the bad option.
CommandLine parse_command_line(int argc, char** argv);

// Where the configuration is read from: --config and --config-dir, else the packaged defaults
// (daemon/config.h). Decided here alone: loading reads these, and messages that say where to
// add a setting name them.
struct ConfigFiles {
  std::string main_file;
  std::string dropin_dir;

  // "/etc/euiccd/euiccd.conf (or a drop-in in /etc/euiccd/euiccd.conf.d/)"
  std::string describe() const;
};
ConfigFiles config_files(const CommandLine& cl);

extern const char kUsage[];

}  // namespace euiccd::daemon
