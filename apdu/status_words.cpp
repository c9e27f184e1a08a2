#include "apdu/status_words.h"

#include <cstdio>

#include "base/error.h"

namespace euiccd::apdu {
namespace {

struct Known {
  uint16_t status;
  const char* meaning;
};

// Exact words first; the SW1 groups below cover the rest.
constexpr Known kKnown[] = {
    {0x9000, "success"},
    {0x6200, "warning: no information given, memory unchanged"},
    {0x6281, "warning: part of the returned data may be corrupted"},
    {0x6282, "warning: end of file or record reached before reading Le bytes"},
    {0x6283, "warning: selected file invalidated"},
    {0x6300, "warning: no information given, memory changed"},
    {0x6400, "execution error, memory unchanged"},
    {0x6500, "execution error, memory changed"},
    {0x6581, "memory failure"},
    {0x6601, "segment too large / security issue (STORE DATA)"},
    {0x6700, "wrong length"},
    {0x6881, "logical channel not supported"},
    {0x6882, "secure messaging not supported"},
    {0x6981, "command incompatible with file structure"},
    {0x6982, "security status not satisfied"},
    {0x6983, "authentication method blocked"},
    {0x6984, "referenced data invalidated"},
    {0x6985, "conditions of use not satisfied"},
    {0x6986, "command not allowed (no current EF)"},
    {0x6999, "applet selection failed"},
    {0x6A80, "incorrect parameters in the data field"},
    {0x6A81, "function not supported"},
    {0x6A82, "file or application not found"},
    {0x6A83, "record not found"},
    {0x6A84, "not enough memory space"},
    {0x6A86, "incorrect parameters P1/P2"},
    {0x6A88, "referenced data not found"},
    {0x6B00, "wrong parameters P1/P2"},
    {0x6D00, "instruction (INS) not supported"},
    {0x6E00, "class (CLA) not supported"},
    {0x6F00, "technical problem, no precise diagnosis"},
    {0x9300, "SIM toolkit busy"},
};

const char* group_meaning(uint8_t first) {
  switch (first) {
    case 0x61: return "response data available";
    case 0x62: return "warning, memory unchanged";
    case 0x63: return "warning, memory changed";
    case 0x64: return "execution error, memory unchanged";
    case 0x65: return "execution error, memory changed";
    case 0x66: return "security-related issue";
    case 0x67: return "wrong length";
    case 0x68: return "functions in CLA not supported";
    case 0x69: return "command not allowed";
    case 0x6A: return "wrong parameters";
    case 0x6C: return "wrong Le field";
    case 0x6F: return "technical problem";
    case 0x91: return "success, proactive command pending";
    case 0x92: return "success after internal retry";
    case 0x98: return "security management error";
    default: return "unknown status word";
  }
}

Errc errc_for(uint16_t status) {
  switch (status) {
    case sw::kInsNotSupported:
    case sw::kClaNotSupported:
    case sw::kLogicalChannelNotSupported:
    case sw::kSecureMessagingNotSupported:
    case sw::kFunctionNotSupported: return Errc::NotSupported;
    case sw::kNotEnoughMemory: return Errc::NoMemory;
    case sw::kToolkitBusy: return Errc::Busy;
    default: return Errc::CardError;
  }
}

}  // namespace

std::string describe_status(uint16_t status) {
  char hex[5];
  std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(status));
  const char* meaning = nullptr;
  for (const auto& k : kKnown) {
    if (k.status == status) meaning = k.meaning;
  }
  if (meaning == nullptr) meaning = group_meaning(sw1(status));
  return std::string(hex) + " (" + meaning + ")";
}

void throw_for_status(uint16_t status, std::string_view context) {
  throw Error(errc_for(status),
              std::string(context) + ": the card answered " + describe_status(status));
}

}  // namespace euiccd::apdu
