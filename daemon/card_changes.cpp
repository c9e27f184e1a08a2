#include "daemon/card_changes.h"

namespace euiccd::daemon::card_changes {

namespace {

void read_pending_count(lpa::Es10Client& card, EuiccSnapshot& cache) {
  cache.pending_notifications = static_cast<uint32_t>(card.list_notifications().size());
}

// After Enable/Disable: the states the card now has (see the header for why they need no read).
void set_states(lpa::Es10Client& card, EuiccSnapshot& cache, const std::string& iccid,
                bool enabled) {
  if (!cache.find_profile(iccid)) {
    cache.profiles = card.get_profiles_info();
    return;
  }
  for (auto& p : cache.profiles) {
    if (p.iccid == iccid)
      p.state = enabled ? lpa::ProfileState::Enabled : lpa::ProfileState::Disabled;
    else if (enabled)
      p.state = lpa::ProfileState::Disabled;
  }
}

}  // namespace

void enable(lpa::Es10Client& card, const CardSettings& settings, EuiccSnapshot& cache,
            const std::string& iccid) {
  card.enable_profile(lpa::ProfileIdentifier::from_iccid(iccid), settings.refresh_on_switch);
  set_states(card, cache, iccid, true);
  read_pending_count(card, cache);
}

void disable(lpa::Es10Client& card, const CardSettings& settings, EuiccSnapshot& cache,
             const std::string& iccid) {
  card.disable_profile(lpa::ProfileIdentifier::from_iccid(iccid), settings.refresh_on_switch);
  set_states(card, cache, iccid, false);
  read_pending_count(card, cache);
}

void remove(lpa::Es10Client& card, EuiccSnapshot& cache, const std::string& iccid) {
  card.delete_profile(lpa::ProfileIdentifier::from_iccid(iccid));
  std::erase_if(cache.profiles, [&](const lpa::ProfileInfo& p) { return p.iccid == iccid; });
  read_euicc_info(card, cache);  // the profile's memory is free again
  read_pending_count(card, cache);
}

void set_nickname(lpa::Es10Client& card, EuiccSnapshot& cache, const std::string& iccid,
                  const std::string& nickname) {
  card.set_nickname(iccid, nickname);
  bool known = false;
  for (auto& p : cache.profiles)
    if (p.iccid == iccid) {
      p.nickname = nickname;
      known = true;
    }
  if (!known) cache.profiles = card.get_profiles_info();
}

void set_default_smdp_address(lpa::Es10Client& card, EuiccSnapshot& cache,
                              const std::string& address) {
  card.set_default_dp_address(address);
  read_addresses(card, cache);
}

void reset_memory(lpa::Es10Client& card, EuiccSnapshot& cache,
                  const lpa::MemoryResetOptions& options) {
  card.memory_reset(options);
  refresh(card, cache);
}

void refresh(lpa::Es10Client& card, EuiccSnapshot& cache) {
  cache = read_snapshot(card, cache.eid);
}

void notifications_delivered(EuiccSnapshot& cache, const lpa::NotificationReport& report) {
  cache.pending_notifications = report.on_card >= report.sent ? report.on_card - report.sent : 0;
}

}  // namespace euiccd::daemon::card_changes
