#include "lpa/es10_client.h"

#include <string>

#include "base/error.h"
#include "lpa/es10_codec.h"
#include "lpa/result_codes.h"

namespace euiccd::lpa {

// ---- ES10a ---------------------------------------------------------------------------------

ConfiguredAddresses Es10Client::get_configured_addresses() {
  return decode_get_configured_addresses_response(
      transceive(encode_get_configured_addresses_request()));
}

void Es10Client::set_default_dp_address(std::string_view address) {
  uint64_t code = decode_set_default_dp_address_response(
      transceive(encode_set_default_dp_address_request(address)));
  check_set_default_dp_address_result(code, address);
}

// ---- ES10b ---------------------------------------------------------------------------------

EuiccInfo1 Es10Client::get_euicc_info1() {
  return decode_euicc_info1(transceive(encode_get_euicc_info1_request()));
}

EuiccInfo2 Es10Client::get_euicc_info2() {
  return decode_euicc_info2(transceive(encode_get_euicc_info2_request()));
}

Bytes Es10Client::get_euicc_challenge() {
  return decode_get_euicc_challenge_response(transceive(encode_get_euicc_challenge_request()));
}

std::vector<NotificationMetadata> Es10Client::list_notifications(
    std::optional<NotificationEvent> filter) {
  return decode_list_notification_response(transceive(encode_list_notification_request(filter)));
}

std::vector<PendingNotification> Es10Client::retrieve_notifications(
    std::optional<uint64_t> seq_number) {
  if (!seq_number)
    return decode_retrieve_notifications_response(
        transceive(encode_retrieve_notifications_request_all()));

  auto found = decode_retrieve_notifications_response(
      transceive(encode_retrieve_notifications_request_by_seq(*seq_number)));
  if (found.empty())
    throw Error(Errc::NotFound,
                "no pending notification " + std::to_string(*seq_number) + " on this eUICC");
  return found;
}

void Es10Client::remove_notification(uint64_t seq_number) {
  uint64_t code = decode_remove_notification_response(
      transceive(encode_remove_notification_request(seq_number)));
  check_remove_notification_result(code, seq_number);
}

std::vector<RatRule> Es10Client::get_rat() {
  return decode_get_rat_response(transceive(encode_get_rat_request()));
}

// ---- ES10b profile download ----------------------------------------------------------------

Bytes Es10Client::authenticate_server(const AuthenticateServerRequest& request) {
  return decode_authenticate_server_response(
      transceive(encode_authenticate_server_request(request)));
}

Bytes Es10Client::prepare_download(const PrepareDownloadRequest& request) {
  return decode_prepare_download_response(transceive(encode_prepare_download_request(request)));
}

Bytes Es10Client::cancel_session(ByteView transaction_id, CancelReason reason) {
  return decode_cancel_session_response(
      transceive(encode_cancel_session_request(transaction_id, reason)));
}

std::optional<ProfileInstallationResult> Es10Client::load_bound_profile_package_piece(
    ByteView piece) {
  const Bytes answer = transceive(piece);
  if (answer.empty()) return std::nullopt;
  return decode_profile_installation_result(answer);
}

// ---- ES10c ---------------------------------------------------------------------------------

std::string Es10Client::get_eid() {
  return decode_get_eid_response(transceive(encode_get_eid_request()));
}

std::vector<ProfileInfo> Es10Client::get_profiles_info(
    const std::optional<ProfileSearchCriteria>& filter) {
  return decode_get_profiles_info_response(transceive(encode_get_profiles_info_request(filter)));
}

void Es10Client::enable_profile(const ProfileIdentifier& profile, bool refresh) {
  uint64_t code =
      decode_enable_profile_response(transceive(encode_enable_profile_request(profile, refresh)));
  check_enable_result(code, profile);
}

void Es10Client::disable_profile(const ProfileIdentifier& profile, bool refresh) {
  uint64_t code =
      decode_disable_profile_response(transceive(encode_disable_profile_request(profile, refresh)));
  check_disable_result(code, profile);
}

void Es10Client::delete_profile(const ProfileIdentifier& profile) {
  uint64_t code =
      decode_delete_profile_response(transceive(encode_delete_profile_request(profile)));
  check_delete_result(code, profile);
}

void Es10Client::set_nickname(std::string_view iccid, std::string_view nickname) {
  uint64_t code =
      decode_set_nickname_response(transceive(encode_set_nickname_request(iccid, nickname)));
  check_set_nickname_result(code, iccid);
}

void Es10Client::memory_reset(const MemoryResetOptions& options) {
  uint64_t code = decode_memory_reset_response(transceive(encode_memory_reset_request(options)));
  check_memory_reset_result(code);
}

}  // namespace euiccd::lpa
