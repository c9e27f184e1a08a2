#include "daemon/boot_policy.h"

#include <algorithm>

namespace euiccd::daemon {
namespace {

std::string ordinal(size_t n) {
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

std::string describe_failure(const BootConfig& config, const BootAttempt& attempt) {
  if (attempt.outcome == AttemptOutcome::EnableRefused) {
    return "the eUICC refused to enable " + attempt.iccid;
  }
  return attempt.iccid + " did not register within " +
         std::to_string(config.registration_timeout.count()) + " s";
}

BootAction action(BootAction::Kind kind, std::string iccid, bool watch, std::string reason) {
  return {kind, std::move(iccid), watch, std::move(reason)};
}

}  // namespace

BootAction next_boot_action(const BootConfig& config, std::span<const InstalledProfile> installed,
                            std::span<const BootAttempt> attempts) {
  using Kind = BootAction::Kind;
  const std::vector<std::string>& preferred = config.preferred_iccids;
  if (preferred.empty()) {
    return action(Kind::NothingToDo, {}, false, "no preferred profiles are configured");
  }
  auto enabled = std::find_if(installed.begin(), installed.end(),
                              [](const InstalledProfile& p) { return p.enabled; });
  const std::string enabled_iccid = enabled == installed.end() ? std::string() : enabled->iccid;
  auto is_installed = [&](const std::string& iccid) {
    return std::any_of(installed.begin(), installed.end(),
                       [&](const InstalledProfile& p) { return p.iccid == iccid; });
  };
  auto failed = [&](const std::string& iccid) {
    return std::any_of(attempts.begin(), attempts.end(), [&](const BootAttempt& a) {
      return a.iccid == iccid && a.outcome != AttemptOutcome::Ok;
    });
  };

  std::string failure;  // what went wrong last, when the round is under way
  if (!attempts.empty()) {
    const BootAttempt& last = attempts.back();
    if (last.outcome == AttemptOutcome::Ok) {
      return action(Kind::KeepCurrent, last.iccid, false,
                    last.iccid + " is enabled and working; boot policy done");
    }
    failure = describe_failure(config, last);
    if (!config.fallback) {
      if (enabled_iccid.empty()) {
        return action(Kind::NothingToDo, {}, false, failure + "; fallback is off");
      }
      return action(Kind::KeepCurrent, enabled_iccid, false,
                    failure + "; fallback is off, so " + enabled_iccid + " stays enabled");
    }
  }

  std::string not_installed;  // preferences skipped because the card does not hold them
  for (size_t i = 0; i < preferred.size(); ++i) {
    const std::string& iccid = preferred[i];
    if (!is_installed(iccid)) {
      not_installed += (not_installed.empty() ? "" : ", ") + iccid;
      continue;
    }
    if (failed(iccid)) continue;
    std::string why = " (" + ordinal(i + 1) + " preference" +
                      (not_installed.empty() ? "" : "; not installed: " + not_installed) + ")";
    if (iccid == enabled_iccid) {
      std::string text = iccid + " is already enabled" + why;
      return action(Kind::KeepCurrent, iccid, true,
                    failure.empty() ? text : failure + "; falling back to " + text);
    }
    return action(
        Kind::Enable, iccid, true,
        failure.empty() ? "enabling " + iccid + why : failure + "; falling back to " + iccid + why);
  }

  if (attempts.empty()) {
    return action(Kind::NothingToDo, {}, false,
                  "none of the preferred profiles is installed (" + not_installed + ")");
  }
  std::string tried;
  for (const BootAttempt& attempt : attempts) {
    tried += (tried.empty() ? "" : ", ") + attempt.iccid;
  }
  return action(Kind::NothingToDo, {}, false,
                failure + "; no preferred profile is left to try (tried " + tried + ")" +
                    (enabled_iccid.empty() ? "" : "; " + enabled_iccid + " stays enabled"));
}

}  // namespace euiccd::daemon
