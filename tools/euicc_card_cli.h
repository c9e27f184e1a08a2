// euicc-card's command line: what the user asked for, parsed once, and the usage text.
// Every option is parsed wherever it appears (GNU getopt permutes), then each subcommand
// says which of them it accepts, so "euicc-card --json list" and "euicc-card list --json"
// both work and "euicc-card list --refresh" is a usage error.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace euiccd::tools {

// A mistake on the command line: printed with a hint to --help, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitUsage = 2;

struct CommandLine {
  // --- global ---
  std::string reader;            // --reader: exact name or a unique part of it; "" = first card
  std::vector<Bytes> isdr_aids;  // --aid: tried before the standard ISD-R AIDs
  size_t segment_size = 255;     // --segment
  std::chrono::seconds wait_for_card{0};  // --wait: how long to wait for a card to show up
  bool json = false;
  bool verbose = false;

  // --- network (download, discover, notifications process) ---
  std::vector<std::string> ca_files;  // --ca, extra trust anchors
  std::vector<std::string> resolve;   // --resolve HOST:PORT:ADDR

  // --- per command ---
  bool refresh = false;                          // enable/disable --refresh
  bool yes = false;                              // download/reset --yes
  bool operational = false;                      // reset --operational
  bool test = false;                             // reset --test
  bool default_smdp = false;                     // reset --default-smdp
  std::optional<std::string> confirmation_code;  // download --confirmation-code
  std::optional<std::string> imei;               // download --imei
  std::optional<std::string> smds;               // discover --smds

  // Positional arguments: the command words first ("list", "notifications process"), then
  // the command's own arguments.
  std::vector<std::string> args;
  // Long names of the command-specific and network options given ("refresh", "ca", ...).
  std::set<std::string> command_options;
  bool help = false;
};

// Throws UsageError.
CommandLine parse_command_line(int argc, char** argv);

const char* usage_text();

}  // namespace euiccd::tools
