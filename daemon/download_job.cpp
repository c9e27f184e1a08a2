#include "daemon/download_job.h"

#include <string>
#include <vector>

#include "lpa/activation_code.h"
#include "lpa/download.h"

namespace euiccd::daemon {

namespace {

// Our own texts cannot carry the matching id or the confirmation code: they are lpa::Secret,
// whose printable form is "[hidden]". What the SM-DP+ or the card says can: a server may quote
// the matching id in a refusal ("matchingId 'X' is refused"). Those texts go to the log and to
// the Job's ErrorMessage, which every bus user can read, so the secrets are hidden in them
// here. Secrets shorter than 4 characters are guessable anyway, and hiding them would garble
// the text.
class Secrets {
 public:
  explicit Secrets(const DownloadRequest& request) {
    if (request.activation_code) add(request.activation_code->matching_id);
    if (request.confirmation_code) add(*request.confirmation_code);
  }

  std::string hide(std::string text) const {
    for (const auto& secret : secrets_) {
      const std::string& value = secret.reveal();
      for (size_t at = text.find(value); at != std::string::npos;
           at = text.find(value, at + lpa::Secret::kShown.size()))
        text.replace(at, value.size(), lpa::Secret::kShown);
    }
    return text;
  }

 private:
  void add(const lpa::Secret& secret) {
    if (secret.reveal().size() >= 4) secrets_.push_back(secret);
  }
  std::vector<lpa::Secret> secrets_;
};

void download(CardSession& session, JobContext& context, const DownloadRequest& request,
              const Secrets& secrets) {
  const EngineSettings& settings = context.settings();
  lpa::DownloadOptions o;
  o.activation_code = request.activation_code;
  if (request.confirmation_code) o.confirmation_code = request.confirmation_code->reveal();
  o.device = settings.device;
  if (request.imei) o.device.imei = request.imei->digits();
  o.cancel = &context.control().token();
  // AutoProcess=no: no notification leaves the card on its own, the install result included;
  // it stays pending for ProcessNotifications (docs/configuration.md says what that delays).
  o.send_notifications = settings.notifications.auto_process;
  o.on_progress = [&context](lpa::DownloadStage stage, double fraction) {
    const std::string name = lpa::download_stage_name(stage);
    context.fields().stage = name;
    context.update([name, fraction](Job& job) { job.set_stage(name, fraction); });
  };
  o.on_log = [&context, &secrets](const std::string& line) {
    context.log(Level::Warning, secrets.hide(line));
  };
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

  if (request.activation_code) {
    // The SM-DP+ address is fine to log; the matching id is not.
    context.log(Level::Info, "downloading a profile from " + request.activation_code->smdp_address);
  } else {
    context.log(Level::Info, "downloading a profile from the default SM-DP+");
  }
  lpa::ProfileDownloader downloader(session.transport(), context.http(), settings.es9p);
  lpa::DownloadResult result;
  try {
    result = downloader.download(o);
  } catch (...) {
    for (const auto& line : downloader.cleanup_errors())
      context.log(Level::Warning, secrets.hide(line));
    throw;
  }
  context.fields().iccid = result.iccid;
  context.update([iccid = result.iccid](Job& job) { job.set_result_iccid(iccid); });
  context.log(Level::Notice, "profile installed");
  if (result.notifications.failed > 0)
    context.log(Level::Warning,
                "the install notification could not be delivered; it stays on the card and is "
                "retried ([Notifications] RetryIntervalSec=, or ProcessNotifications)");

  if (request.nickname && !request.nickname->empty())
    session.client().set_nickname(result.iccid, request.nickname->text());
  if (request.enable) {
    session.client().enable_profile(lpa::ProfileIdentifier::from_iccid(result.iccid),
                                    settings.card.refresh_on_switch);
    context.log(Level::Notice, "profile enabled");
  }
}

}  // namespace

void run_download(CardSession& session, JobContext& context, const DownloadRequest& request) {
  const Secrets secrets(request);
  try {
    download(session, context, request, secrets);
  } catch (const Error& e) {
    // The job logs the error and shows it as its ErrorMessage.
    const std::string text = secrets.hide(e.what());
    if (text == e.what()) throw;  // as it was (its type too: CardResetError, ...)
    throw Error(e.code(), text);
  }
}

}  // namespace euiccd::daemon
