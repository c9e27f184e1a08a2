// ES10c: local profile management (SGP.22 §5.7.15 – §5.7.21).
#include <string>

#include "lpa/es10_codec.h"
#include "lpa/es10_codec_internal.h"
#include "lpa/iccid.h"
#include "lpa/nickname.h"
#include "lpa/result_codes.h"

namespace euiccd::lpa {

using namespace es10_detail;

namespace {

// The profileIdentifier CHOICE { isdpAid [APPLICATION 15] (4F), iccid Iccid (5A) }.
Bytes profile_identifier_tlv(const ProfileIdentifier& profile) {
  if (profile.kind == ProfileIdentifier::Kind::IsdpAid) {
    if (profile.isdp_aid.empty() || profile.isdp_aid.size() > 16)
      throw Error(Errc::InvalidArgument, "an ISD-P AID has 1 to 16 bytes");
    return tlv::encode(0x4F, profile.isdp_aid);
  }
  return tlv::encode(0x5A, encode_iccid(profile.iccid));  // validates the ICCID
}

template <typename Enum>
Enum small_enum(const tlv::Tlv& t, uint64_t max, std::string_view what) {
  uint64_t v = tlv::decode_uint(t.value, what);
  if (v > max)
    malformed("ProfileInfo", std::string(what) + " has the unknown value " + std::to_string(v));
  return static_cast<Enum>(v);
}

// NotificationConfigurationInformation ::= SEQUENCE { profileManagementOperation
// NotificationEvent, notificationAddress UTF8String }: no member tagged → 80, 81.
std::vector<NotificationConfiguration> decode_notification_configuration(const tlv::Tlv& b6) {
  std::vector<NotificationConfiguration> out;
  for (const tlv::Tlv& entry : b6.children()) {
    if (entry.tag != 0x30)
      malformed("ProfileInfo", "a notificationConfigurationInfo entry is not a SEQUENCE (30)");
    NotificationConfiguration c;
    c.events.mask = decode_named_bits(entry.require(0x80, "profileManagementOperation").value,
                                      "notificationConfigurationInfo");
    c.address = text(entry.require(0x81, "notificationAddress").value);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

// ---- GetEID --------------------------------------------------------------------------------

// GetEuiccDataRequest ::= [62] SEQUENCE { tagList [APPLICATION 28] Octet1 } with '5A'.
Bytes encode_get_eid_request() {
  static constexpr uint8_t kEidTag[] = {0x5A};
  return tlv::Builder(0xBF3E).add(0x5C, kEidTag).bytes();
}

// GetEuiccDataResponse ::= [62] SEQUENCE { eidValue [APPLICATION 26] Octet16 } → BF3E { 5A 10 }
std::string decode_get_eid_response(ByteView response) {
  static constexpr std::string_view kWhat = "GetEID response";
  const tlv::Tlv outer = expect_outer(response, 0xBF3E, kWhat);
  return to_hex(sixteen_byte_member(outer, 0x5A, "eidValue", kWhat, "an EID"));
}

// ---- GetProfilesInfo -----------------------------------------------------------------------

Bytes default_profile_info_tag_list() {
  // ProfileInfo members in declaration order; 9F70 is a two-byte tag written in full.
  return {0x5A, 0x4F, 0x9F, 0x70, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0xB6, 0xB7, 0xB8, 0x99};
}

// ProfileInfoListRequest ::= [45] SEQUENCE { searchCriteria [0] CHOICE { isdpAid (4F), iccid
// (5A), profileClass [21] (95) } OPTIONAL, tagList [APPLICATION 28] OCTET STRING OPTIONAL }.
// A tag on a CHOICE is explicit, so the criteria sit in A0.
Bytes encode_get_profiles_info_request(const std::optional<ProfileSearchCriteria>& criteria,
                                       const std::optional<Bytes>& tag_list) {
  tlv::Builder b(0xBF2D);
  if (criteria) {
    tlv::Builder search(0xA0);
    if (const auto* profile = std::get_if<ProfileIdentifier>(&*criteria)) {
      search.add_raw(profile_identifier_tlv(*profile));
    } else {
      search.add(0x95, tlv::encode_uint(static_cast<uint64_t>(std::get<ProfileClass>(*criteria))));
    }
    b.add(search);
  }
  if (tag_list) b.add(0x5C, *tag_list);
  return b.bytes();
}

// ProfileInfo ::= [PRIVATE 3] SEQUENCE: every member carries its own tag (see es10_types.h).
ProfileInfo decode_profile_info(ByteView e3_tlv) {
  static constexpr std::string_view kWhat = "ProfileInfo";
  tlv::Tlv outer = expect_outer(e3_tlv, 0xE3, kWhat);
  ProfileInfo p;
  for (const tlv::Tlv& f : outer.children()) {
    switch (f.tag) {
      case 0x5A: p.iccid = decode_iccid(f.value); break;
      case 0x4F: p.isdp_aid = copy(f.value); break;
      case 0x9F70: p.state = small_enum<ProfileState>(f, 1, "profileState"); break;
      case 0x90: p.nickname = text(f.value); break;
      case 0x91: p.service_provider_name = text(f.value); break;
      case 0x92: p.profile_name = text(f.value); break;
      case 0x93: p.icon_type = small_enum<IconType>(f, 1, "iconType"); break;
      case 0x94: p.icon = copy(f.value); break;
      case 0x95: p.profile_class = small_enum<ProfileClass>(f, 2, "profileClass"); break;
      case 0xB6: p.notification_configuration = decode_notification_configuration(f); break;
      case 0xB7: p.profile_owner = decode_operator_id(f.value); break;
      case 0xB8: p.dp_proprietary_data = copy(f.raw); break;
      case 0x99:
        p.profile_policy_rules = PprIds{decode_named_bits(f.value, "profilePolicyRules")};
        break;
      default: break;  // refArDo (BF76), serviceSpecificData (BF22) and later fields
    }
  }
  return p;
}

// ProfileInfoListResponse ::= [45] CHOICE { profileInfoListOk SEQUENCE OF ProfileInfo,
// profileInfoListError INTEGER }: untagged alternatives → A0, 81.
std::vector<ProfileInfo> decode_get_profiles_info_response(ByteView response) {
  return decode_list_or_error(
      response, 0xBF2D, "GetProfilesInfo response", "a profile list", decode_profile_info,
      [](uint64_t code) -> std::vector<ProfileInfo> { throw profile_info_list_error(code); });
}

// ---- EnableProfile / DisableProfile / DeleteProfile ----------------------------------------

// EnableProfileRequest ::= [49] SEQUENCE { profileIdentifier CHOICE {...}, refreshFlag BOOLEAN }:
// no member tagged → the CHOICE becomes A0 (constructed), the BOOLEAN 81 (DER TRUE = FF).
namespace {

// EnableProfile and DisableProfile differ only in the tag.
Bytes profile_switch_request(tlv::Tag tag, const ProfileIdentifier& profile, bool refresh) {
  const uint8_t flag[] = {static_cast<uint8_t>(refresh ? 0xFF : 0x00)};
  return tlv::Builder(tag)
      .add(tlv::Builder(0xA0).add_raw(profile_identifier_tlv(profile)))
      .add(0x81, flag)
      .bytes();
}

}  // namespace

Bytes encode_enable_profile_request(const ProfileIdentifier& profile, bool refresh) {
  return profile_switch_request(0xBF31, profile, refresh);
}

uint64_t decode_enable_profile_response(ByteView response) {
  return result_code(response, 0xBF31, "EnableProfile response");
}

// DisableProfileRequest has the same shape under [50].
Bytes encode_disable_profile_request(const ProfileIdentifier& profile, bool refresh) {
  return profile_switch_request(0xBF32, profile, refresh);
}

uint64_t decode_disable_profile_response(ByteView response) {
  return result_code(response, 0xBF32, "DisableProfile response");
}

// DeleteProfileRequest ::= [51] CHOICE { isdpAid (4F), iccid (5A) }: the request IS the
// CHOICE, so 4F/5A sit directly in BF33 (no A0).
Bytes encode_delete_profile_request(const ProfileIdentifier& profile) {
  return tlv::Builder(0xBF33).add_raw(profile_identifier_tlv(profile)).bytes();
}

uint64_t decode_delete_profile_response(ByteView response) {
  return result_code(response, 0xBF33, "DeleteProfile response");
}

// ---- SetNickname ---------------------------------------------------------------------------

// SetNicknameRequest ::= [41] SEQUENCE { iccid Iccid (5A), profileNickname [16] (90) }
Bytes encode_set_nickname_request(std::string_view iccid, std::string_view nickname) {
  if (nickname.size() > kMaxNicknameBytes)
    throw Error(Errc::InvalidArgument, "the nickname is " + std::to_string(nickname.size()) +
                                           " bytes long; the eUICC allows at most " +
                                           std::to_string(kMaxNicknameBytes) + " bytes of UTF-8");
  if (!is_valid_utf8(nickname))
    throw Error(Errc::InvalidArgument, "the nickname is not valid UTF-8");
  return tlv::Builder(0xBF29).add(0x5A, encode_iccid(iccid)).add(0x90, nickname).bytes();
}

uint64_t decode_set_nickname_response(ByteView response) {
  return result_code(response, 0xBF29, "SetNickname response");
}

// ---- eUICCMemoryReset ----------------------------------------------------------------------

// EuiccMemoryResetRequest ::= [52] SEQUENCE { resetOptions [2] BIT STRING {...} } → BF34 { 82 }
Bytes encode_memory_reset_request(const MemoryResetOptions& options) {
  uint64_t mask = 0;
  if (options.delete_operational_profiles) mask |= 1U << 0;
  if (options.delete_field_loaded_test_profiles) mask |= 1U << 1;
  if (options.reset_default_smdp_address) mask |= 1U << 2;
  if (mask == 0)
    throw Error(Errc::InvalidArgument,
                "choose at least one memory reset option (delete operational profiles, delete "
                "test profiles, reset the default SM-DP+ address)");
  return tlv::Builder(0xBF34).add(0x82, encode_named_bits(mask)).bytes();
}

uint64_t decode_memory_reset_response(ByteView response) {
  return result_code(response, 0xBF34, "eUICCMemoryReset response");
}

}  // namespace euiccd::lpa
