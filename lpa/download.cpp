#include "lpa/download.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>

#include "base/text_case.h"
#include "lpa/activation_code.h"
#include "lpa/es10_client.h"
#include "lpa/es10_codec.h"
#include "lpa/hash_cc.h"

namespace euiccd::lpa {

const char* download_stage_name(DownloadStage stage) {
  switch (stage) {
    case DownloadStage::Authenticating: return "authenticating";
    case DownloadStage::WaitingForConfirmation: return "waiting-for-confirmation";
    case DownloadStage::Preparing: return "preparing";
    case DownloadStage::Downloading: return "downloading";
    case DownloadStage::Installing: return "installing";
    case DownloadStage::Notifying: return "notifying";
    case DownloadStage::Done: return "done";
  }
  return "unknown";
}

namespace {

// A failure that ends an open session with a specific CancelSessionReason.
struct SessionFailure {
  Error error;
  CancelReason reason;
};

[[noreturn]] void fail(CancelReason reason, Errc code, const std::string& message) {
  throw SessionFailure{Error(code, message), reason};
}

// What `parse()` makes of something the SM-DP+ sent; if it cannot, the session ends with
// `reason` and a Malformed error, `what` followed by why.
template <typename Parse>
auto parse_or_fail(CancelReason reason, const char* what, Parse parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const Error& e) {
    fail(reason, Errc::Malformed, std::string(what) + e.what());
  }
}

// The reason for an error that did not name one.
CancelReason reason_for(const Error& e, const CancelToken* cancel) {
  if (e.code() == Errc::Timeout) return CancelReason::Timeout;
  if (e.code() == Errc::Cancelled)
    return cancel && cancel->cancelled() ? cancel->reason() : CancelReason::EndUserRejection;
  return CancelReason::UndefinedReason;
}

std::string describe_profile(const ProfileMetadata& m) {
  std::string name = m.profile_name.empty() ? std::string("profile") : "\"" + m.profile_name + "\"";
  if (!m.service_provider_name.empty()) name += " of " + m.service_provider_name;
  return name + " (ICCID " + m.iccid + ")";
}

// What in `b` differs from `a`, as words for a message; "" when they name the same profile.
std::string metadata_difference(const ProfileMetadata& a, const ProfileMetadata& b) {
  if (b.iccid != a.iccid) return "ICCID " + b.iccid;
  if (b.service_provider_name != a.service_provider_name)
    return "service provider \"" + b.service_provider_name + "\"";
  if (b.profile_name != a.profile_name) return "profile name \"" + b.profile_name + "\"";
  if (b.profile_class != a.profile_class) return "another profile class";
  if (b.profile_policy_rules != a.profile_policy_rules) return "other profile policy rules";
  return "";
}

struct Target {
  std::string address;
  std::string matching_id;
  bool cc_required_by_code = false;
};

class DownloadRun {
 public:
  DownloadRun(Es10Transport& card, const HttpClientFactory& http, const Es9pOptions& es9p,
              const DownloadOptions& options, std::vector<std::string>& cleanup_errors)
      : transport_(card),
        es10_(card),
        http_factory_(http),
        es9p_options_(es9p),
        o_(options),
        cleanup_errors_(cleanup_errors) {}

  DownloadResult run() {
    const Target target = resolve_target();
    if (!o_.device.imei.empty()) encode_imei(o_.device.imei);  // refuse a bad IMEI up front
    if (target.cc_required_by_code && !o_.confirmation_code && !o_.ask_confirmation_code)
      throw Error(Errc::InvalidArgument,
                  "this activation code requires a confirmation code; ask the operator for it "
                  "and pass it with the download");
    result_.smdp_address = target.address;

    try {
      authenticate(target);
      confirm();
      prepare();
      fetch_and_install();
    } catch (const SessionFailure& f) {
      end_session(f.reason);
      throw f.error;
    } catch (const Error& e) {
      end_session(reason_for(e, o_.cancel));
      throw;
    } catch (...) {  // e.g. a hook that threw something else: still end the session
      end_session(CancelReason::UndefinedReason);
      throw;
    }
    return std::move(result_);
  }

