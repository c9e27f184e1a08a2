// The body of a DownloadProfile job, run on the card worker: the SGP.22 download with the
// job's hooks (progress, metadata preview, Confirm), then the optional nickname and enable.
#pragma once

#include <optional>
#include <string>

#include "daemon/card_session.h"
#include "daemon/job_context.h"

namespace euiccd::daemon {

struct DownloadRequest {
  std::string activation_code;  // "" → the eUICC's default SM-DP+ address
  std::optional<std::string> confirmation_code;
  bool enable = false;
  std::optional<std::string> nickname;
  std::string imei;               // "" → the configured device info
  bool confirm_metadata = false;  // stop at the metadata until Job.Confirm
};

// Throws the first failure. The Job's result ICCID is set as soon as the profile is on the
// card, so a failure of the nickname or enable step still names the installed profile.
void run_download(CardSession& session, JobContext& context, const DownloadRequest& request);

}  // namespace euiccd::daemon
