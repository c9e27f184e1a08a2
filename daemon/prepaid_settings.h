// From euiccd's configuration (daemon/config.h) to what the prepaid side needs: the top-up
// library's TopupSettings (operator codes, provider-info file, the bus ModemManager is on) and,
// per profile, what to watch (low-balance threshold, periodic check, plan expiry reminder).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/config.h"
#include "topup/settings.h"

namespace euiccd::daemon {

// [Profile:<ICCID>]'s watching keys; the defaults apply to profiles without a section.
struct ProfileWatch {
  std::optional<double> low_balance_threshold;     // LowBalanceThreshold=: BalanceLow below it
  std::chrono::seconds balance_check_interval{0};  // BalanceCheckIntervalSec=: 0 = never alone
  unsigned plan_expiry_reminder_days = 3;          // PlanExpiryReminderDays=: 0 = no signal
};

struct PrepaidSettings {
  topup::TopupSettings topup;
  std::map<std::string, ProfileWatch, std::less<>> watch;  // by ICCID, from [Profile:<ICCID>]

  const ProfileWatch& watch_for(std::string_view iccid) const;
};

// `modem_manager_bus`: "" or "system" for the system bus, else a D-Bus address (tests).
// `config_files`: the configuration in use as messages name it (ConfigFiles::describe()).
PrepaidSettings prepaid_settings(const Config& config, const std::string& modem_manager_bus,
                                 const std::string& config_files);

// One [TopUp:<MCCMNC>] / [Profile:<ICCID>] set of codes, field by field.
topup::OperatorCodes to_topup_codes(const OperatorCodes& codes);

}  // namespace euiccd::daemon
