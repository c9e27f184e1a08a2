// Pending notifications: created when a profile operation happens (as the profile's
// notificationConfigurationInfo asks), kept in the state until the LPA removes them.
#pragma once

#include "veuicc/es10.h"

namespace euiccd::veuicc {

// Queues one notification per entry of the profile's notificationConfigurationInfo that names
// `event`, each with the next card-global sequence number. Does not commit the state.
void queue_notification(CardState& state, const Profile& profile, NotificationEvent event);

// NotificationMetadata `BF2F { 80 seq, 81 event, 0C address, [5A iccid] }`.
Bytes notification_metadata(const PendingNotification& n);

// PendingNotification for the LPA: the stored TLV if there is one, else
// `30 { BF2F metadata, 5F37 signature over BF2F, 30 euiccCert, 30 eumCert }`.
Bytes pending_notification(const PendingNotification& n, const Credentials& credentials);

}  // namespace euiccd::veuicc
