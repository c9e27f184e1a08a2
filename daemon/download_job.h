// The body of a DownloadProfile job, run on the card worker: the SGP.22 download with the
// job's hooks (progress, metadata preview, Confirm), then the optional nickname and enable.
#pragma once

#include <optional>
#include <string>

#include "daemon/card_session.h"
#include "daemon/job_context.h"
#include "lpa/activation_code.h"
#include "lpa/imei.h"
#include "lpa/nickname.h"
#include "lpa/secret.h"

namespace euiccd::daemon {

// Checked and parsed once, where the bus call is read (dbus/validate.h); from there on the
// values travel as they are.
struct DownloadRequest {
  std::optional<lpa::ActivationCode> activation_code;  // none → the default SM-DP+ address
  std::optional<lpa::Secret> confirmation_code;
  bool enable = false;
  std::optional<lpa::Nickname> nickname;
  std::optional<lpa::Imei> imei;  // none → the configured device info
  bool confirm_metadata = false;  // stop at the metadata until Job.Confirm
};

// Throws the first failure. The Job's result ICCID is set as soon as the profile is on the
// card, so a failure of the nickname or enable step still names the installed profile.
void run_download(CardSession& session, JobContext& context, const DownloadRequest& request);

}  // namespace euiccd::daemon
