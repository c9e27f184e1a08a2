// Typed ES10a/b/c client: one method per SGP.22 function. Each method encodes the request
// (lpa/es10_codec.h), sends it through the Es10Transport, decodes the response and turns a
// failed result code into an euiccd::Error (lpa/result_codes.h). The client keeps no state;
// serialising card access is the caller's job (one worker per eUICC).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "lpa/es10_download.h"
#include "lpa/es10_types.h"
#include "lpa/transport.h"

namespace euiccd::lpa {

class Es10Client {
 public:
  explicit Es10Client(Es10Transport& transport) : transport_(transport) {}

  // --- ES10a ---
  ConfiguredAddresses get_configured_addresses();
  void set_default_dp_address(std::string_view address);  // "" clears it

  // --- ES10b ---
  EuiccInfo1 get_euicc_info1();
  EuiccInfo2 get_euicc_info2();
  Bytes get_euicc_challenge();
  std::vector<NotificationMetadata> list_notifications(
      std::optional<NotificationEvent> filter = std::nullopt);
  // All pending notifications, or the one with this sequence number (NotFound if none).
  std::vector<PendingNotification> retrieve_notifications(
      std::optional<uint64_t> seq_number = std::nullopt);
  void remove_notification(uint64_t seq_number);
  std::vector<RatRule> get_rat();

  // --- ES10b profile download (lpa/es10_download.h; the order is ProfileDownloader's) ---
  // Each returns the card's complete signed response TLV for the server, or throws the
  // mapped error of the card's error answer.
  Bytes authenticate_server(const AuthenticateServerRequest& request);  // BF38
  Bytes prepare_download(const PrepareDownloadRequest& request);        // BF21
  Bytes cancel_session(ByteView transaction_id, CancelReason reason);   // BF41
  // One LoadBoundProfilePackage command (a piece from split_bound_profile_package). Returns
  // nullopt when the card answered with no data (more pieces expected), else its
  // ProfileInstallationResult (after the last piece, or early on an error).
  std::optional<ProfileInstallationResult> load_bound_profile_package_piece(ByteView piece);

  // --- ES10c ---
  std::string get_eid();
  std::vector<ProfileInfo> get_profiles_info(
      const std::optional<ProfileSearchCriteria>& filter = std::nullopt);
  void enable_profile(const ProfileIdentifier& profile, bool refresh);
  void disable_profile(const ProfileIdentifier& profile, bool refresh);
  void delete_profile(const ProfileIdentifier& profile);
  void set_nickname(std::string_view iccid, std::string_view nickname);
  void memory_reset(const MemoryResetOptions& options);

 private:
  Bytes transceive(ByteView command) { return transport_.transceive(command); }

  Es10Transport& transport_;
};

}  // namespace euiccd::lpa
