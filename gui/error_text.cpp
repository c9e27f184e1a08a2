#include "gui/error_text.h"

namespace euiccd::gui {

namespace {

constexpr std::string_view kPrefix = "org.euiccd1.Error.";

}  // namespace

const char* error_sentence(Errc code) {
  switch (code) {
    case Errc::InvalidArgument:
      return "Something you entered was not accepted. Check the activation code, the "
             "confirmation code or the name you typed, and try again.";
    case Errc::Malformed:
      return "The eSIM or the operator's server sent an answer that does not follow the "
             "standard. Try again later; if it keeps happening, contact the operator.";
    case Errc::NoReader:
      return "No eSIM reader was found. Plug in the reader or modem and try again.";
    case Errc::CardRemoved:
      return "The eSIM was removed or restarted during the operation. Put it back and try "
             "again.";
    case Errc::CardError:
      return "The eSIM gave an unexpected answer. Try again; if it keeps happening, restart "
             "the device.";
    case Errc::NotSupported:
      return "This eSIM or the operator does not offer this. For balance and top-up, the "
             "operator's codes may need to be added to the configuration.";
    case Errc::Timeout:
      return "It took too long. Check the connection and try again; after a top-up, check "
             "the balance before using the same voucher again.";
    case Errc::NotFound:
      return "The profile is no longer on the eSIM, or there is nothing left to download "
             "for this code.";
    case Errc::WrongState:
      return "The profile is not in the state this needs (for example, it is already "
             "enabled, or it must be disabled before it is deleted).";
    case Errc::NotAllowed:
      return "The operator's rules for this profile or this eSIM do not allow it. Ask the "
             "operator.";
    case Errc::Busy:
      return "The eSIM is busy with another operation. Wait for it to finish, then try again.";
    case Errc::NoMemory:
      return "The eSIM is full. Delete a profile you no longer need, then try again.";
    case Errc::ServerError:
      return "The operator's server refused. The details below say why; contact the "
             "operator if you cannot fix it.";
    case Errc::Network:
      return "The operator's server could not be reached. Check the internet connection and "
             "try again.";
    case Errc::Tls:
      return "The operator's server could not prove who it is, so nothing was sent to it. "
             "Check the activation code; do not use this network for downloads.";
    case Errc::Cancelled: return "The operation was cancelled.";
    case Errc::Internal:
      return "The eSIM service hit an internal error. Please report it with the details "
             "below.";
    case Errc::NoModem:
      return "No modem with this profile's SIM was found. Wait a few seconds after "
             "enabling the profile, check that the modem is connected, and try again.";
    case Errc::Rejected:
      return "The mobile network refused the request. Check the voucher or try again later.";
    case Errc::NotAuthorized:
      return "You are not allowed to do this, or authentication was cancelled.";
    case Errc::RolledBack:
      return "Switching the profile failed, so the previous profile was enabled again and is "
             "back online.";
    case Errc::SwitchFailed:
      return "Switching the profile failed and the previous profile could not be restored. "
             "Check which profile is enabled now.";
    case Errc::Aborted:
      return "The eSIM went away (or the service stopped) before this finished. Try again "
             "when it is back.";
  }
  return "The eSIM service reported an error.";
}

std::string error_sentence(std::string_view dbus_error_name) {
  if (dbus_error_name.starts_with(kPrefix)) {
    const std::string_view name = dbus_error_name.substr(kPrefix.size());
    // The names come from the same table as the daemon's (base/error.h), not from a copy.
#define EUICCD_GUI_NAME_TO_SENTENCE(code, errno_value, meaning) \
  if (name == #code) return error_sentence(Errc::code);
    EUICCD_ERROR_TABLE(EUICCD_GUI_NAME_TO_SENTENCE)
#undef EUICCD_GUI_NAME_TO_SENTENCE
  }
  if (dbus_error_name == "org.freedesktop.DBus.Error.AccessDenied" ||
      dbus_error_name == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")
    return error_sentence(Errc::NotAuthorized);
  if (dbus_error_name == "org.freedesktop.DBus.Error.NoReply" ||
      dbus_error_name == "org.freedesktop.DBus.Error.Timeout" ||
      dbus_error_name == "org.freedesktop.DBus.Error.TimedOut")
    return "The eSIM service did not answer in time. Check that euiccd is running, then try "
           "again.";
  return "The eSIM service (euiccd) could not be reached. Check that it is installed and "
         "running.";
}

std::string error_text(std::string_view dbus_error_name, std::string_view daemon_message) {
  std::string text = error_sentence(dbus_error_name);
  if (!daemon_message.empty()) {
    text += "\n\nDetails: ";
    text += daemon_message;
  }
  return text;
}

}  // namespace euiccd::gui
