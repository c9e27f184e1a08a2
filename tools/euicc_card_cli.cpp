#include "tools/euicc_card_cli.h"

#include <getopt.h>

#include <cerrno>
#include <cstdlib>

#include "base/error.h"

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

enum Option {
  kReader = 1000,
  kWait,
  kAid,
  kSegment,
  kJson,
  kVerbose,
  kCa,
  kResolve,
  kRefresh,
  kYes,
  kOperational,
  kTest,
  kDefaultSmdp,
  kConfirmationCode,
  kImei,
  kSmds,
  kHelp,
};

const option kOptions[] = {
    {"reader", required_argument, nullptr, kReader},
    {"wait", required_argument, nullptr, kWait},
    {"aid", required_argument, nullptr, kAid},
    {"segment", required_argument, nullptr, kSegment},
    {"json", no_argument, nullptr, kJson},
    {"verbose", no_argument, nullptr, kVerbose},
    {"ca", required_argument, nullptr, kCa},
    {"resolve", required_argument, nullptr, kResolve},
    {"refresh", no_argument, nullptr, kRefresh},
    {"yes", no_argument, nullptr, kYes},
    {"operational", no_argument, nullptr, kOperational},
    {"test", no_argument, nullptr, kTest},
    {"default-smdp", no_argument, nullptr, kDefaultSmdp},
    {"confirmation-code", required_argument, nullptr, kConfirmationCode},
    {"imei", required_argument, nullptr, kImei},
    {"smds", required_argument, nullptr, kSmds},
    {"help", no_argument, nullptr, kHelp},
    {nullptr, 0, nullptr, 0},
};

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
  optind = 0;  // full reset: parse_command_line may run more than once (tests)
  opterr = 0;  // our own messages
  int c = 0;
  int index = 0;
  // ":" first: a missing value is reported as ':' rather than '?'. No "+": options may follow
  // the command words (GNU permutation).
  while ((c = getopt_long(argc, argv, ":h", kOptions, &index)) != -1) {
    switch (c) {
      case kReader: cmd.reader = optarg; break;
      case kWait:
        cmd.wait_for_card = std::chrono::seconds(parse_number("wait", optarg, 0, 3600));
        break;
      case kAid: cmd.isdr_aids.push_back(parse_aid(optarg)); break;
      case kSegment: cmd.segment_size = parse_number("segment", optarg, 1, 255); break;
      case kJson: cmd.json = true; break;
      case kVerbose: cmd.verbose = true; break;
      case kCa: cmd.ca_files.emplace_back(optarg); break;
      case kResolve: cmd.resolve.emplace_back(optarg); break;
      case kRefresh: cmd.refresh = true; break;
      case kYes: cmd.yes = true; break;
      case kOperational: cmd.operational = true; break;
      case kTest: cmd.test = true; break;
      case kDefaultSmdp: cmd.default_smdp = true; break;
      case kConfirmationCode: cmd.confirmation_code = optarg; break;
      case kImei: cmd.imei = optarg; break;
      case kSmds: cmd.smds = optarg; break;
      case 'h':
      case kHelp: cmd.help = true; break;
      case ':': throw UsageError(std::string(argv[optind - 1]) + " needs a value");
      default: {
        const char* bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        throw UsageError(std::string("unknown option ") + bad);
      }
    }
    if (c >= kCa && c <= kSmds) cmd.command_options.insert(kOptions[c - kReader].name);
  }
  for (int i = optind; i < argc; ++i) cmd.args.emplace_back(argv[i]);
  return cmd;
}

}  // namespace euiccd::tools
