// euicc-card: talks to an eUICC directly through PC/SC, without the daemon (debugging, the
// demo). One run = one command: parse the command line, connect, run, print, exit with a status
// that says what kind of error happened (see usage_text()).
#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "tools/euicc_card_cli.h"
#include "tools/euicc_card_commands.h"
#include "tools/euicc_card_session.h"

namespace {

using namespace euiccd;
using namespace euiccd::tools;

using CommandFunction = void (*)(const CommandLine&, const Args&, CardSession&);

struct CommandSpec {
  std::vector<std::string> words;  // "notifications", "list"
  size_t min_args;
  size_t max_args;
  std::set<std::string> options;  // command options it accepts
  const char* synopsis;
  CommandFunction run;
};

const std::set<std::string> kNetwork = {"ca", "resolve"};

std::set<std::string> with_network(std::set<std::string> options) {
  options.insert(kNetwork.begin(), kNetwork.end());
  return options;
}

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> specs = {
      {{"eid"}, 0, 0, {}, "eid", command_eid},
      {{"info"}, 0, 0, {}, "info", command_info},
      {{"list"}, 0, 0, {}, "list", command_list},
      {{"enable"}, 1, 1, {"refresh"}, "enable ICCID|AID [--refresh]", command_enable},
      {{"disable"}, 1, 1, {"refresh"}, "disable ICCID|AID [--refresh]", command_disable},
      {{"delete"}, 1, 1, {}, "delete ICCID|AID", command_delete},
      {{"nickname"}, 2, 2, {}, "nickname ICCID TEXT", command_nickname},
      {{"addresses"}, 0, 0, {}, "addresses", command_addresses},
      {{"set-default-dp"}, 1, 1, {}, "set-default-dp ADDRESS", command_set_default_dp},
      {{"reset"},
       0,
       0,
       {"operational", "test", "default-smdp", "yes"},
       "reset [--operational] [--test] [--default-smdp] [--yes]",
       command_reset},
      {{"notifications", "list"}, 0, 0, {}, "notifications list", command_notifications_list},
      {{"notifications", "process"},
       0,
       1,
       with_network({}),
       "notifications process [SEQ]",
       command_notifications_process},
      {{"notifications", "remove"},
       1,
       1,
       {},
       "notifications remove SEQ",
       command_notifications_remove},
      {{"download"},
       1,
       1,
       with_network({"confirmation-code", "imei", "yes"}),
       "download ACTIVATION_CODE [--confirmation-code C] [--imei N] [--yes]",
       command_download},
      {{"discover"}, 0, 0, with_network({"smds"}), "discover [--smds ADDRESS]", command_discover},
  };
  return specs;
}

const CommandSpec& find_command(const Args& args) {
  if (args.empty()) throw UsageError("no command given");
  for (const auto& spec : commands()) {
    if (args.size() >= spec.words.size() &&
        std::equal(spec.words.begin(), spec.words.end(), args.begin())) {
      return spec;
    }
  }
  if (args[0] == "notifications") {
    throw UsageError("notifications wants list, process or remove");
  }
  throw UsageError("unknown command \"" + args[0] + "\"");
}

// 10 + the Errc value, so each kind of failure has its own status (listed in the usage text).
static_assert(static_cast<int>(Errc::Internal) == 16,
              "Errc changed: update the exit status list in usage_text()");
int exit_status(Errc code) {
  return 10 + static_cast<int>(code);
}

void print_stats(const CardSession& card) {
  const auto& s = card.stats();
  std::cerr << "euicc-card: " << s.apdus << " APDUs, " << s.bytes_out << " bytes out, "
            << s.bytes_in << " bytes in (reader \"" << card.reader() << "\")\n";
}

int run(int argc, char** argv) {
  const CommandLine cmd = parse_command_line(argc, argv);
  if (cmd.help) {
    std::cout << usage_text();
    return 0;
  }
  const CommandSpec& spec = find_command(cmd.args);
  const Args args(cmd.args.begin() + static_cast<std::ptrdiff_t>(spec.words.size()),
                  cmd.args.end());
  if (args.size() < spec.min_args || args.size() > spec.max_args) {
    throw UsageError("usage: euicc-card " + std::string(spec.synopsis));
  }
  for (const auto& option : cmd.command_options) {
    if (!spec.options.count(option)) {
      throw UsageError("--" + option + " does not apply to \"" + std::string(spec.synopsis) + "\"");
    }
  }
  CardSession card(cmd);
  try {
    spec.run(cmd, args, card);
  } catch (...) {
    if (cmd.verbose) print_stats(card);
    throw;
  }
  if (cmd.verbose) print_stats(card);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  for (int i = 1; i < argc; ++i) json |= std::string(argv[i]) == "--json";
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "euicc-card: " << e.what() << "\n(euicc-card --help lists the commands)\n";
    return kExitUsage;
  } catch (const Error& e) {
    std::cerr << "euicc-card: " << e.what() << " [" << errc_name(e.code()) << "]\n";
    if (json) {
      std::cout << nlohmann::ordered_json{{"error",
                                           {{"code", errc_name(e.code())}, {"message", e.what()}}}}
                       .dump(2)
                << "\n";
    }
    return exit_status(e.code());
  } catch (const std::exception& e) {
    std::cerr << "euicc-card: unexpected failure: " << e.what() << "\n";
    return 1;
  }
}
