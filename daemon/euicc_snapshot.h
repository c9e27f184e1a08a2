// What the daemon knows about one eUICC between card operations. D-Bus property reads are
// answered from here and cost no APDU; the card worker keeps it up to date after every change
// with what the change itself tells and the narrowest re-read (daemon/card_changes.h), and
// the loop thread swaps the result in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lpa/es10_client.h"
#include "lpa/es10_types.h"

namespace euiccd::daemon {

struct EuiccSnapshot {
  std::string eid;
  std::vector<lpa::ProfileInfo> profiles;  // in the card's order
  uint64_t free_nvm = 0;                   // bytes (EUICCInfo2 extCardResource)
  std::string svn;                         // SGP.22 version the card implements, "2.2.2"
  std::string default_smdp_address;        // "" when none is set
  std::string root_smds_address;
  uint32_t pending_notifications = 0;

  const lpa::ProfileInfo* find_profile(const std::string& iccid) const;
  const lpa::ProfileInfo* enabled_profile() const;
};

// Reads everything above from the card (EID only when `eid` is empty). Throws euiccd::Error.
EuiccSnapshot read_snapshot(lpa::Es10Client& card, const std::string& eid = {});
// Parts of it: EUICCInfo2 (free memory, SVN), and the configured addresses.
void read_euicc_info(lpa::Es10Client& card, EuiccSnapshot& snapshot);
void read_addresses(lpa::Es10Client& card, EuiccSnapshot& snapshot);

// "2.2.2" from a 3-byte VersionType; hex when the length is unusual.
std::string format_version(const Bytes& version);

}  // namespace euiccd::daemon
