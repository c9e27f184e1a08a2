// Hands the eUICC's pending notifications to the servers named in them (lpa/notifications.h),
// on the card worker, logging each one that failed (it stays on the card for the next try).
#pragma once

#include "daemon/engine_settings.h"
#include "daemon/log.h"
#include "lpa/es10_client.h"
#include "lpa/notifications.h"

namespace euiccd::daemon {

lpa::NotificationReport deliver_notifications(lpa::Es10Client& card, const EngineSettings& settings,
                                              const LogFields& fields);

}  // namespace euiccd::daemon
