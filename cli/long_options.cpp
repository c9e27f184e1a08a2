#include "cli/long_options.h"

#include <getopt.h>

namespace euiccd::cli {

std::vector<std::string> parse_long_options(int argc, char** argv,
                                            std::span<const LongOption> options,
                                            bool operands_allowed, bool stop_at_operand) {
  // getopt_long reports the row of a long option through `index`; a short one by its letter.
  constexpr int kLong = 1000;
  std::vector<option> table;
  std::string shorts = stop_at_operand ? "+:" : ":";
  for (const LongOption& o : options) {
    table.push_back({o.name, o.takes_value ? required_argument : no_argument, nullptr, kLong});
    if (o.short_name) shorts += std::string(1, o.short_name) + (o.takes_value ? ":" : "");
  }
  table.push_back({nullptr, 0, nullptr, 0});

  optind = 0;  // 0, not 1: glibc then also forgets the previous parse's ordering ('+')
  opterr = 0;
  for (;;) {
    int index = -1;
    const int c = getopt_long(argc, argv, shorts.c_str(), table.data(), &index);
    if (c == -1) break;
    const LongOption* chosen = nullptr;
    if (c == kLong && index >= 0) {
      chosen = &options[static_cast<size_t>(index)];
    } else {
      for (const LongOption& o : options)
        if (o.short_name && o.short_name == c) chosen = &o;
    }
    if (c == ':') throw UsageError(std::string(argv[optind - 1]) + " needs a value");
    if (!chosen)
      throw UsageError(std::string("unknown option ") + (optind > 0 ? argv[optind - 1] : "?"));
    chosen->apply(chosen->takes_value ? optarg : nullptr);
  }
  std::vector<std::string> operands(argv + optind, argv + argc);
  if (!operands_allowed && !operands.empty())
    throw UsageError("unexpected argument " + operands.front());
  return operands;
}

}  // namespace euiccd::cli
