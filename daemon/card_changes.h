// The changes euiccd makes to an eUICC, each followed by the narrowest re-read of what it can
// alter, applied to the card worker's copy of the snapshot (daemon/euicc.h keeps that copy and
// hands the loop thread a copy after every change). The daemon serves every property from
// the snapshot, so each function here must leave it equal to a full fresh read_snapshot():
//
//   change                     on the card             then re-read            set locally
//   enable / disable           Enable/DisableProfile   ListNotification        profile states
//   remove                     DeleteProfile           EUICCInfo2, ListNotif.  profile gone
//   set_nickname               SetNickname             -                       nickname
//   set_default_smdp_address   SetDefaultDpAddress     EuiccConfiguredAddr.    -
//   reset_memory / refresh     (eUICCMemoryReset)      everything              -
//
// Enable and disable need no GetProfilesInfo: SGP.22 v2 has one enabled profile at a time, so
// a successful EnableProfile leaves exactly the target enabled and DisableProfile exactly the
// target disabled. Their notifications depend on each profile's notification configuration
// and on what the card does with a profile it disables along the way, so their count is read
// (ListNotification: one short APDU) rather than predicted. A profile the cache does not know
// (someone else changed the card) makes the profile list be read again.
//
// Only lpa/ types: a backend other than PC/SC (a modem) gives the same Es10Client.
#pragma once

#include <string>

#include "daemon/engine_settings.h"
#include "daemon/euicc_snapshot.h"
#include "lpa/es10_client.h"
#include "lpa/es10_types.h"
#include "lpa/notifications.h"

namespace euiccd::daemon::card_changes {

void enable(lpa::Es10Client& card, const CardSettings& settings, EuiccSnapshot& cache,
            const std::string& iccid);
void disable(lpa::Es10Client& card, const CardSettings& settings, EuiccSnapshot& cache,
             const std::string& iccid);
void remove(lpa::Es10Client& card, EuiccSnapshot& cache, const std::string& iccid);
void set_nickname(lpa::Es10Client& card, EuiccSnapshot& cache, const std::string& iccid,
                  const std::string& nickname);
void set_default_smdp_address(lpa::Es10Client& card, EuiccSnapshot& cache,
                              const std::string& address);
void reset_memory(lpa::Es10Client& card, EuiccSnapshot& cache,
                  const lpa::MemoryResetOptions& options);
// Everything, from the card (what a change whose effect is unknown needs, e.g. after an error).
void refresh(lpa::Es10Client& card, EuiccSnapshot& cache);

// After a delivery run: what the card held when it began, less what left it.
void notifications_delivered(EuiccSnapshot& cache, const lpa::NotificationReport& report);

}  // namespace euiccd::daemon::card_changes
