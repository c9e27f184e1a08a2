// ES10b messages of the profile download (SGP.22 §5.7.13 AuthenticateServer, §5.7.5
// PrepareDownload, §5.7.6 LoadBoundProfilePackage, §5.7.14 CancelSession; digest §2.2–2.4,
// §3). Pure encoders and decoders, no I/O: Es10Client sends them, ProfileDownloader
// (lpa/download.h) drives the order.
//
// Whatever the SM-DP+ signed travels on as the raw TLV it sent (serverSigned1, smdpSigned2,
// signatures, certificates), and whatever the eUICC signed goes to the server as the raw TLV the
// card answered (BF38, BF21, BF41, BF37): re-encoding would break signatures (digest §9).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/cancel_token.h"
#include "base/error.h"
#include "lpa/es10_types.h"

namespace euiccd::lpa {

// CancelReason (SGP.22 CancelSessionReason) lives in base/cancel_token.h: every cancel request
// carries one, and the engine sends it to the eUICC and the server as it is.
// "endUserRejection", "postponed", ... (the ASN.1 names).
const char* cancel_reason_name(CancelReason reason);

// --- ES10b.AuthenticateServer (BF38) --------------------------------------------------------

// DeviceInfo of ctxParams1. The TAC goes out as given; the IMEI is optional.
struct DeviceInfo {
  Bytes tac = {0x35, 0x29, 0x06, 0x11};  // 4 bytes; lpac's default (a generic handset TAC)
  std::string imei;                      // "" or 15/16 digits (IMEI / IMEISV)

