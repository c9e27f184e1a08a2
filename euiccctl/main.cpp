// euiccctl: the command-line client of euiccd, in the manner of hostnamectl and resolvectl.
#include <getopt.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "euiccctl/bus.h"
#include "euiccctl/cli_error.h"
#include "euiccctl/commands.h"
#include "euiccctl/polkit_agent.h"

#ifndef EUICCD_VERSION
#define EUICCD_VERSION "0"
#endif

namespace {

using namespace euiccctl;

constexpr char kUsage[] = R"(euiccctl [OPTIONS...] COMMAND [ARGS...]

Manage eSIM profiles through euiccd.

Commands:
  status                        Show euiccd and each eUICC
  list                          List the profiles
  download ACTIVATION-CODE      Download a profile (shows it and asks first)
  enable PROFILE                Enable a profile (the enabled one is disabled)
  disable [PROFILE]             Disable a profile (default: the enabled one)
  delete PROFILE                Delete a profile (asks first)
  nickname PROFILE NAME         Set a profile's nickname
  discover [SM-DS]              Ask the SM-DS for profiles waiting for this eUICC
  notifications [list|process]  Show or send the pending notifications
  balance [PROFILE]             Check the prepaid balance (default: the enabled one)
  topup VOUCHER [PROFILE]       Top up with a voucher code
  reset                         Erase profiles from the eUICC (asks first)

PROFILE is an ICCID, a unique start of one, or a nickname.

Options:
  -h --help                     Show this help
     --version                  Show the version
     --bus=system|session|ADDR  The bus euiccd is on (default: $EUICCD_BUS_ADDRESS or system)
     --euicc=N|EID              The eUICC to act on, when there are several
     --json                     Print JSON for scripts
  -y --yes                      Don't ask before downloading, deleting or erasing
     --no-ask-password          Don't let polkit ask for a password
     --timeout=SECONDS          Give up waiting for a download/discovery (default 600)
  download:
     --confirmation-code=CODE   The code the operator gave with the activation code
     --nickname=NAME            Nickname for the new profile
     --enable                   Enable the profile once installed
     --imei=IMEI                The device IMEI to tell the SM-DP+
  reset:
     --operational              Erase operational profiles (the default)
     --test-profiles            Erase field-loaded test profiles
     --default-smdp             Reset the default SM-DP+ address

Exit status: 0 done, 1 failed, 2 bad usage, 3 no such profile or eUICC, 4 not authorized,
5 euiccd not reachable, 6 cancelled, 130 interrupted.
)";

enum LongOption {
  kOptVersion = 256,
  kOptBus,
  kOptEuicc,
  kOptJson,
  kOptNoAskPassword,
  kOptTimeout,
  kOptConfirmationCode,
  kOptNickname,
  kOptEnable,
  kOptImei,
  kOptOperational,
  kOptTestProfiles,
  kOptDefaultSmdp,
};

struct CommandLine {
  Options options;
  std::string bus;
  bool ask_password = true;
  std::vector<std::string> words;  // command, then its arguments
  bool help = false;
  bool version = false;
};

