// Command lines of euiccd's programs: GNU long options (`--name VALUE`, `--name=VALUE`, `--flag`)
// declared once as a table whose rows apply themselves, parsed with getopt_long. The table
// replaces the enum + `struct option` array + switch that each program would otherwise write.
//
//   std::vector<cli::LongOption> options = {
//       {"config", cli::kValue, [&](const char* v) { cl.config_file = v; }},
//       {"verbose", cli::kFlag, [&](const char*) { cl.verbose = true; }},
//   };
//   std::vector<std::string> operands = cli::parse_long_options(argc, argv, options);
#pragma once

#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace euiccd::cli {

inline constexpr bool kValue = true;  // the option takes a value
inline constexpr bool kFlag = false;

struct LongOption {
  const char* name;  // without the leading "--"
  bool takes_value = kFlag;
  // Called in command-line order; `value` is nullptr for a flag. May throw (a bad value).
  std::function<void(const char* value)> apply;
  char short_name = 0;  // also `-x`, when set
};

// What is wrong with a command line, in words for the user: "--config needs a value",
// "unknown option --x", "unexpected argument foo".
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Applies the options of argv[1..] in order and returns the operands (the arguments that are not
// options). `operands_allowed`: otherwise an operand is a UsageError. Options and operands may
// mix (GNU order) unless `stop_at_operand`, for programs whose first operand is a command word
// with options of its own. Uses getopt_long's global state: one parse at a time.
std::vector<std::string> parse_long_options(int argc, char** argv,
                                            std::span<const LongOption> options,
                                            bool operands_allowed = false,
                                            bool stop_at_operand = false);

}  // namespace euiccd::cli
