// Profile download (SGP.22 §3.1; digest §4.2): the state machine between the eUICC (ES10b)
// and the SM-DP+ (ES9+).
//
//   [ES10a default SM-DP+] → GetEUICCChallenge + EUICCInfo1 → initiateAuthentication →
//   AuthenticateServer → authenticateClient → metadata preview / PPR check / confirmation code
//   → PrepareDownload → getBoundProfilePackage → LoadBoundProfilePackage pieces → PIR →
//   pending notifications delivered.
//
// Once the card holds a session (AuthenticateServer answered), every failure or cancel ends it
// exactly once: ES10b.CancelSession with the matching reason, then ES9+.cancelSession with the
// card's signed answer. After the card returned a ProfileInstallationResult the session is over
// on both sides; the PIR (success or error) is a pending notification and goes to the server
// through handleNotification instead. Errors during that cleanup never replace the original
// error; they are kept in cleanup_errors().
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "lpa/activation_code.h"
#include "lpa/card_session_runner.h"
#include "lpa/es10_download.h"
#include "lpa/es9p_client.h"
#include "lpa/http_client_factory.h"
#include "lpa/notifications.h"
#include "lpa/transport.h"

namespace euiccd::lpa {

enum class DownloadStage {
  Authenticating,          // eUICC ⇄ SM-DP+ mutual authentication
  WaitingForConfirmation,  // metadata shown, waiting for the user (and the confirmation code)
  Preparing,               // PrepareDownload on the card
  Downloading,             // fetching the bound profile package
  Installing,              // loading it into the card (fraction per profile segment)
  Notifying,               // delivering the install notification
  Done,
};
// "authenticating", "waiting-for-confirmation", ... (for logs and the D-Bus Job Stage).
const char* download_stage_name(DownloadStage stage);

// ES10b.AuthenticateServer's request from the server's initiateAuthentication reply (SM-DP+ or,
// with no matching id, SM-DS).
AuthenticateServerRequest authenticate_server_request(const InitiateAuthenticationResult& init,
                                                      std::string matching_id,
                                                      const DeviceInfo& device);

struct DownloadOptions {
  // Either an activation code (parsed once by whoever read it: parse_activation_code), or an
  // SM-DP+ address and matching id. Without an address from either, the eUICC's default SM-DP+
  // address is used.
  std::optional<ActivationCode> activation_code;
  std::string smdp_address;
  std::string matching_id;

  std::optional<std::string> confirmation_code;
  DeviceInfo device;  // TAC and optional IMEI sent in AuthenticateServer

  // Shown the profile before anything is installed; returns false to refuse (the session is
  // cancelled with endUserRejection). May block waiting for the user. Unset: accept.
  std::function<bool(const ProfileMetadata&)> confirm_metadata;
  // Returns false when the profile's policy rules are not acceptable on this device (cancel
  // with pprNotAllowed). Unset: accept.
  std::function<bool(const ProfileMetadata&)> check_policy_rules;
  // Asked when the SM-DP+ requires a confirmation code and none was given; nullopt = the user
  // has none (the session is cancelled with postponed so the order stays usable). May block.
  std::function<std::optional<std::string>(const ProfileMetadata&)> ask_confirmation_code;
  // The hooks above may throw Error(Errc::Timeout) when the user did not answer in time (the
  // session is then cancelled with reason timeout) or Error(Errc::Cancelled).
  std::function<void(DownloadStage, double fraction)> on_progress;
  // Cleanup failures and other remarks a log should keep.
  std::function<void(const std::string&)> on_log;
  const CancelToken* cancel = nullptr;
  // Deliver the install notification right after the download (as SGP.22 expects). false
  // leaves it pending on the card for a later NotificationSender run (the daemon's
  // [Notifications] AutoProcess=no: nothing leaves the card on its own).
  bool send_notifications = true;
};

struct DownloadResult {
  std::string iccid;
  Bytes isdp_aid;
  ProfileMetadata metadata;
  std::string smdp_address;
  NotificationReport notifications;  // delivery of the install notification
};

class ProfileDownloader : public CardSessionRunner {
 public:
  using CardSessionRunner::CardSessionRunner;

  // Runs the whole download; throws the euiccd::Error of the first failure (Errc::Cancelled
  // for a cancel or a refusal at the metadata preview).
  DownloadResult download(const DownloadOptions& options);
};

}  // namespace euiccd::lpa
