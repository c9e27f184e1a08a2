#include "tools/euicc_card_cli.h"

#include <cerrno>
#include <cstdlib>
#include <functional>

#include "base/error.h"
#include "cli/long_options.h"

namespace euiccd::tools {
namespace {

const char kUsage[] =
    "usage: euicc-card [options] COMMAND [arguments]\n"
    "\n"
    "Talks to an eUICC directly through PC/SC (no daemon), for debugging and demos.\n"
    "\n"
    "Commands:\n"
    "  eid                           the card's EID\n"
    "  info                          EUICCInfo1 + EUICCInfo2: versions, memory, CI keys\n"
    "  list                          the installed profiles\n"
    "  enable ICCID|AID [--refresh]  enable a profile (the enabled one is disabled)\n"
    "  disable ICCID|AID [--refresh] disable the enabled profile\n"
    "  delete ICCID|AID              delete a disabled profile\n"
    "  nickname ICCID TEXT           set a profile's nickname (\"\" clears it)\n"
    "  addresses                     the default SM-DP+ and root SM-DS addresses\n"
    "  set-default-dp ADDRESS        set the default SM-DP+ address (\"\" clears it)\n"
    "  reset [--operational] [--test] [--default-smdp] [--yes]\n"
    "                                eUICC memory reset: delete operational / field-loaded\n"
    "                                test profiles, clear the default SM-DP+ address\n"
    "  notifications list            pending notifications on the card\n"
    "  notifications process [SEQ]   deliver them (or just SEQ) to their servers; each is\n"
    "                                removed from the card once its server acknowledged it\n"
    "  notifications remove SEQ      drop one from the card without sending it\n"
    "  download ACTIVATION_CODE [--confirmation-code C] [--imei N] [--yes]\n"
    "                                download and install a profile (LPA:1$host$token)\n"
    "  discover [--smds ADDRESS]     ask an SM-DS (default: the card's root SM-DS) for\n"
    "                                profiles waiting for this eUICC\n"
    "\n"
    "Options:\n"
    "  --reader NAME     the PC/SC reader (exact name or a unique part of it; default: the\n"
    "                    first reader with a card)\n"
    "  --wait SECONDS    wait this long for a card to appear (default: don't wait)\n"
    "  --aid HEX         an ISD-R AID to try before the standard ones (repeatable)\n"
    "  --segment N       STORE DATA block size, 1..255 (default 255; smaller ones are tried\n"
    "                    automatically when the card refuses a block)\n"
    "  --json            machine-readable output on stdout\n"
    "  --verbose         APDU counts and engine remarks on stderr\n"
    "  --ca FILE         an extra TLS trust anchor for SM-DP+/SM-DS servers (repeatable;\n"
    "                    the GSMA CI roots are always trusted)\n"
    "  --resolve HOST:PORT:ADDRESS  reach HOST:PORT at ADDRESS (repeatable, as curl)\n"
    "  --yes             do not ask before installing a profile or resetting the card\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 success, 1 unexpected failure, 2 usage error, otherwise the kind of error:\n"
    "  10 InvalidArgument  11 Malformed  12 NoReader  13 CardRemoved  14 CardError\n"
    "  15 NotSupported  16 Timeout  17 NotFound  18 WrongState  19 NotAllowed  20 Busy\n"
    "  21 NoMemory  22 ServerError  23 Network  24 Tls  25 Cancelled  26 Internal\n";

unsigned long parse_number(const char* option_name, const char* value, unsigned long low,
                           unsigned long high) {
  char* end = nullptr;
  errno = 0;
  const unsigned long n = std::strtoul(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || n < low || n > high) {
    throw UsageError(std::string("--") + option_name + " wants a number from " +
                     std::to_string(low) + " to " + std::to_string(high) + ", not \"" + value +
                     "\"");
  }
  return n;
}

Bytes parse_aid(const char* value) {
  Bytes aid;
  try {
    aid = from_hex(value);
  } catch (const Error&) {
    throw UsageError(std::string("--aid wants hex digits, not \"") + value + "\"");
  }
  if (aid.size() < 5 || aid.size() > 16) {
    throw UsageError(std::string("--aid wants 5 to 16 bytes (10 to 32 hex digits), not \"") +
                     value + "\"");
  }
  return aid;
}

}  // namespace

const char* usage_text() {
  return kUsage;
}

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine cmd;
  // The network and per-command options: the command checks that it takes each one given.
  const auto noted = [&cmd](const char* name, std::function<void(const char*)> apply) {
    return [&cmd, name, apply = std::move(apply)](const char* value) {
      apply(value);
      cmd.command_options.insert(name);
    };
  };
  const cli::LongOption options[] = {
      {"reader", cli::kValue, [&](const char* v) { cmd.reader = v; }},
      {"wait", cli::kValue,
       [&](const char* v) {
         cmd.wait_for_card = std::chrono::seconds(parse_number("wait", v, 0, 3600));
       }},
      {"aid", cli::kValue, [&](const char* v) { cmd.isdr_aids.push_back(parse_aid(v)); }},
      {"segment", cli::kValue,
       [&](const char* v) { cmd.segment_size = parse_number("segment", v, 1, 255); }},
      {"json", cli::kFlag, [&](const char*) { cmd.json = true; }},
      {"verbose", cli::kFlag, [&](const char*) { cmd.verbose = true; }},
      {"ca", cli::kValue, noted("ca", [&](const char* v) { cmd.ca_files.emplace_back(v); })},
      {"resolve", cli::kValue,
       noted("resolve", [&](const char* v) { cmd.resolve.emplace_back(v); })},
      {"refresh", cli::kFlag, noted("refresh", [&](const char*) { cmd.refresh = true; })},
      {"yes", cli::kFlag, noted("yes", [&](const char*) { cmd.yes = true; })},
      {"operational", cli::kFlag,
       noted("operational", [&](const char*) { cmd.operational = true; })},
      {"test", cli::kFlag, noted("test", [&](const char*) { cmd.test = true; })},
      {"default-smdp", cli::kFlag,
       noted("default-smdp", [&](const char*) { cmd.default_smdp = true; })},
      {"confirmation-code", cli::kValue,
       noted("confirmation-code", [&](const char* v) { cmd.confirmation_code = v; })},
      {"imei", cli::kValue, noted("imei", [&](const char* v) { cmd.imei = v; })},
      {"smds", cli::kValue, noted("smds", [&](const char* v) { cmd.smds = v; })},
      {"help", cli::kFlag, [&](const char*) { cmd.help = true; }, 'h'},
  };
  try {
    // Options may follow the command words (GNU permutation).
    cmd.args = cli::parse_long_options(argc, argv, options, true);
  } catch (const cli::UsageError& e) {
    throw UsageError(e.what());
  }
  return cmd;
}

}  // namespace euiccd::tools
