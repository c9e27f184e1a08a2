// The body of a DiscoverProfiles job, run on the card worker: ES11 event retrieval from an
// SM-DS; the events become the Job's result, each with an activation code for DownloadProfile.
#pragma once

#include <string>

#include "daemon/card_session.h"
#include "daemon/job_context.h"

namespace euiccd::daemon {

// `smds_address` "" → the card's root SM-DS. Throws the first failure.
void run_discovery(CardSession& session, JobContext& context, const std::string& smds_address);

}  // namespace euiccd::daemon
