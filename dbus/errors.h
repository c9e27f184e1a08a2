// The one place where euiccd's errors become D-Bus errors (like iwd's dbus_error_from_errno):
// every euiccd::Errc has a name org.euiccd1.Error.<ErrcName>, and the D-Bus layer adds a few
// of its own (NotAuthorized, Aborted). The message is the euiccd::Error's text, written for a
// person (the SM-DP+ subject/reason codes and their meaning are already in it). The list with
// what each name means for a caller is in docs/dbus-api.md.
#pragma once

#include <systemd/sd-bus.h>

#include <string>

#include "lpa/error.h"

namespace euiccd::dbus {

inline constexpr char kErrorPrefix[] = "org.euiccd1.Error.";

struct BusError {
  std::string name;  // org.euiccd1.Error.CardRemoved
  std::string message;
};

// Errc → org.euiccd1.Error.<Name>.
std::string error_name(Errc code);
BusError to_bus_error(const Error& error);

// D-Bus-only failures.
BusError not_authorized(const std::string& message);  // polkit said no
BusError aborted(const std::string& message);         // the object went away mid-call

// Sends `error` as the reply to `call`; returns sd-bus's result.
int reply_error(sd_bus_message* call, const BusError& error);

// Registers the names with sd-bus so that clients built on it get sensible errno values.
void register_error_map();

}  // namespace euiccd::dbus
