// What the daemon's Profile object calls: check a prepaid balance, top it up with a voucher.
// Blocking (ModemManager and the network take seconds), so run it on a worker thread; one
// TopupService may be shared by threads (it only caches the parsed operator database).
//
//   TopupReply reply = service.check_balance(profile, settings);
//   // reply.text is the network's answer as is; keep it as the last known balance, and feed
//   // parse_balance_amount(reply.text) to low_balance_crossing (topup/balance_amount.h).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/cancel_token.h"
#include "base/error.h"
#include "topup/modem_manager.h"
#include "topup/operator_methods.h"
#include "topup/provider_db.h"
#include "topup/settings.h"

namespace euiccd::topup {

struct TopupReply {
  std::string text;    // the network's answer, unchanged (USSD text or SMS body)
  std::string method;  // "USSD *100#", "SMS \"SALDO\" to 18258"; a top-up shows the template
  std::string source;  // where the method came from (config section or provider-info entry)
  std::string operator_description;  // "Elisa (MCC 244, MNC 05)"
  std::string modem;                 // "modem 0 (Quectel EG25)"
};

class TopupService {
 public:
  // `warn` gets what went wrong without failing a request (an SMS left on the modem); it is
  // called on the thread that runs the request.
  explicit TopupService(Warn warn = {}) : warn_(std::move(warn)) {}

  // The request goes to the modem that holds the profile's eUICC when ProfileOperator names
  // one (modem_object) and the card says the profile is enabled, else to the modem whose active
  // SIM has the profile's ICCID.
  // The profile must be the enabled one (ProfileOperator::enabled; a profile whose state was
  // not read is checked through the modem's SIM alone). Errors (euiccd::Error; see
  // topup/errors.h): profile_not_enabled (WrongState), no_method_known (NotSupported),
  // no_modem_manager / no_modem_for_profile (NoModem), modem_not_ready (WrongState),
  // method_not_supported_by_modem (NotSupported), network_rejected (Rejected), timed_out
  // (Timeout), Cancelled, provider_info_unusable (Malformed, only when nothing else is known).
  TopupReply check_balance(const ProfileOperator& profile, const TopupSettings& settings,
                           const CancelToken* cancel = nullptr);

  // As check_balance, plus voucher_rejected (InvalidArgument) before anything is sent. The
  // voucher appears in no error message and in no field of the reply except where the
  // network itself echoes it in `text`. A Timeout, NoModem or Cancelled that strikes once the
  // code is on its way says that the voucher may already have been used, and how to check
  // (top_up_outcome_unknown).
  TopupReply top_up(const ProfileOperator& profile, std::string_view voucher,
                    const TopupSettings& settings, const CancelToken* cancel = nullptr);

  // The methods that apply to the profile, without touching the bus (for a D-Bus property or
  // `euiccctl` to show what a check would do). Errors: provider_info_unusable only.
  OperatorMethods methods_for(const ProfileOperator& profile, const TopupSettings& settings);

 private:
  // The modem the request goes to (see above).
  Modem modem_for(ModemManagerClient& mm, const ProfileOperator& profile);
  // The parsed provider-info file, read for each call (not kept: see the .cpp); nullptr with
  // `note` set when the file is not configured or cannot be read. Malformed files throw.
  std::shared_ptr<const ProviderDatabase> database(const std::string& path, std::string& note);
  // methods_for, except that a broken provider-info file leaves the config's methods and is
  // kept in `unusable_database`: it matters only when the config knows no method either.
  OperatorMethods methods_or_config_only(const ProfileOperator& profile,
                                         const TopupSettings& settings,
                                         std::optional<Error>& unusable_database);
  // What a check or a top-up starts with: the profile must be the enabled one and have a method
  // for it (the balance ones when `top_up` is false); else the error says why not.
  OperatorMethods methods_to_act(const ProfileOperator& profile, const TopupSettings& settings,
                                 bool top_up);

  Warn warn_;
};

}  // namespace euiccd::topup
