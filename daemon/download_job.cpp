#include "daemon/download_job.h"

#include "lpa/activation_code.h"
#include "lpa/download.h"

namespace euiccd::daemon {

void run_download(CardSession& session, JobContext& context, const DownloadRequest& request) {
  const EngineSettings& settings = context.settings();
  lpa::DownloadOptions o;
  o.activation_code = request.activation_code;
  o.confirmation_code = request.confirmation_code;
  o.device = settings.device;
  if (!request.imei.empty()) o.device.imei = request.imei;
  o.cancel = &context.control().token();
  o.on_progress = [&context](lpa::DownloadStage stage, double fraction) {
    const std::string name = lpa::download_stage_name(stage);
    context.fields().stage = name;
    context.update([name, fraction](Job& job) { job.set_stage(name, fraction); });
  };
  o.on_log = [&context](const std::string& line) { context.log(Level::Warning, line); };
  o.confirm_metadata = [&context, &request](const lpa::ProfileMetadata& metadata) {
    context.fields().iccid = metadata.iccid;
    context.update([metadata](Job& job) { job.set_metadata(metadata); });
    if (!request.confirm_metadata) return true;
    context.control().open_decision();
    context.update([](Job& job) { job.set_waiting(true); });
    context.log(Level::Info, "waiting for the user to confirm the profile");
    const bool accepted = context.control().wait_for_decision(context.settings().confirm_timeout);
    context.update([](Job& job) { job.set_waiting(false); });
    return accepted;
  };

  if (!request.activation_code.empty()) {
    // The SM-DP+ address is fine to log; the matching id is not.
    context.log(Level::Info, "downloading a profile from " +
                                 lpa::parse_activation_code(request.activation_code).smdp_address);
  } else {
    context.log(Level::Info, "downloading a profile from the default SM-DP+");
  }
  lpa::ProfileDownloader downloader(session.transport(), context.http(), settings.es9p);
  lpa::DownloadResult result;
  try {
    result = downloader.download(o);
  } catch (...) {
    for (const auto& line : downloader.cleanup_errors()) context.log(Level::Warning, line);
    throw;
  }
  context.fields().iccid = result.iccid;
  context.update([iccid = result.iccid](Job& job) { job.set_result_iccid(iccid); });
  context.log(Level::Notice, "profile installed");
  if (result.notifications.failed > 0)
    context.log(Level::Warning,
                "the install notification could not be delivered; it stays on the card for "
                "ProcessNotifications");

  if (request.nickname && !request.nickname->empty())
    session.client().set_nickname(result.iccid, *request.nickname);
  if (request.enable) {
    session.client().enable_profile(lpa::ProfileIdentifier::from_iccid(result.iccid), true);
    context.log(Level::Notice, "profile enabled");
  }
}

}  // namespace euiccd::daemon
