// The one error type of euiccd. Every layer throws euiccd::Error; the D-Bus layer maps
// Errc to org.euiccd1.Error.<Name> in one place. The message is written for a person: it says
// what happened and, where possible, what to do about it.
#pragma once

#include <stdexcept>
#include <string>

namespace euiccd {

enum class Errc {
  InvalidArgument,  // the caller gave bad input (ICCID format, activation code, option type)
  Malformed,        // data from outside (card, server, file) is not what the protocol says
  NoReader,         // no PC/SC service or no reader/card present
  CardRemoved,      // the card went away (or was reset) during the operation
  CardError,        // the card answered with an unexpected status word
  NotSupported,     // the card or server does not offer what was asked
  Timeout,          // a deadline passed (card, server, user)
  NotFound,         // the profile / notification / object does not exist
  WrongState,       // e.g. profile is not disabled, profile is not the enabled one
  NotAllowed,       // refused by policy (profile policy rules, polkit, configuration)
  Busy,             // another operation holds the card, or the card itself is busy (catBusy)
  NoMemory,         // the eUICC has no room
  ServerError,      // the SM-DP+/SM-DS reported a failure (subject/reason codes in the text)
  Network,          // connection to a server failed
  Tls,              // TLS verification failed
  Cancelled,        // cancelled by the user or on shutdown
  Internal,         // a bug or an unexpected local failure
  NoModem,          // no ModemManager, or no modem carries the profile's SIM (balance, top-up)
  Rejected,         // the mobile network refused a request (USSD/SMS for balance or top-up)
};

// Stable CamelCase name of the code ("CardRemoved"); used for D-Bus error names and logs.
const char* errc_name(Errc code);

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const { return code_; }

 private:
  Errc code_;
};

}  // namespace euiccd
