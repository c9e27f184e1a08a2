// ES9+ (LPA ⇄ SM-DP+) and ES11 (LPA ⇄ SM-DS) over the JSON binding (SGP.22 §6.5), on top of
// the narrow HttpClient interface. This class only speaks the wire format: it builds the
// requests, checks the replies thoroughly (HTTP status, content type, functionExecutionStatus,
// field presence and types, base64, outer TLV tags, transactionId echo) and turns every
// refusal into an euiccd::Error whose text carries the subject/reason codes and their
// meaning. Signatures and certificates in the replies are checked by the download logic.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "lpa/http.h"

namespace euiccd::lpa {

struct Es9pOptions {
  // X-Admin-Protocol request header. lpac and Eastcompeace send v2.2.2, pySim v2.5.0; servers
  // accept any 2.x in practice.
  std::string admin_protocol = "gsma/rsp/v2.2.0";
  std::string es9p_path_prefix = "/gsma/rsp2/es9plus/";
  // ES11 (SM-DS). SGP.22 text and the Eastcompeace SDK use "/gsma/rsp2/es11/" with the JSON
  // key "smdsAddress"; lpac sends ES11 to the es9plus paths with "smdpAddress", works against
  // the GSMA root SM-DS (lpa.ds.gsma.com) in the field, and a third-party report says that
  // server answers 404 on the es11 path. We default to what is known to work (lpac's choice)
  // and let the configuration switch to the es11 form.
  std::string es11_path_prefix = "/gsma/rsp2/es9plus/";
  std::string es11_address_key = "smdpAddress";
  std::string user_agent = "gsma-rsp-lpad";
  // Largest reply body accepted (a bound profile package in base64 stays far below this).
  size_t max_reply_bytes = 8 * 1024 * 1024;
};

// A statusCodeData the server sent (on failure, or with Executed-WithWarning).
struct ServerStatus {
  std::string subject_code;
  std::string reason_code;
  std::string subject_identifier;  // optional in the reply, "" when absent
  std::string message;             // optional in the reply, "" when absent
};

struct InitiateAuthenticationResult {
  Bytes transaction_id;            // 1..16 bytes
  Bytes server_signed1;            // complete TLV, tag 30
  Bytes server_signature1;         // complete TLV, tag 5F37
  Bytes euicc_ci_pkid_to_be_used;  // complete TLV, tag 04
  Bytes server_certificate;        // complete TLV, tag 30 (X.509 certificate)
};

struct AuthenticateClientResult {
  Bytes transaction_id;
  Bytes profile_metadata;  // complete TLV, tag BF25 (StoreMetadataRequest)
  Bytes smdp_signed2;      // complete TLV, tag 30
  Bytes smdp_signature2;   // complete TLV, tag 5F37
  Bytes smdp_certificate;  // complete TLV, tag 30 (X.509 certificate)
};

struct Es11EventEntry {
  std::string event_id;            // use as matching id for the download
  std::string rsp_server_address;  // SM-DP+ (or alternative SM-DS) address, validated host[:port]
};

class Es9pClient {
 public:
  // `server_address` is host[:port] (an activation code's SM-DP+ address, an SM-DS address or
  // an event's rspServerAddress); throws Error(InvalidArgument) if it is not a valid one.
  // The HttpClient must outlive this object.
  Es9pClient(HttpClient& http, std::string server_address, Es9pOptions options = {});

  const std::string& server_address() const { return address_; }

  // --- ES9+ ---
  // euicc_challenge: the 16 raw bytes; euicc_info1: the complete BF20 TLV.
  InitiateAuthenticationResult initiate_authentication(ByteView euicc_challenge,
                                                       ByteView euicc_info1);
  // authenticate_server_response: complete BF38 TLV from ES10b.AuthenticateServer.
  AuthenticateClientResult authenticate_client(ByteView transaction_id,
                                               ByteView authenticate_server_response);
  // prepare_download_response: complete BF21 TLV. Returns the complete BF36 TLV.
  Bytes get_bound_profile_package(ByteView transaction_id, ByteView prepare_download_response);
  // pending_notification: complete BF37 (ProfileInstallationResult) or 30
  // (OtherSignedNotification).
  void handle_notification(ByteView pending_notification);
  // cancel_session_response: complete BF41 TLV from ES10b.CancelSession.
  void cancel_session(ByteView transaction_id, ByteView cancel_session_response);

  // --- ES11 (SM-DS) ---
  InitiateAuthenticationResult es11_initiate_authentication(ByteView euicc_challenge,
                                                            ByteView euicc_info1);
  std::vector<Es11EventEntry> es11_authenticate_client(ByteView transaction_id,
                                                       ByteView authenticate_server_response);

  // The statusCodeData of the last reply that said Executed-WithWarning, if any.
  const std::optional<ServerStatus>& last_warning() const { return last_warning_; }

 private:
  HttpClient& http_;
  std::string address_;
  Es9pOptions options_;
  std::optional<ServerStatus> last_warning_;

  InitiateAuthenticationResult initiate(const std::string& path_prefix,
                                        const std::string& function_label,
                                        const std::string& address_key, ByteView euicc_challenge,
                                        ByteView euicc_info1);
};

}  // namespace euiccd::lpa
