// euiccctl: the command-line client of euiccd, in the manner of hostnamectl and resolvectl.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/long_options.h"
#include "euiccctl/bus.h"
#include "euiccctl/cli_error.h"
#include "euiccctl/commands.h"
#include "euiccctl/polkit_agent.h"

#ifndef EUICCD_VERSION
#define EUICCD_VERSION "0"
#endif

namespace {

using namespace euiccctl;
namespace cli = euiccd::cli;

constexpr char kUsage[] = R"(euiccctl [OPTIONS...] COMMAND [ARGS...]

Manage eSIM profiles through euiccd.

Commands:
  status                        Show euiccd and each eUICC
  list                          List the profiles
  download ACTIVATION-CODE      Download a profile (shows it and asks first)
  download --qr=FILE            The same, with the activation code from a QR image
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
     --qr=FILE                  Read the activation code from a QR code in a PNG/JPEG image
  reset:
     --operational              Erase operational profiles (the default)
     --test-profiles            Erase field-loaded test profiles
     --default-smdp             Reset the default SM-DP+ address

Exit status: 0 done, 1 failed, 2 bad usage, 3 no such profile or eUICC, 4 not authorized,
5 euiccd not reachable, 6 cancelled, 130 interrupted.
)";

struct CommandLine {
  Options options;
  std::string bus;
  bool ask_password = true;
  std::vector<std::string> words;  // command, then its arguments
  bool help = false;
  bool version = false;
};

std::chrono::seconds parse_timeout(const char* value) {
  char* end = nullptr;
  const long seconds = std::strtol(value, &end, 10);
  if (end == value || *end != '\0' || seconds <= 0) {
    throw CliError(kExitUsage,
                   "--timeout wants a number of seconds, not '" + std::string(value) + "'");
  }
  return std::chrono::seconds(seconds);
}

CommandLine parse(int argc, char** argv) {
  CommandLine cl;
  const char* env_bus = std::getenv("EUICCD_BUS_ADDRESS");
  cl.bus = env_bus != nullptr && *env_bus != '\0' ? env_bus : "system";
  Options& o = cl.options;
  const cli::LongOption options[] = {
      {"help", cli::kFlag, [&](const char*) { cl.help = true; }, 'h'},
      {"version", cli::kFlag, [&](const char*) { cl.version = true; }},
      {"bus", cli::kValue, [&](const char* v) { cl.bus = v; }},
      {"euicc", cli::kValue, [&](const char* v) { o.euicc = v; }},
      {"json", cli::kFlag, [&](const char*) { o.json = true; }},
      {"yes", cli::kFlag, [&](const char*) { o.yes = true; }, 'y'},
      {"no-ask-password", cli::kFlag, [&](const char*) { cl.ask_password = false; }},
      {"timeout", cli::kValue, [&](const char* v) { o.timeout = parse_timeout(v); }},
      {"confirmation-code", cli::kValue, [&](const char* v) { o.confirmation_code = v; }},
      {"nickname", cli::kValue, [&](const char* v) { o.nickname = v; }},
      {"enable", cli::kFlag, [&](const char*) { o.enable = true; }},
      {"imei", cli::kValue, [&](const char* v) { o.imei = v; }},
      {"qr", cli::kValue, [&](const char* v) { o.qr_image = v; }},
      {"operational", cli::kFlag, [&](const char*) { o.reset_options |= 1U; }},
      {"test-profiles", cli::kFlag, [&](const char*) { o.reset_options |= 2U; }},
      {"default-smdp", cli::kFlag, [&](const char*) { o.reset_options |= 4U; }},
  };
  try {
    // Options may come after the command too ("euiccctl delete X --yes").
    cl.words = cli::parse_long_options(argc, argv, options, true);
  } catch (const cli::UsageError& e) {
    throw CliError(kExitUsage, std::string(e.what()) + " (see 'euiccctl --help')");
  }
  return cl;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const CommandLine cl = parse(argc, argv);

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