  // True when `e` ended this attempt because the card was reset (another program, the
  // reader) while it held our session, before it answered with an installation result: the
  // reset took the session and whatever was loaded with it, so the card is clean. User
  // decisions (a refusal, a missing code) and cancels are not retried.
  bool lost_to_card_reset(const Error& e) const {
    if (installation_reported_) return false;
    if (e.code() == Errc::Cancelled || e.code() == Errc::InvalidArgument) return false;
    if (o_.cancel && o_.cancel->cancelled()) return false;
    return card_was_reset();
  }
  // What the user already settled in this attempt, so a repeat does not ask again.
  const std::optional<ProfileMetadata>& accepted_metadata() const { return accepted_; }
  const std::optional<std::string>& confirmation_code_used() const { return code_used_; }
  // getBoundProfilePackage was sent: the SM-DP+ bound a package to this session.
  bool package_bound() const { return package_requested_; }

 private:
  Es10Transport& transport_;
  Es10Client es10_;
  const HttpClientFactory& http_factory_;
  const Es9pOptions& es9p_options_;
  const DownloadOptions& o_;
  std::vector<std::string>& cleanup_errors_;

  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Es9pClient> smdp_;
  std::unique_ptr<HttpClient> notification_http_;  // only when the PIR names another server
  std::unique_ptr<Es9pClient> notification_smdp_;
  Bytes transaction_id_;
  bool session_open_ = false;  // the card holds a session that must be cancelled on failure
  AuthenticateClientResult auth_;
  SmdpSigned2 signed2_;
  Bytes prepare_response_;
  DownloadResult result_;
  bool card_session_started_ = false;
  uint64_t resets_at_start_ = 0;        // the transport's reset count when the session began
  bool package_requested_ = false;      // getBoundProfilePackage was sent: the server bound one
  bool installation_reported_ = false;  // the card answered with a ProfileInstallationResult
  std::optional<ProfileMetadata> accepted_;
  std::optional<std::string> code_used_;

  bool card_was_reset() const {
    return card_session_started_ && transport_.reset_count() != resets_at_start_;
  }

  void progress(DownloadStage stage, double fraction) {
    if (o_.on_progress) o_.on_progress(stage, std::clamp(fraction, 0.0, 1.0));
  }
  void log(const std::string& line) {
    if (o_.on_log) o_.on_log(line);
  }
  void checkpoint() {
    if (o_.cancel && o_.cancel->cancelled()) {
      const CancelReason reason = o_.cancel->reason();
      fail(reason, Errc::Cancelled,
           reason == CancelReason::Postponed ? "the download was postponed"
                                             : "the download was cancelled");
    }
  }

  Target resolve_target() {
    Target t;
    if (o_.activation_code) {
      const ActivationCode& ac = *o_.activation_code;
      t.address = ac.smdp_address;
      t.matching_id = ac.matching_id.reveal();
      t.cc_required_by_code = ac.confirmation_code_required;
    } else {
      t.address = o_.smdp_address;
      t.matching_id = o_.matching_id;
    }
    if (t.address.empty()) {
      const ConfiguredAddresses configured = es10_.get_configured_addresses();
      if (!configured.default_dp_address || configured.default_dp_address->empty())
        throw Error(Errc::InvalidArgument,
                    "no SM-DP+ address: give an activation code, or set a default SM-DP+ "
                    "address on the eUICC");
      t.address = *configured.default_dp_address;
    }
    validate_server_address(t.address, "SM-DP+ address");
    return t;
  }

