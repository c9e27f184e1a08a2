// The named failures of balance checks and top-ups, each an euiccd::Error with the code the
// D-Bus layer maps and a message that tells a person what to do. They are made here, in one
// place, so a later, more specific Errc (see docs/topup.md) is a change of this file only.
// No message ever carries a voucher.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace euiccd::topup {

// ModemManager is not on the bus (not installed, not running, or not activatable).
Error no_modem_manager(std::string_view detail);
// No modem has a SIM whose ICCID is this profile's.
Error no_modem_for_profile(std::string_view iccid, std::string_view detail);
// The profile is installed but not the enabled one (only the enabled profile is on the air).
Error profile_not_enabled(std::string_view iccid, std::string_view detail = {});
// The modem carrying the profile is there but cannot talk to the network (disabled, locked).
Error modem_not_ready(std::string_view modem, std::string_view why);
// Neither the config nor mobile-broadband-provider-info knows how to do `what` ("check the
// balance", "top up") for this operator; the message says which config keys add it, and where
// (`config_files`: the configuration in use, TopupSettings::config_files).
Error no_method_known(std::string_view what, std::string_view operator_description,
                      std::string_view config_hint, std::string_view config_files);
// The modem cannot carry the method the operator uses (no USSD, no SMS on this modem).
Error method_not_supported_by_modem(std::string_view what, std::string_view detail);
// The voucher has characters that may not reach the network, or a wrong length.
Error voucher_rejected(std::string_view why);
// The network (or the modem on its behalf) refused the USSD or SMS.
Error network_rejected(std::string_view what, std::string_view detail);
// A deadline passed while waiting for ModemManager or the network.
Error timed_out(std::string_view what, std::string_view detail = {});
// The modem (or ModemManager) went away while euiccd waited on it for `what`; `why` says how.
Error modem_gone(std::string_view modem, std::string_view what, std::string_view why);
// `cause` (a timeout, a modem that went away, a cancel) struck after the top-up code may have
// left the modem: the same error, with what the user must know before trying the voucher again.
Error top_up_outcome_unknown(const Error& cause);
// mobile-broadband-provider-info could not be read or parsed.
Error provider_info_unusable(std::string_view path, std::string_view detail);
// Anything else ModemManager answered that does not fit the above.
Error modem_manager_failed(std::string_view what, std::string_view detail);

}  // namespace euiccd::topup