CommandLine parse(int argc, char** argv) {
  static const option kLongOptions[] = {
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, kOptVersion},
      {"bus", required_argument, nullptr, kOptBus},
      {"euicc", required_argument, nullptr, kOptEuicc},
      {"json", no_argument, nullptr, kOptJson},
      {"yes", no_argument, nullptr, 'y'},
      {"no-ask-password", no_argument, nullptr, kOptNoAskPassword},
      {"timeout", required_argument, nullptr, kOptTimeout},
      {"confirmation-code", required_argument, nullptr, kOptConfirmationCode},
      {"nickname", required_argument, nullptr, kOptNickname},
      {"enable", no_argument, nullptr, kOptEnable},
      {"imei", required_argument, nullptr, kOptImei},
      {"operational", no_argument, nullptr, kOptOperational},
      {"test-profiles", no_argument, nullptr, kOptTestProfiles},
      {"default-smdp", no_argument, nullptr, kOptDefaultSmdp},
      {nullptr, 0, nullptr, 0},
  };
  CommandLine cl;
  const char* env_bus = std::getenv("EUICCD_BUS_ADDRESS");
  cl.bus = env_bus != nullptr && *env_bus != '\0' ? env_bus : "system";
  opterr = 0;
  int c = 0;
  while ((c = getopt_long(argc, argv, "+hy", kLongOptions, nullptr)) != -1) {
    switch (c) {
      case 'h': cl.help = true; break;
      case 'y': cl.options.yes = true; break;
      case kOptVersion: cl.version = true; break;
      case kOptBus: cl.bus = optarg; break;
      case kOptEuicc: cl.options.euicc = optarg; break;
      case kOptJson: cl.options.json = true; break;
      case kOptNoAskPassword: cl.ask_password = false; break;
      case kOptTimeout: {
        char* end = nullptr;
        long seconds = std::strtol(optarg, &end, 10);
        if (end == optarg || *end != '\0' || seconds <= 0) {
          throw CliError(kExitUsage,
                         "--timeout wants a number of seconds, not '" + std::string(optarg) + "'");
        }
        cl.options.timeout = std::chrono::seconds(seconds);
        break;
      }
      case kOptConfirmationCode: cl.options.confirmation_code = optarg; break;
      case kOptNickname: cl.options.nickname = optarg; break;
      case kOptEnable: cl.options.enable = true; break;
      case kOptImei: cl.options.imei = optarg; break;
      case kOptOperational: cl.options.reset_options |= 1U; break;
      case kOptTestProfiles: cl.options.reset_options |= 2U; break;
      case kOptDefaultSmdp: cl.options.reset_options |= 4U; break;
      default: {
        std::string bad = argv[optind - 1];
        throw CliError(kExitUsage, (c == ':' ? "missing value for " : "unknown option ") + bad +
                                       " (see 'euiccctl --help')");
      }
    }
    // Options may come after the command too ("euiccctl delete X --yes"): collect the words
    // and go on parsing behind them.
    while (optind < argc && argv[optind][0] != '-') cl.words.emplace_back(argv[optind++]);
  }
  while (optind < argc) cl.words.emplace_back(argv[optind++]);
  return cl;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // Words before the first option (getopt_long with '+' stops there).
    std::vector<std::string> leading;
    int first = 1;
    while (first < argc && argv[first][0] != '-') leading.emplace_back(argv[first++]);
    std::vector<char*> rest = {argv[0]};
    for (int i = first; i < argc; ++i) rest.push_back(argv[i]);
    rest.push_back(nullptr);
    CommandLine cl = parse(static_cast<int>(rest.size() - 1), rest.data());
    cl.words.insert(cl.words.begin(), leading.begin(), leading.end());

    if (cl.help) {
      std::cout << kUsage;
      return kExitOk;
    }
    if (cl.version) {
      std::cout << "euiccctl " << EUICCD_VERSION << "\n";
      return kExitOk;
    }
    const std::string command = cl.words.empty() ? "status" : cl.words.front();
    if (!is_command(command)) {
      throw CliError(kExitUsage, "unknown command '" + command + "' (see 'euiccctl --help')");
    }
    std::vector<std::string> args;
    if (!cl.words.empty()) args.assign(cl.words.begin() + 1, cl.words.end());

    Bus bus(cl.bus);
    bus.allow_interactive_authorization(cl.ask_password);
    PolkitAgent agent;
    if (cl.ask_password && bus.is_system() && command_changes_state(command)) agent.start();
    return run_command(bus, command, args, cl.options);
  } catch (const CliError& e) {
    std::cerr << "euiccctl: " << e.what() << "\n";
    return e.code();
  } catch (const BusCallError& e) {
    ExitCode code = exit_code_for_error(e.name());
    std::cerr << "euiccctl: " << e.name() << ": " << e.what() << "\n";
    if (daemon_unreachable(e.name())) {
      std::cerr << "euiccctl: is euiccd running? (systemctl status euiccd)\n";
    }
    return code;
  } catch (const std::exception& e) {
    std::cerr << "euiccctl: " << e.what() << "\n";
    return kExitFailed;
  }
}
