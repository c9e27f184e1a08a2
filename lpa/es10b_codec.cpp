// ES10b functions other than the download ones: eUICC information, challenge, notifications
// and the rules authorisation table (SGP.22 §5.7.7 – §5.7.11, §5.7.14).
#include <string>

#include "lpa/es10_codec.h"
#include "lpa/es10_codec_internal.h"
#include "lpa/iccid.h"
#include "lpa/result_codes.h"

namespace euiccd::lpa {

using namespace es10_detail;

// ---- GetEUICCInfo1 / GetEUICCInfo2 ---------------------------------------------------------

Bytes encode_get_euicc_info1_request() {
  return tlv::encode(0xBF20, {});
}
Bytes encode_get_euicc_info2_request() {
  return tlv::encode(0xBF22, {});
}

// EUICCInfo1 ::= [32] SEQUENCE { svn [2], euiccCiPKIdListForVerification [9] SEQUENCE OF
// SubjectKeyIdentifier, euiccCiPKIdListForSigning [10] ... } → BF20 { 82, A9 {04..}, AA {04..} }
EuiccInfo1 decode_euicc_info1(ByteView response) {
  static constexpr std::string_view kWhat = "EUICCInfo1";
  tlv::Tlv outer = expect_outer(response, 0xBF20, kWhat);
  EuiccInfo1 info;
  info.svn = version(outer.require(0x82, "svn"), kWhat);
  info.ci_pkid_verification =
      octet_string_list(outer.require(0xA9, "euiccCiPKIdListForVerification"), kWhat);
  info.ci_pkid_signing = octet_string_list(outer.require(0xAA, "euiccCiPKIdListForSigning"), kWhat);
  return info;
}

namespace {

// ExtendedCardResourceInformation (ETSI TS 102 226): 81 installed applications, 82 free
// non-volatile memory, 83 free volatile memory, each an unsigned number.
ExtCardResource decode_ext_card_resource(ByteView content) {
  ExtCardResource out;
  for (const tlv::Tlv& t : tlv::parse_all(content)) {
    if (t.tag == 0x81) out.installed_apps = tlv::decode_uint(t.value, "installed applications");
    if (t.tag == 0x82) out.free_nvm = tlv::decode_uint(t.value, "free non-volatile memory");
    if (t.tag == 0x83) out.free_ram = tlv::decode_uint(t.value, "free volatile memory");
  }
  return out;
}

}  // namespace

// EUICCInfo2 ::= [34] SEQUENCE: tagged members [1]..[12] keep their tags (81 ... 8B, A9, AA,
// AC), forbiddenProfilePolicyRules is [25] = 99, and the two untagged members keep universal
// tags: ppVersion OCTET STRING = 04, sasAcreditationNumber UTF8String = 0C.
EuiccInfo2 decode_euicc_info2(ByteView response) {
  static constexpr std::string_view kWhat = "EUICCInfo2";
  tlv::Tlv outer = expect_outer(response, 0xBF22, kWhat);
  EuiccInfo2 info;
  info.profile_version = version(outer.require(0x81, "profileVersion"), kWhat);
  info.svn = version(outer.require(0x82, "svn"), kWhat);
  info.firmware_version = version(outer.require(0x83, "euiccFirmwareVer"), kWhat);
  tlv::Tlv ecr = outer.require(0x84, "extCardResource");
  info.ext_card_resource_raw = copy(ecr.value);
  info.ext_card_resource = decode_ext_card_resource(ecr.value);
  info.uicc_capability.mask =
      decode_named_bits(outer.require(0x85, "uiccCapability").value, "uiccCapability");
  if (auto t = outer.find(0x86)) info.ts102241_version = version(*t, kWhat);
  if (auto t = outer.find(0x87)) info.gp_version = version(*t, kWhat);
  info.rsp_capability.mask =
      decode_named_bits(outer.require(0x88, "rspCapability").value, "rspCapability");
  info.ci_pkid_verification =
      octet_string_list(outer.require(0xA9, "euiccCiPKIdListForVerification"), kWhat);
  info.ci_pkid_signing = octet_string_list(outer.require(0xAA, "euiccCiPKIdListForSigning"), kWhat);
  if (auto t = outer.find(0x8B)) info.euicc_category = tlv::decode_uint(t->value, "euiccCategory");
  if (auto t = outer.find(0x99))
    info.forbidden_ppr = PprIds{decode_named_bits(t->value, "forbiddenProfilePolicyRules")};
  info.pp_version = version(outer.require(0x04, "ppVersion"), kWhat);
  info.sas_accreditation_number = text(outer.require(0x0C, "sasAcreditationNumber").value);
  if (auto t = outer.find(0xAC)) {
    // CertificationDataObject ::= SEQUENCE { platformLabel UTF8String, discoveryBaseURL
    // UTF8String }: all untagged → 80, 81.
    info.platform_label = text(t->require(0x80, "platformLabel").value);
    info.discovery_base_url = text(t->require(0x81, "discoveryBaseURL").value);
  }
  return info;
}

// ---- GetEUICCChallenge ---------------------------------------------------------------------

Bytes encode_get_euicc_challenge_request() {
  return tlv::encode(0xBF2E, {});
}

// GetEuiccChallengeResponse ::= [46] SEQUENCE { euiccChallenge Octet16 } → BF2E { 80 10 ... }
Bytes decode_get_euicc_challenge_response(ByteView response) {
  static constexpr std::string_view kWhat = "GetEUICCChallenge response";
  const tlv::Tlv outer = expect_outer(response, 0xBF2E, kWhat);
  return copy(sixteen_byte_member(outer, 0x80, "euiccChallenge", kWhat, "the challenge"));
}

// ---- ListNotification ----------------------------------------------------------------------

// ListNotificationRequest ::= [40] SEQUENCE { profileManagementOperation [1] NotificationEvent
// OPTIONAL } → BF28 00 or BF28 { 81 bits }
Bytes encode_list_notification_request(std::optional<NotificationEvent> filter) {
  tlv::Builder b(0xBF28);
  if (filter) b.add(0x81, event_bits(*filter));
  return b.bytes();
}

// NotificationMetadata ::= [47] SEQUENCE { seqNumber [0] INTEGER, profileManagementOperation
// [1] NotificationEvent, notificationAddress UTF8String, iccid Iccid OPTIONAL }: the address
// is untagged next to tagged members, so it keeps the universal tag 0C; the ICCID is 5A.
NotificationMetadata decode_notification_metadata(ByteView bf2f_tlv) {
  static constexpr std::string_view kWhat = "NotificationMetadata";
  tlv::Tlv outer = expect_outer(bf2f_tlv, 0xBF2F, kWhat);
  NotificationMetadata m;
  m.seq_number = tlv::decode_uint(outer.require(0x80, "seqNumber").value, "seqNumber");
  m.operation = single_event(outer.require(0x81, "profileManagementOperation").value, kWhat);
  m.address = text(outer.require(0x0C, "notificationAddress").value);
  if (auto t = outer.find(0x5A)) m.iccid = decode_iccid(t->value);
  return m;
}

// ListNotificationResponse ::= [40] CHOICE { notificationMetadataList SEQUENCE OF
// NotificationMetadata, listNotificationsResultError INTEGER } → BF28 { A0 {BF2F..} | 81 }
std::vector<NotificationMetadata> decode_list_notification_response(ByteView response) {
  return decode_list_or_error(response, 0xBF28, "ListNotification response", "a notification list",
                              decode_notification_metadata,
                              [](uint64_t code) -> std::vector<NotificationMetadata> {
                                throw list_notification_error(code);
                              });
}

// ---- RetrieveNotificationsList -------------------------------------------------------------

// RetrieveNotificationsListRequest ::= [43] SEQUENCE { searchCriteria CHOICE { seqNumber [0]
// INTEGER, profileManagementOperation [1] NotificationEvent } OPTIONAL }: the only member is
// an untagged CHOICE, so it gets [0] (constructed) = A0 around 80 or 81.
Bytes encode_retrieve_notifications_request_by_seq(uint64_t seq_number) {
  return tlv::Builder(0xBF2B)
      .add(tlv::Builder(0xA0).add(0x80, tlv::encode_uint(seq_number)))
      .bytes();
}

Bytes encode_retrieve_notifications_request_by_event(NotificationEvent event) {
  return tlv::Builder(0xBF2B).add(tlv::Builder(0xA0).add(0x81, event_bits(event))).bytes();
}

Bytes encode_retrieve_notifications_request_all() {
  return tlv::encode(0xBF2B, {});
}

// PendingNotification ::= CHOICE { profileInstallationResult [55] (BF37),
// otherSignedNotification OtherSignedNotification (30) }. The metadata sits in
// BF37 { BF27 { ..., BF2F, ... }, 5F37 } or 30 { BF2F, 5F37, 30 cert, 30 cert }.
PendingNotification decode_pending_notification(ByteView data) {
  static constexpr std::string_view kWhat = "pending notification";
  tlv::Tlv t = tlv::parse_one(data);
  PendingNotification out;
  if (t.tag == 0xBF37) {
    tlv::Tlv result_data = t.require(0xBF27, "profileInstallationResultData");
    out.metadata =
        decode_notification_metadata(result_data.require(0xBF2F, "notificationMetadata").raw);
  } else if (t.tag == 0x30) {
    out.metadata = decode_notification_metadata(t.require(0xBF2F, "tbsOtherNotification").raw);
  } else {
    malformed(kWhat, "neither a ProfileInstallationResult (BF37) nor a signed notification (30)");
  }
  out.der = copy(t.raw);
  return out;
}

// RetrieveNotificationsListResponse ::= [43] CHOICE { notificationList SEQUENCE OF
// PendingNotification, notificationsListResultError INTEGER } → BF2B { A0 {..} | 81 }
std::vector<PendingNotification> decode_retrieve_notifications_response(ByteView response) {
  return decode_list_or_error(response, 0xBF2B, "RetrieveNotificationsList response",
                              "a notification list", decode_pending_notification,
                              [](uint64_t code) -> std::vector<PendingNotification> {
                                if (code == 1) return {};  // noResultAvailable (v2.2.2 and older)
                                throw retrieve_notifications_error(code);
                              });
}

// ---- RemoveNotificationFromList ------------------------------------------------------------

// NotificationSentRequest ::= [48] SEQUENCE { seqNumber [0] INTEGER } → BF30 { 80 }
Bytes encode_remove_notification_request(uint64_t seq_number) {
  return tlv::Builder(0xBF30).add(0x80, tlv::encode_uint(seq_number)).bytes();
}

// NotificationSentResponse ::= [48] SEQUENCE { deleteNotificationStatus INTEGER } → BF30 { 80 }
uint64_t decode_remove_notification_response(ByteView response) {
  return result_code(response, 0xBF30, "RemoveNotificationFromList response");
}

// ---- GetRAT --------------------------------------------------------------------------------

Bytes encode_get_rat_request() {
  return tlv::encode(0xBF43, {});
}

// GetRatResponse ::= [67] SEQUENCE { rat RulesAuthorisationTable } → BF43 { A0 { 30 ... } }
// ProfilePolicyAuthorisationRule ::= SEQUENCE { pprIds PprIds, allowedOperators SEQUENCE OF
// OperatorId, pprFlags BIT STRING } → 30 { 80, A1 { 30 {80 mccMnc, 81 gid1, 82 gid2} ... }, 82 }
std::vector<RatRule> decode_get_rat_response(ByteView response) {
  static constexpr std::string_view kWhat = "GetRAT response";
  tlv::Tlv outer = expect_outer(response, 0xBF43, kWhat);
  std::vector<RatRule> rules;
  for (const tlv::Tlv& entry : outer.require(0xA0, "rat").children()) {
    if (entry.tag != 0x30) malformed(kWhat, "a rule is not a SEQUENCE (30)");
    RatRule rule;
    rule.ppr_ids.mask = decode_named_bits(entry.require(0x80, "pprIds").value, "pprIds");
    for (const tlv::Tlv& op : entry.require(0xA1, "allowedOperators").children()) {
      if (op.tag != 0x30) malformed(kWhat, "an allowed operator is not a SEQUENCE (30)");
      rule.allowed_operators.push_back(decode_operator_id(op.value, /*allow_wildcard=*/true));
    }
    uint64_t flags = decode_named_bits(entry.require(0x82, "pprFlags").value, "pprFlags");
    rule.consent_required = (flags & 1U) != 0;
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace euiccd::lpa