  bool operator==(const DeviceInfo&) const = default;
};

struct AuthenticateServerRequest {
  // Complete TLVs exactly as the server sent them (Es9pClient's InitiateAuthenticationResult).
  Bytes server_signed1;            // 30
  Bytes server_signature1;         // 5F37
  Bytes euicc_ci_pkid_to_be_used;  // 04
  Bytes server_certificate;        // 30
  std::string matching_id;         // "" → 80 left out (default SM-DP+ / SM-DS discovery)
  DeviceInfo device;
};

// IMEI digits → 8 bytes BCD, digits swapped per byte and F-padded (as the ICCID; TS 29.002).
// Throws InvalidArgument unless 15 or 16 digits.
Bytes encode_imei(std::string_view digits);

// BF38 { 30 serverSigned1, 5F37 sig1, 04 ciPKId, 30 cert, A0 ctxParams1 }. Throws
// InvalidArgument if a server part is not one TLV with the right tag, the TAC is not 4 bytes,
// the matching id is not UTF-8 or the IMEI is invalid.
Bytes encode_authenticate_server_request(const AuthenticateServerRequest& request);

// The complete BF38 for the server when the card answered A0 (ok); the mapped error of the
// authenticateErrorCode when it answered A1.
Bytes decode_authenticate_server_response(ByteView response);
Error authenticate_server_error(uint64_t code);

// --- smdpSigned2 (from ES9+.AuthenticateClient) ---------------------------------------------

// SmdpSigned2 ::= SEQUENCE { transactionId [0], ccRequiredFlag BOOLEAN, bppEuiccOtpk [APPLICATION
// 73] OPTIONAL } → 30 { 80, 01, [5F49] }.
struct SmdpSigned2 {
  Bytes transaction_id;
  bool cc_required = false;
  std::optional<Bytes> bpp_euicc_otpk;
};
SmdpSigned2 decode_smdp_signed2(ByteView tlv_30);

// --- ES10b.PrepareDownload (BF21) -----------------------------------------------------------

struct PrepareDownloadRequest {
  Bytes smdp_signed2;            // 30, raw
  Bytes smdp_signature2;         // 5F37, raw
  Bytes smdp_certificate;        // 30, raw
  std::optional<Bytes> hash_cc;  // 32 bytes when the confirmation code is required
};
Bytes encode_prepare_download_request(const PrepareDownloadRequest& request);
// The complete BF21 for the server (A0 ok); the mapped downloadErrorCode error (A1).
Bytes decode_prepare_download_response(ByteView response);
Error prepare_download_error(uint64_t code);

// --- ES10b.CancelSession (BF41) -------------------------------------------------------------

Bytes encode_cancel_session_request(ByteView transaction_id, CancelReason reason);
// The complete BF41 for ES9+.CancelSession (A0 ok); the mapped error (81).
Bytes decode_cancel_session_response(ByteView response);
Error cancel_session_error(uint64_t code);

// --- StoreMetadataRequest (BF25): the profile preview ---------------------------------------

// What the user is shown before accepting a profile. The fields share ProfileInfo's tags.
struct ProfileMetadata {
  std::string iccid;                                                  // 5A (mandatory)
  std::string service_provider_name;                                  // 91 (mandatory)
  std::string profile_name;                                           // 92 (mandatory)
  std::optional<IconType> icon_type;                                  // 93
  Bytes icon;                                                         // 94
  ProfileClass profile_class = ProfileClass::Operational;             // 95, DEFAULT operational
  std::vector<NotificationConfiguration> notification_configuration;  // B6
  std::optional<OperatorId> profile_owner;                            // B7
  std::optional<PprIds> profile_policy_rules;                         // 99
  Bytes der;                                                          // the BF25 as received
};
ProfileMetadata decode_store_metadata_request(ByteView bf25);

// --- ES10b.LoadBoundProfilePackage (BF36) ---------------------------------------------------

// The BPP cut into the ES10 commands of SGP.22 §2.5.5 (digest §3.2), in sending order:
//   1. BF36 header + BF23 TLV   2. A0 header + its first 87   3. A1 header
//   4. each 88                  5. [A2 header + its first 87]  6. A3 header   7. each 86
struct BoundProfilePackageCommands {
  std::vector<Bytes> commands;
  size_t profile_segments = 0;  // number of 86 commands (the last ones)
  Bytes transaction_id;         // from BF23 (InitialiseSecureChannelRequest 80)
  Bytes store_metadata;         // the BF25 carried in the 88s (plaintext, MACs removed)
};
// Checks the outer structure (BF36 with BF23, A0 with one 87, A1 with 88s, optional A2 with
// one 87, A3 with 86s, in this order, nothing else) and throws Malformed naming the problem.
BoundProfilePackageCommands split_bound_profile_package(ByteView bpp);
// Whether an ES10 command with this outer tag is a piece of LoadBoundProfilePackage: BF36 (its
// header with BF23), the A0..A3 containers or their headers, the 86/87/88 segments.
bool is_bound_profile_package_tag(uint32_t outer_tag);
// The same for a command as sent; the pieces are not complete TLVs, so only the tag is read.
bool is_bound_profile_package_piece(ByteView command);

// BppCommandId and the ErrorReason of ProfileInstallationResult.
const char* bpp_command_name(uint64_t bpp_command_id);
const char* install_error_reason_name(uint64_t error_reason);

// ProfileInstallationResult (BF37 { BF27 { 80 txid, BF2F metadata, [06 smdpOid], A2 { A0 {4F
// aid, 04 sima} | A1 {80 cmd, 81 reason, [82 sima]} } }, 5F37 sig }).
struct ProfileInstallationResult {
  Bytes transaction_id;
  NotificationMetadata notification;  // the install notification the card keeps pending
  bool success = false;
  Bytes isdp_aid;               // success
  uint64_t bpp_command_id = 0;  // error
  uint64_t error_reason = 0;    // error
  Bytes der;                    // the BF37 as received (it is also a pending notification)
};
ProfileInstallationResult decode_profile_installation_result(ByteView bf37);
// The named error for a failed installation, with the reason in words.
Error profile_installation_error(const ProfileInstallationResult& result);

}  // namespace euiccd::lpa