  void authenticate(const Target& target) {
    progress(DownloadStage::Authenticating, 0);
    checkpoint();
    resets_at_start_ = transport_.reset_count();
    card_session_started_ = true;
    const Bytes challenge = es10_.get_euicc_challenge();
    // The server wants EUICCInfo1 exactly as the card encoded it.
    const Bytes info1 = transport_.transceive(encode_get_euicc_info1_request());
    decode_euicc_info1(info1);

    if (!http_factory_) throw Error(Errc::Internal, "no HTTP client factory was given");
    http_ = http_factory_(target.address);
    if (!http_) throw Error(Errc::Internal, "the HTTP client factory gave no client");
    smdp_ = std::make_unique<Es9pClient>(*http_, target.address, es9p_options_);

    checkpoint();
    const InitiateAuthenticationResult init = smdp_->initiate_authentication(challenge, info1);
    progress(DownloadStage::Authenticating, 0.3);
    checkpoint();

    const Bytes authenticate_response =
        es10_.authenticate_server(authenticate_server_request(init, target.matching_id, o_.device));
    transaction_id_ = init.transaction_id;
    session_open_ = true;
    progress(DownloadStage::Authenticating, 0.6);

    checkpoint();
    auth_ = smdp_->authenticate_client(transaction_id_, authenticate_response);
    result_.metadata = decode_store_metadata_request(auth_.profile_metadata);
    signed2_ = decode_smdp_signed2(auth_.smdp_signed2);
    if (signed2_.transaction_id != transaction_id_)
      fail(CancelReason::UndefinedReason, Errc::Malformed,
           "authenticateClient: smdpSigned2 is for transaction " + to_hex(signed2_.transaction_id) +
               ", not ours (" + to_hex(transaction_id_) + ")");
    progress(DownloadStage::Authenticating, 1);
  }

  void confirm() {
    const ProfileMetadata& m = result_.metadata;
    progress(DownloadStage::WaitingForConfirmation, 0);
    checkpoint();
    if (o_.confirm_metadata && !o_.confirm_metadata(m))
      fail(CancelReason::EndUserRejection, Errc::Cancelled,
           "the download of " + describe_profile(m) + " was declined");
    checkpoint();
    if (o_.check_policy_rules && !o_.check_policy_rules(m))
      fail(
          CancelReason::PprNotAllowed, Errc::NotAllowed,
          "the profile policy rules of " + describe_profile(m) + " are not allowed on this device");
    checkpoint();
    accepted_ = m;
  }

  void prepare() {
    PrepareDownloadRequest request;
    request.smdp_signed2 = auth_.smdp_signed2;
    request.smdp_signature2 = auth_.smdp_signature2;
    request.smdp_certificate = auth_.smdp_certificate;
    if (signed2_.cc_required) {
      std::optional<std::string> code = o_.confirmation_code;
      if (!code && o_.ask_confirmation_code) {
        code = o_.ask_confirmation_code(result_.metadata);
        checkpoint();
      }
      if (!code || code->empty())
        fail(CancelReason::Postponed, Errc::InvalidArgument,
             "the SM-DP+ requires a confirmation code for " + describe_profile(result_.metadata) +
                 "; ask the operator for it and retry with it");
      // Bound to the transactionId the SM-DP+ signed (smdpSigned2), digest §5.
      request.hash_cc = compute_hash_cc(*code, signed2_.transaction_id);
      code_used_ = code;
    }
    progress(DownloadStage::Preparing, 0);
    prepare_response_ = es10_.prepare_download(request);
    progress(DownloadStage::Preparing, 1);
  }

