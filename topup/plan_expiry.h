// When to remind a person that a prepaid plan runs out. Pure: the daemon keeps the expiry date
// (from the config, the user, or parse_expiry_date on a balance reply) and the time of the
// last reminder, calls plan_expiry_reminder on start and whenever `next_check` comes, and
// turns `remind_now` into its PlanExpiring signal.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace euiccd::topup {

struct ExpiryReminder {
  // A reminder is due now: this many whole days (rounded up) are left; 0 = expires today.
  // Only the latest due reminder is given, so a daemon that was off does not fire a backlog.
  std::optional<std::chrono::days> remind_now;
  // When to call again (the next reminder time, or the expiry itself); none after expiry.
  std::optional<std::chrono::sys_seconds> next_check;
  bool expired = false;  // now >= expiry
};

// `leads`: how long before `expiry` to remind (e.g. {3 days, 1 day}; the config's
// PlanExpiryReminderDays gives one). A reminder time is due when it is <= now and after
// `last_reminder` (none sent yet when not set).
ExpiryReminder plan_expiry_reminder(std::chrono::sys_seconds expiry,
                                    const std::vector<std::chrono::days>& leads,
                                    std::chrono::sys_seconds now,
                                    std::optional<std::chrono::sys_seconds> last_reminder);

enum class DateOrder { DayFirst, MonthFirst };

// The first date in a balance reply ("valid until 31.12.2024", "expires 2024-12-31",
// "hasta 05/01/2025"): YYYY-MM-DD, or DD.MM.YYYY / DD/MM/YYYY / DD-MM-YYYY (two-digit years
// are 20YY). `order` decides ambiguous slashes and dashes; a first field above 12 is always a
// day. std::nullopt when there is no valid date.
std::optional<std::chrono::sys_days> parse_expiry_date(std::string_view reply,
                                                       DateOrder order = DateOrder::DayFirst);

}  // namespace euiccd::topup
