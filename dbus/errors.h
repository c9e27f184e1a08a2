// The one place where euiccd's errors become D-Bus errors (like iwd's dbus_error_from_errno):
// every euiccd::Errc has a name org.euiccd1.Error.<ErrcName> and an errno, both from the error
// table (base/error.h); NotAuthorized and Aborted are raised by the D-Bus layer only. The message
// is the euiccd::Error's text, written for a person (the SM-DP+ subject/reason codes and their
// meaning are already in it). The list with what each name means for a caller is in
// docs/dbus-api.md.
#pragma once

#include <systemd/sd-bus.h>

#include <string>

#include "base/error.h"

namespace euiccd::dbus {

#define EUICCD_DBUS_ERROR_PREFIX "org.euiccd1.Error."
inline constexpr char kErrorPrefix[] = EUICCD_DBUS_ERROR_PREFIX;

struct BusError {
  std::string name;  // org.euiccd1.Error.CardRemoved
  std::string message;
};

// Errc → org.euiccd1.Error.<Name>.
std::string error_name(Errc code);
BusError to_bus_error(const Error& error);

// The two codes only the D-Bus layer raises (Errc::NotAuthorized, Errc::Aborted).
BusError not_authorized(const std::string& message);  // polkit said no
BusError aborted(const std::string& message);         // the object went away mid-call

// Sends `error` as the reply to `call`; returns sd-bus's result.
int reply_error(sd_bus_message* call, const BusError& error);

// Registers the names with sd-bus so that clients built on it get sensible errno values.
void register_error_map();

}  // namespace euiccd::dbus
