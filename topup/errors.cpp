#include "topup/errors.h"

namespace euiccd::topup {
namespace {

std::string join(std::string_view head, std::string_view detail) {
  std::string text(head);
  if (!detail.empty()) {
    text += ": ";
    text += detail;
  }
  return text;
}

}  // namespace

Error no_modem_manager(std::string_view detail) {
  return Error(Errc::NoModem,
               join("ModemManager is not available on the bus; balance checks and top-ups go "
                    "through it (is the modemmanager package installed and its service "
                    "running? `systemctl status ModemManager`)",
                    detail));
}

Error no_modem_for_profile(std::string_view iccid, std::string_view detail) {
  return Error(Errc::NoModem,
               join("No modem carries the SIM of profile " + std::string(iccid) +
                        " (`mmcli -L` lists the modems; right after enabling a profile the "
                        "modem may need a few seconds to read the SIM again)",
                    detail));
}

Error profile_not_enabled(std::string_view iccid, std::string_view detail) {
  return Error(Errc::WrongState,
               join("Profile " + std::string(iccid) +
                        " is not the enabled one; only the enabled profile is on the network, "
                        "so enable it first",
                    detail));
}

Error modem_not_ready(std::string_view modem, std::string_view why) {
  return Error(Errc::WrongState,
               "The " + std::string(modem) + " is not ready: " + std::string(why));
}

Error no_method_known(std::string_view what, std::string_view operator_description,
                      std::string_view config_hint, std::string_view config_files) {
  return Error(Errc::NotSupported, "No way to " + std::string(what) + " is known for " +
                                       std::string(operator_description) + ". Add one in " +
                                       (config_files.empty() ? std::string("euiccd's configuration")
                                                             : std::string(config_files)) +
                                       ": " + std::string(config_hint));
}

Error method_not_supported_by_modem(std::string_view what, std::string_view detail) {
  return Error(Errc::NotSupported, join("The modem cannot " + std::string(what), detail));
}

Error voucher_rejected(std::string_view why) {
  return Error(Errc::InvalidArgument, "The voucher code was not sent: " + std::string(why));
}

Error network_rejected(std::string_view what, std::string_view detail) {
  return Error(Errc::Rejected, join("The network rejected the " + std::string(what), detail));
}

Error timed_out(std::string_view what, std::string_view detail) {
  return Error(Errc::Timeout, join("Timed out waiting for " + std::string(what), detail));
}

Error modem_gone(std::string_view modem, std::string_view what, std::string_view why) {
  return Error(Errc::NoModem, "The " + std::string(modem) + " went away while euiccd waited for " +
                                  std::string(what) + ": " + std::string(why) +
                                  " (`mmcli -L` lists the modems; try again once it is back)");
}

Error top_up_outcome_unknown(const Error& cause) {
  return Error(cause.code(),
               std::string(cause.what()) +
                   ". The top-up code may have reached the network, so the voucher may already "
                   "have been used: check the balance (CheckBalance, `euiccctl balance`) or the "
                   "operator's SMS before trying the same voucher again");
}

Error provider_info_unusable(std::string_view path, std::string_view detail) {
  return Error(Errc::Malformed,
               join("Cannot use the operator database " + std::string(path), detail));
}

Error modem_manager_failed(std::string_view what, std::string_view detail) {
  return Error(Errc::Internal, join("ModemManager failed to " + std::string(what), detail));
}

}  // namespace euiccd::topup
