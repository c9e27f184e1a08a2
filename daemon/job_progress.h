// Where each stage of a job sits on one overall 0..1 scale (Job.OverallProgress), so that a
// progress bar can follow a whole download instead of restarting with every stage.
#pragma once

#include <optional>
#include <string>

namespace euiccd::daemon {

// The overall fraction for `fraction` (0..1) of `stage` in a job of `operation` ("download",
// "discovery"); nullopt for a stage the operation's plan does not know ("queued"), which
// leaves the overall figure where it was.
std::optional<double> overall_progress(const std::string& operation, const std::string& stage,
                                       double fraction);

}  // namespace euiccd::daemon