  void fetch_and_install() {
    progress(DownloadStage::Downloading, 0);
    checkpoint();
    package_requested_ = true;
    const Bytes bpp = smdp_->get_bound_profile_package(transaction_id_, prepare_response_);
    progress(DownloadStage::Downloading, 1);
    checkpoint();

    const BoundProfilePackageCommands pieces = parse_or_fail(
        CancelReason::LoadBppExecutionError, "the SM-DP+ sent a broken profile package: ", [&] {
          return split_bound_profile_package(bpp);
        });
    if (pieces.transaction_id != transaction_id_)
      fail(CancelReason::LoadBppExecutionError, Errc::Malformed,
           "the profile package is for transaction " + to_hex(pieces.transaction_id) +
               ", not ours (" + to_hex(transaction_id_) + ")");
    check_metadata(pieces.store_metadata);

    std::optional<ProfileInstallationResult> pir;
    const size_t total = pieces.commands.size();
    const size_t first_profile_segment = total - pieces.profile_segments;
    progress(DownloadStage::Installing, 0);
    for (size_t i = 0; i < total && !pir; ++i) {
      try {
        pir = es10_.load_bound_profile_package_piece(pieces.commands[i]);
      } catch (const Error& e) {
        fail(reason_for(e, o_.cancel) == CancelReason::Timeout
                 ? CancelReason::Timeout
                 : CancelReason::LoadBppExecutionError,
             e.code(), std::string("loading the profile into the eUICC failed: ") + e.what());
      }
      if (pir && !pir->success) break;
      if (pir && i + 1 != total)
        fail(CancelReason::LoadBppExecutionError, Errc::Malformed,
             "the eUICC reported success before the whole profile package was loaded");
      if (i >= first_profile_segment)
        progress(DownloadStage::Installing,
                 double(i + 1 - first_profile_segment) / double(pieces.profile_segments));
    }
    if (!pir)
      fail(CancelReason::LoadBppExecutionError, Errc::Malformed,
           "the eUICC gave no installation result after the last profile segment");

    // From here the session is over on both sides: the card reported, and the report (a
    // signed PIR, also kept as pending notification) is what the server must get.
    session_open_ = false;
    installation_reported_ = true;
    if (pir->transaction_id != transaction_id_)
      log("the installation result names transaction " + to_hex(pir->transaction_id) +
          ", not ours (" + to_hex(transaction_id_) + ")");
    NotificationReport report = deliver(*pir);
    if (!pir->success) {
      for (const NotificationOutcome& n : report.outcomes)
        if (!n.error.empty()) cleanup_errors_.push_back("install result notification: " + n.error);
      throw profile_installation_error(*pir);
    }
    result_.iccid = result_.metadata.iccid;
    result_.isdp_aid = pir->isdp_aid;
    result_.notifications = std::move(report);
    progress(DownloadStage::Done, 1);
  }

  // The BF25 in the 88 segments is what the card will store; it must be the profile the user
  // was shown (SGP.22: otherwise cancel with metadataMismatch).
  void check_metadata(const Bytes& store_metadata) {
    const ProfileMetadata in_package = parse_or_fail(
        CancelReason::MetadataMismatch, "the profile package carries unreadable metadata: ", [&] {
          return decode_store_metadata_request(store_metadata);
        });
    const ProfileMetadata& shown = result_.metadata;
    const std::string differs = metadata_difference(shown, in_package);
    if (!differs.empty())
      fail(CancelReason::MetadataMismatch, Errc::ServerError,
           "the SM-DP+ sent a profile package with " + differs + ", not the " +
               describe_profile(shown) + " it showed");
  }

  // The PIR the card just answered is its pending install notification, byte for byte
  // (SGP.22 §3.1.3): it goes to the server on this session's connection and then leaves the
  // card. No ListNotification or RetrieveNotificationsList, and no second TLS handshake.
  NotificationReport deliver(const ProfileInstallationResult& pir) {
    if (!o_.send_notifications) return {};
    progress(DownloadStage::Notifying, 0);
    NotificationReport report;
    NotificationOutcome outcome;
    outcome.metadata = pir.notification;
    try {
      notification_server(pir.notification.address).handle_notification(pir.der);
      outcome.delivered = true;
      es10_.remove_notification(pir.notification.seq_number);
      outcome.removed = true;
    } catch (const Error& e) {
      record_failure(outcome, e);
      log("install notification " + std::to_string(pir.notification.seq_number) +
          " not delivered: " + outcome.error);
    }
    ++(outcome.removed ? report.sent : report.failed);
    report.outcomes.push_back(std::move(outcome));
    progress(DownloadStage::Notifying, 1);
    return report;
  }

