// What the desktop client says for each org.euiccd1.Error.*: a sentence a person can act on.
// Plain C++ (no GTK), so the check that every name of base/error.h's table has a sentence runs
// in the unit tests.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace euiccd::gui {

// The sentence for one code of the error table. Written as a switch without default, so a
// code added to base/error.h without a sentence stops the build (-Wswitch, -Werror).
const char* error_sentence(Errc code);

// The sentence for a D-Bus error name ("org.euiccd1.Error.NoMemory"); a name that is not one of
// euiccd's (a bus error such as org.freedesktop.DBus.Error.ServiceUnknown) gets a sentence
// about the connection to the daemon.
std::string error_sentence(std::string_view dbus_error_name);

// What the person reads in an error dialog: the sentence, then the daemon's own message (which
// names what failed: the server's reason, the step) when there is one.
std::string error_text(std::string_view dbus_error_name, std::string_view daemon_message);

}  // namespace euiccd::gui
