#include "euiccctl/cli_error.h"

namespace euiccctl {

bool daemon_unreachable(const std::string& name) {
  return name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
         name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
         name == "org.freedesktop.DBus.Error.NoServer" ||
         name == "org.freedesktop.DBus.Error.NoReply" ||
         name == "org.freedesktop.DBus.Error.Disconnected" ||
         name.starts_with("org.freedesktop.DBus.Error.Spawn.");
}

ExitCode exit_code_for_error(const std::string& name) {
  if (name == "org.euiccd1.Error.NotAuthorized" ||
      name == "org.freedesktop.DBus.Error.AccessDenied" ||
      name == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") {
    return kExitNotAuthorized;
  }
  if (name == "org.euiccd1.Error.NotFound" || name == "org.freedesktop.DBus.Error.UnknownObject") {
    return kExitNotFound;
  }
  if (name == "org.euiccd1.Error.Cancelled") return kExitCancelled;
  if (daemon_unreachable(name) || name == "org.euiccd1.Error.NoModem") return kExitUnavailable;
  return kExitFailed;
}

}  // namespace euiccctl