  // The session's SM-DP+ when the notification names it (the usual case), else a client for
  // the address the notification names.
  Es9pClient& notification_server(const std::string& address) {
    if (smdp_ && equals_ignoring_case(address, smdp_->server_address())) return *smdp_;
    notification_http_ = http_factory_(address);
    if (!notification_http_) throw Error(Errc::Internal, "the HTTP client factory gave no client");
    notification_smdp_ = std::make_unique<Es9pClient>(*notification_http_, address, es9p_options_);
    return *notification_smdp_;
  }

  // Ends the open session once: the card signs the cancellation, the server gets it.
  void end_session(CancelReason reason) {
    if (!session_open_) return;
    session_open_ = false;
    const std::string why = std::string(" (reason ") + cancel_reason_name(reason) + ")";
    if (card_was_reset()) {
      // The reset ended the session on the card; there is nothing to cancel there, and
      // without the card's signed answer the SM-DP+ cannot be told: its session lapses.
      log("the eUICC was reset during the session, which ended it on the card; the SM-DP+ "
          "session is left to expire" +
          why);
      return;
    }
    Bytes signed_cancel;
    try {
      signed_cancel = es10_.cancel_session(transaction_id_, reason);
    } catch (const Error& e) {
      cleanup_errors_.push_back("cancelling the session on the eUICC" + why +
                                " failed: " + e.what());
      log(cleanup_errors_.back());
      return;
    }
    try {
      smdp_->cancel_session(transaction_id_, signed_cancel);
    } catch (const Error& e) {
      cleanup_errors_.push_back("cancelling the session on the SM-DP+" + why +
                                " failed: " + e.what());
      log(cleanup_errors_.back());
    }
  }
};

}  // namespace

AuthenticateServerRequest authenticate_server_request(const InitiateAuthenticationResult& init,
                                                      std::string matching_id,
                                                      const DeviceInfo& device) {
  AuthenticateServerRequest request;
  request.server_signed1 = init.server_signed1;
  request.server_signature1 = init.server_signature1;
  request.euicc_ci_pkid_to_be_used = init.euicc_ci_pkid_to_be_used;
  request.server_certificate = init.server_certificate;
  request.matching_id = std::move(matching_id);
  request.device = device;
  return request;
}

// A card reset in the middle of a session (another PC/SC program, the reader, pcscd cleaning
// up after a client that died holding the card) loses the session and what was loaded with
// it, nothing else: the download starts once more from the top, keeping the user's answers.
// Before the SM-DP+ bound a package that costs the server nothing. After, the server may
// refuse a second session for the same order (many do): then the reset is the error the user
// gets, since it is what went wrong, and the refusal goes to the log.
DownloadResult ProfileDownloader::download(const DownloadOptions& options) {
  cleanup_errors_.clear();
  DownloadRun first(card_, http_, es9p_options_, options, cleanup_errors_);
  std::optional<Error> reset_after_binding;
  try {
    return first.run();
  } catch (const Error& e) {
    if (!first.lost_to_card_reset(e)) throw;
    if (options.on_log)
      options.on_log(std::string("the eUICC was reset during the download (") + e.what() +
                     "); starting again with a new session");
    if (first.package_bound()) reset_after_binding = e;
  }
  DownloadOptions again = options;
  if (first.confirmation_code_used()) again.confirmation_code = first.confirmation_code_used();
  if (const auto& accepted = first.accepted_metadata()) {
    again.confirm_metadata = [accepted = *accepted,
                              ask = options.confirm_metadata](const ProfileMetadata& m) {
      if (metadata_difference(accepted, m).empty()) return true;  // already accepted
      return !ask || ask(m);
    };
  }
  DownloadRun second(card_, http_, es9p_options_, again, cleanup_errors_);
  if (!reset_after_binding) return second.run();
  try {
    return second.run();
  } catch (const Error& e) {
    if (options.on_log) options.on_log(std::string("starting again failed too: ") + e.what());
    throw *reset_after_binding;
  }
}

}  // namespace euiccd::lpa
