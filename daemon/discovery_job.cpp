#include "daemon/discovery_job.h"

#include "lpa/activation_code.h"
#include "lpa/discovery.h"

namespace euiccd::daemon {

void run_discovery(CardSession& session, JobContext& context, const std::string& smds_address) {
  context.fields().stage = "authenticating";
  context.update([](Job& job) { job.set_stage("authenticating", 0); });
  context.log(Level::Info,
              "asking " + (smds_address.empty() ? std::string("the root SM-DS") : smds_address) +
                  " for pending profiles");
  lpa::ProfileDiscoverer discoverer(session.transport(), context.http(), context.settings().es9p);
  lpa::DiscoveryOptions o;
  o.smds_address = smds_address;
  o.device = context.settings().device;
  o.cancel = &context.control().token();
  lpa::DiscoveryResult result;
  try {
    result = discoverer.discover(o);
  } catch (...) {
    for (const auto& line : discoverer.cleanup_errors()) context.log(Level::Warning, line);
    throw;
  }
  std::vector<DiscoveredEvent> events;
  for (const auto& e : result.events) {
    lpa::ActivationCode code;
    code.smdp_address = e.rsp_server_address;
    code.matching_id = e.event_id;
    events.push_back({e.event_id, e.rsp_server_address, code.to_string()});
  }
  context.log(Level::Info,
              std::to_string(events.size()) + " event(s) waiting at " + result.smds_address);
  context.update(
      [events = std::move(events)](Job& job) mutable { job.set_events(std::move(events)); });
}

}  // namespace euiccd::daemon
