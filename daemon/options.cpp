#include "daemon/options.h"

#include "base/error.h"
#include "cli/long_options.h"
#include "daemon/config.h"

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
  CommandLine cl;
  const cli::LongOption options[] = {
      {"config", cli::kValue, [&](const char* v) { cl.config_file = v; }},
      {"config-dir", cli::kValue, [&](const char* v) { cl.config_dir = v; }},
      {"bus", cli::kValue, [&](const char* v) { cl.bus = v; }},
      {"state-dir", cli::kValue, [&](const char* v) { cl.state_dir = v; }},
      {"ca", cli::kValue, [&](const char* v) { cl.ca_files.emplace_back(v); }},
      {"resolve", cli::kValue, [&](const char* v) { cl.resolve.emplace_back(v); }},
      {"reader", cli::kValue, [&](const char* v) { cl.reader = v; }},
      {"modem-manager-bus", cli::kValue, [&](const char* v) { cl.modem_manager_bus = v; }},
      {"verbose", cli::kFlag, [&](const char*) { cl.verbose = true; }},
      {"version", cli::kFlag, [&](const char*) { cl.version = true; }},
      {"help", cli::kFlag, [&](const char*) { cl.help = true; }},
  };
  try {
    cli::parse_long_options(argc, argv, options);
  } catch (const cli::UsageError& e) {
    throw Error(Errc::InvalidArgument, e.what());
  }
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

std::string ConfigFiles::describe() const {
  std::string dir = dropin_dir;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return main_file + " (or a drop-in in " + dir + ")";
}

ConfigFiles config_files(const CommandLine& cl) {
  return {cl.config_file.value_or(kDefaultConfigFile),
          cl.config_dir.value_or(kDefaultConfigDropinDir)};
}

}  // namespace euiccd::daemon
