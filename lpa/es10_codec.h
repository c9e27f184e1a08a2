// Pure encoders and decoders of the ES10a/b/c local management messages (SGP.22 §5.7).
// No I/O here: Es10Client (lpa/es10_client.h) sends what these build, and fuzzers can aim at
// each decoder.
//
// Decoders check the outer tag, are strict on lengths (lpa/tlv.h), ignore fields they do not
// know (newer SGP.22 versions add some) and throw Error(Malformed, "...") naming what is wrong.
// Functions whose response is only a result code return that code; lpa/result_codes.h turns it
// into an error. Responses that are a CHOICE with an error alternative throw the mapped error.
//
// Tags follow the module's AUTOMATIC TAGS rule: untagged members of a SEQUENCE whose members
// are all untagged get 80, 81, ... (A0, A1 ... when constructed); untagged members of a
// SEQUENCE that also has tagged members keep their universal tag (04, 0C, 30).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "lpa/es10_types.h"

namespace euiccd::lpa {

// --- shared pieces --------------------------------------------------------------------------

// DER content octets of a BIT STRING with named bits: first byte = unused bits in the last
// byte, trailing zero bits removed (X.690 §11.2.2). mask bit n = named bit n.
Bytes encode_named_bits(uint64_t mask);
// Reads BIT STRING content octets (any valid BER primitive form). Throws Malformed if the
// unused-bits byte is missing or over 7, or if it is non-zero on an empty string.
uint64_t decode_named_bits(ByteView content, std::string_view what);

// OperatorId mccMnc (3 bytes, 3GPP TS 24.008 §10.5.1.3) → "MCC"+"MNC" digits. With
// allow_wildcard, an 'E' nibble is kept as 'E' (RAT rules use it for "any digit").
std::string decode_mcc_mnc(ByteView bytes, bool allow_wildcard = false);
OperatorId decode_operator_id(ByteView content, bool allow_wildcard = false);

// True if the bytes are well-formed UTF-8 (no overlongs, surrogates or code points > 10FFFF).
bool is_valid_utf8(std::string_view text);

// --- ES10c.GetEID (BF3E) --------------------------------------------------------------------
Bytes encode_get_eid_request();
std::string decode_get_eid_response(ByteView response);  // 32 hex digits

// --- ES10b.GetEUICCInfo1 / GetEUICCInfo2 (BF20 / BF22) --------------------------------------
Bytes encode_get_euicc_info1_request();
EuiccInfo1 decode_euicc_info1(ByteView response);
Bytes encode_get_euicc_info2_request();
EuiccInfo2 decode_euicc_info2(ByteView response);

// --- ES10b.GetEUICCChallenge (BF2E) ---------------------------------------------------------
Bytes encode_get_euicc_challenge_request();
Bytes decode_get_euicc_challenge_response(ByteView response);  // 16 bytes

// --- ES10c.GetProfilesInfo (BF2D) -----------------------------------------------------------
// Every ProfileInfo field up to profilePolicyRules, so cards return B6/B7/B8/99 too (a card
// asked without a tag list returned only the basic fields).
Bytes default_profile_info_tag_list();
Bytes encode_get_profiles_info_request(
    const std::optional<ProfileSearchCriteria>& criteria,
    const std::optional<Bytes>& tag_list = default_profile_info_tag_list());
std::vector<ProfileInfo> decode_get_profiles_info_response(ByteView response);
ProfileInfo decode_profile_info(ByteView e3_tlv);

// --- ES10c.EnableProfile / DisableProfile / DeleteProfile (BF31 / BF32 / BF33) --------------
Bytes encode_enable_profile_request(const ProfileIdentifier& profile, bool refresh);
uint64_t decode_enable_profile_response(ByteView response);
Bytes encode_disable_profile_request(const ProfileIdentifier& profile, bool refresh);
uint64_t decode_disable_profile_response(ByteView response);
Bytes encode_delete_profile_request(const ProfileIdentifier& profile);
uint64_t decode_delete_profile_response(ByteView response);

// --- ES10c.SetNickname (BF29) ---------------------------------------------------------------
// Throws InvalidArgument for a bad ICCID, a nickname over kMaxNicknameBytes (lpa/nickname.h)
// or invalid UTF-8.
Bytes encode_set_nickname_request(std::string_view iccid, std::string_view nickname);
uint64_t decode_set_nickname_response(ByteView response);

// --- ES10c.eUICCMemoryReset (BF34) ----------------------------------------------------------
// Throws InvalidArgument if no option is chosen.
Bytes encode_memory_reset_request(const MemoryResetOptions& options);
uint64_t decode_memory_reset_response(ByteView response);

// --- ES10b.ListNotification (BF28) ----------------------------------------------------------
Bytes encode_list_notification_request(std::optional<NotificationEvent> filter);
std::vector<NotificationMetadata> decode_list_notification_response(ByteView response);
NotificationMetadata decode_notification_metadata(ByteView bf2f_tlv);

// --- ES10b.RetrieveNotificationsList (BF2B) -------------------------------------------------
Bytes encode_retrieve_notifications_request_by_seq(uint64_t seq_number);
Bytes encode_retrieve_notifications_request_by_event(NotificationEvent event);
Bytes encode_retrieve_notifications_request_all();
// noResultAvailable (1) is returned as an empty list.
std::vector<PendingNotification> decode_retrieve_notifications_response(ByteView response);
// One PendingNotification (BF37 or 30); the metadata is read from inside, der keeps the bytes.
PendingNotification decode_pending_notification(ByteView tlv);

// --- ES10b.RemoveNotificationFromList (BF30) ------------------------------------------------
Bytes encode_remove_notification_request(uint64_t seq_number);
uint64_t decode_remove_notification_response(ByteView response);

// --- ES10a.GetEuiccConfiguredAddresses (BF3C) / SetDefaultDpAddress (BF3F) ------------------
Bytes encode_get_configured_addresses_request();
ConfiguredAddresses decode_get_configured_addresses_response(ByteView response);
// Throws InvalidArgument for invalid UTF-8. An empty address clears the default.
Bytes encode_set_default_dp_address_request(std::string_view address);
uint64_t decode_set_default_dp_address_response(ByteView response);

// --- ES10b.GetRAT (BF43) --------------------------------------------------------------------
Bytes encode_get_rat_request();
std::vector<RatRule> decode_get_rat_response(ByteView response);

}  // namespace euiccd::lpa
