// Following an org.euiccd1.Job to its end: PropertiesChanged and Completed wake the loop, and
// the job's properties are then read whole (so nothing is missed between the DownloadProfile
// reply and the match, and no signal needs parsing). Ctrl-C cancels the job before exiting.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "euiccctl/bus.h"

namespace euiccctl {

struct JobHooks {
  std::function<void(const nlohmann::json&)> on_update;   // after every read
  std::function<void(const nlohmann::json&)> on_waiting;  // once, at State "waiting"
};

// Returns the job's last properties once State is succeeded, failed or cancelled. Throws
// CliError on timeout, on Ctrl-C (after Job.Cancel) and when the job vanishes unfinished.
nlohmann::json follow_job(Bus& bus, const std::string& path, std::chrono::milliseconds timeout,
                          const JobHooks& hooks);

bool job_finished(const nlohmann::json& properties);

}  // namespace euiccctl
