#include "daemon/options.h"

#include <getopt.h>

#include "base/error.h"

namespace euiccd::daemon {

const char kUsage[] =
    "usage: euiccd [options]\n"
    "  --config FILE        configuration file (default /etc/euiccd/euiccd.conf)\n"
    "  --config-dir DIR     drop-in directory (default /etc/euiccd/euiccd.conf.d)\n"
    "  --bus BUS            system (default), session, or a D-Bus address (unix:path=...)\n"
    "  --state-dir DIR      state directory (default $STATE_DIRECTORY or /var/lib/euiccd)\n"
    "  --ca FILE            extra CA certificate (PEM) for SM-DP+/SM-DS TLS (repeatable)\n"
    "  --resolve H:P:ADDR   connect to ADDR for host H port P (repeatable; tests, demos)\n"
    "  --reader NAME        use only PC/SC readers whose name contains NAME\n"
    "  --modem-manager-bus BUS\n"
    "                       ModemManager's bus for balance/top-up: system (default) or an\n"
    "                       address (tests)\n"
    "  --verbose            log debug messages\n"
    "  --version            print the version and exit\n"
    "  --help               print this text and exit\n";

CommandLine parse_command_line(int argc, char** argv) {
  enum {
    kConfig = 1000,
    kConfigDir,
    kBus,
    kStateDir,
    kCa,
    kResolve,
    kReader,
    kModemManagerBus,
    kVerbose,
    kVersion,
    kHelp
  };
  static const option kOptions[] = {
      {"config", required_argument, nullptr, kConfig},
      {"config-dir", required_argument, nullptr, kConfigDir},
      {"bus", required_argument, nullptr, kBus},
      {"state-dir", required_argument, nullptr, kStateDir},
      {"ca", required_argument, nullptr, kCa},
      {"resolve", required_argument, nullptr, kResolve},
      {"reader", required_argument, nullptr, kReader},
      {"modem-manager-bus", required_argument, nullptr, kModemManagerBus},
      {"verbose", no_argument, nullptr, kVerbose},
      {"version", no_argument, nullptr, kVersion},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0},
  };
  CommandLine cl;
  optind = 1;
  opterr = 0;
  for (;;) {
    const int c = getopt_long(argc, argv, ":", kOptions, nullptr);
    if (c == -1) break;
    switch (c) {
      case kConfig: cl.config_file = optarg; break;
      case kConfigDir: cl.config_dir = optarg; break;
      case kBus: cl.bus = optarg; break;
      case kStateDir: cl.state_dir = optarg; break;
      case kCa: cl.ca_files.emplace_back(optarg); break;
      case kResolve: cl.resolve.emplace_back(optarg); break;
      case kReader: cl.reader = optarg; break;
      case kModemManagerBus: cl.modem_manager_bus = optarg; break;
      case kVerbose: cl.verbose = true; break;
      case kVersion: cl.version = true; break;
      case kHelp: cl.help = true; break;
      case ':':
        throw Error(Errc::InvalidArgument, std::string(argv[optind - 1]) + " needs a value");
      default:
        throw Error(Errc::InvalidArgument,
                    std::string("unknown option ") + (optind > 0 ? argv[optind - 1] : "?"));
    }
  }
  if (optind < argc)
    throw Error(Errc::InvalidArgument, std::string("unexpected argument ") + argv[optind]);
  if (cl.bus && *cl.bus != "system" && *cl.bus != "session" &&
      cl.bus->find(':') == std::string::npos)
    throw Error(
        Errc::InvalidArgument,
        "--bus wants system, session or a D-Bus address such as unix:path=/run/bus, not \"" +
            *cl.bus + "\"");
  if (cl.modem_manager_bus && *cl.modem_manager_bus != "system" &&
      cl.modem_manager_bus->find(':') == std::string::npos)
    throw Error(Errc::InvalidArgument,
                "--modem-manager-bus wants system or a D-Bus address such as unix:path=/run/bus, "
                "not \"" +
                    *cl.modem_manager_bus + "\"");
  return cl;
}

}  // namespace euiccd::daemon
