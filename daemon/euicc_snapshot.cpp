#include "daemon/euicc_snapshot.h"

namespace euiccd::daemon {

const lpa::ProfileInfo* EuiccSnapshot::find_profile(const std::string& iccid) const {
  for (const auto& p : profiles)
    if (p.iccid == iccid) return &p;
  return nullptr;
}

const lpa::ProfileInfo* EuiccSnapshot::enabled_profile() const {
  for (const auto& p : profiles)
    if (p.state == lpa::ProfileState::Enabled) return &p;
  return nullptr;
}

std::string format_version(const Bytes& version) {
  if (version.size() != 3) return to_hex(version);
  return std::to_string(version[0]) + "." + std::to_string(version[1]) + "." +
         std::to_string(version[2]);
}

void read_euicc_info(lpa::Es10Client& card, EuiccSnapshot& snapshot) {
  const lpa::EuiccInfo2 info = card.get_euicc_info2();
  snapshot.free_nvm = info.ext_card_resource.free_nvm.value_or(0);
  snapshot.svn = format_version(info.svn);
}

void read_addresses(lpa::Es10Client& card, EuiccSnapshot& snapshot) {
  const lpa::ConfiguredAddresses addresses = card.get_configured_addresses();
  snapshot.default_smdp_address = addresses.default_dp_address.value_or("");
  snapshot.root_smds_address = addresses.root_ds_address;
}

EuiccSnapshot read_snapshot(lpa::Es10Client& card, const std::string& eid) {
  EuiccSnapshot s;
  s.eid = eid.empty() ? card.get_eid() : eid;
  s.profiles = card.get_profiles_info();
  read_euicc_info(card, s);
  read_addresses(card, s);
  s.pending_notifications = static_cast<uint32_t>(card.list_notifications().size());
  return s;
}

}  // namespace euiccd::daemon
