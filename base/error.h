// The one error type of euiccd. Every layer throws euiccd::Error; the D-Bus layer maps
// Errc to org.euiccd1.Error.<Name> in one place. The message is written for a person: it says
// what happened and, where possible, what to do about it.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace euiccd {

// The error table: each error of euiccd once, with the errno that clients built on sd-bus get
// for its D-Bus name (org.euiccd1.Error.<Name>, see dbus/errors.h) and what it means. The enum,
// errc_name(), the sd-bus error map and the tests' lists are generated from it;
// docs/dbus-api.md explains each name to callers (a test checks it lists exactly these).
// Being the one list of D-Bus error names, it also holds the codes only upper layers raise:
// NoModem and Rejected (top-up through ModemManager), NotAuthorized and Aborted (the D-Bus
// layer). It sits in base/, below all of them, so no layer owns another's codes.
#define EUICCD_ERROR_TABLE(X)                                                                   \
  X(InvalidArgument, EINVAL,                                                                    \
    "the caller gave bad input (ICCID format, activation code, option type)")                   \
  X(Malformed, EBADMSG, "data from outside (card, server, file) is not what the protocol says") \
  X(NoReader, ENODEV, "no PC/SC service or no reader/card present")                             \
  X(CardRemoved, ENOMEDIUM, "the card went away (or was reset) during the operation")           \
  X(CardError, EIO, "the card answered with an unexpected status word")                         \
  X(NotSupported, EOPNOTSUPP, "the card or server does not offer what was asked")               \
  X(Timeout, ETIMEDOUT, "a deadline passed (card, server, user)")                               \
  X(NotFound, ENOENT, "the profile / notification / object does not exist")                     \
  X(WrongState, EALREADY, "e.g. profile is not disabled, profile is not the enabled one")       \
  X(NotAllowed, EPERM, "refused by policy (profile policy rules, card rules, configuration)")   \
  X(Busy, EBUSY, "another operation holds the card, or the card itself is busy (catBusy)")      \
  X(NoMemory, ENOSPC, "the eUICC has no room")                                                  \
  X(ServerError, EREMOTEIO, "the SM-DP+/SM-DS reported a failure (subject/reason codes)")       \
  X(Network, ENETUNREACH, "connection to a server failed")                                      \
  X(Tls, EPROTO, "TLS verification failed")                                                     \
  X(Cancelled, ECANCELED, "cancelled by the user or on shutdown")                               \
  X(Internal, EFAULT, "a bug or an unexpected local failure")                                   \
  X(NoModem, ENXIO, "no ModemManager, or no modem carries the profile's SIM (balance, top-up)") \
  X(Rejected, ECONNREFUSED, "the mobile network refused a USSD/SMS for balance or top-up")      \
  X(NotAuthorized, EACCES, "polkit said no (the D-Bus layer's check before any work)")          \
  X(RolledBack, ENOLINK, "a modem's profile switch failed; the previous profile is back")       \
  X(SwitchFailed, EHOSTDOWN, "a modem's profile switch failed and so did its rollback")         \
  X(Aborted, ECONNABORTED, "the object went away before the call finished (card gone, stopping)")

enum class Errc {
#define EUICCD_ERRC_ENUMERATOR(name, errno_value, meaning) name,
  EUICCD_ERROR_TABLE(EUICCD_ERRC_ENUMERATOR)
#undef EUICCD_ERRC_ENUMERATOR
};

// Every code, in table order.
inline constexpr Errc kAllErrc[] = {
#define EUICCD_ERRC_LIST_ITEM(name, errno_value, meaning) Errc::name,
    EUICCD_ERROR_TABLE(EUICCD_ERRC_LIST_ITEM)
#undef EUICCD_ERRC_LIST_ITEM
};

// Stable CamelCase name of the code ("CardRemoved"); used for D-Bus error names and logs.
const char* errc_name(Errc code);
// The errno of the table (what sd-bus clients get for the code's D-Bus error).
int errc_errno(Errc code);

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const { return code_; }

 private:
  Errc code_;
};

}  // namespace euiccd
