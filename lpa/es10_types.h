// Plain data of the ES10a/b/c local management functions (SGP.22 §5.7), as the engine uses it.
// Field comments name the DER tag the value travels in (see sgp22-digest §2 and the ASN.1
// modules in ../shared/reference/asn1). Codecs are in lpa/es10_codec.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"

namespace euiccd::lpa {

// A BIT STRING with named bits, as a mask: bit n of `mask` is the ASN.1 named bit n (the
// first bit on the wire). Bits above 63 are not kept (no SGP.22 v2 type uses them).
template <typename Name>
struct NamedBits {
  uint64_t mask = 0;

  bool has(Name bit) const { return (mask >> static_cast<unsigned>(bit)) & 1U; }
  NamedBits& set(Name bit) {
    mask |= uint64_t{1} << static_cast<unsigned>(bit);
    return *this;
  }
  bool empty() const { return mask == 0; }
  bool operator==(const NamedBits&) const = default;
};

enum class ProfileState { Disabled = 0, Enabled = 1 };
enum class ProfileClass { Test = 0, Provisioning = 1, Operational = 2 };
enum class IconType { Jpg = 0, Png = 1 };

// NotificationEvent named bits.
enum class NotificationEvent : unsigned { Install = 0, Enable = 1, Disable = 2, Delete = 3 };
using NotificationEvents = NamedBits<NotificationEvent>;

// PprIds named bits (ppr3 existed only before v2.2.2 and is ignored).
enum class Ppr : unsigned {
  UpdateControl = 0,
  Ppr1DisableNotAllowed = 1,
  Ppr2DeleteNotAllowed = 2
};
using PprIds = NamedBits<Ppr>;

// RspCapability named bits (EUICCInfo2 tag 88).
enum class RspCapability : unsigned {
  AdditionalProfile = 0,
  CrlSupport = 1,
  RpmSupport = 2,
  TestProfileSupport = 3,
  DeviceInfoExtensibilitySupport = 4,  // v2.2.2+
  ServiceSpecificDataSupport = 5,      // v2.5+
};

// UICCCapability is a long list (TCA PEDefinitions ServicesList); kept as a mask, bit n =
// ServicesList entry n (0 contactless, 1 usim, 2 isim, 3 csim, ...).
using UiccCapability = NamedBits<unsigned>;

// OperatorId (ProfileInfo B7, RAT allowedOperators).
struct OperatorId {
  // MCC followed by the 2 or 3 MNC digits ("20606", "310410"), from the 3-byte TS 24.008 coding.
  // In RAT rules an 'E' stands for "any digit".
  std::string mcc_mnc;
  std::optional<Bytes> gid1;  // 81: EF.GID1 content
  std::optional<Bytes> gid2;  // 82: EF.GID2 content
  bool operator==(const OperatorId&) const = default;
};

// NotificationConfigurationInformation (ProfileInfo B6 entry: 30 { 80 events, 81 address }).
struct NotificationConfiguration {
  NotificationEvents events;  // normally exactly one event
  std::string address;        // FQDN of the server that wants the notification
  bool operator==(const NotificationConfiguration&) const = default;
};

// ProfileInfo (E3). Every field is OPTIONAL in the ASN.1; the card sends what the tag list asks.
struct ProfileInfo {
  std::string iccid;                                                  // 5A, digits ("" if absent)
  Bytes isdp_aid;                                                     // 4F
  std::optional<ProfileState> state;                                  // 9F70
  std::string nickname;                                               // 90
  std::string service_provider_name;                                  // 91
  std::string profile_name;                                           // 92
  std::optional<IconType> icon_type;                                  // 93
  Bytes icon;                                                         // 94
  std::optional<ProfileClass> profile_class;                          // 95
  std::vector<NotificationConfiguration> notification_configuration;  // B6
  std::optional<OperatorId> profile_owner;                            // B7
  std::optional<Bytes> dp_proprietary_data;    // B8, the whole TLV as received
  std::optional<PprIds> profile_policy_rules;  // 99
};

// Which profile a command is about: SGP.22 accepts the ICCID or the ISD-P AID.
struct ProfileIdentifier {
  enum class Kind { Iccid, IsdpAid };
  Kind kind = Kind::Iccid;
  std::string iccid;  // when kind == Iccid: 18..20 digits
  Bytes isdp_aid;     // when kind == IsdpAid: 1..16 bytes

  // Both validate and throw Error(InvalidArgument).
  static ProfileIdentifier from_iccid(std::string_view digits);
  static ProfileIdentifier from_isdp_aid(ByteView aid);
};

// GetProfilesInfo searchCriteria (A0 { 4F | 5A | 95 }).
using ProfileSearchCriteria = std::variant<ProfileIdentifier, ProfileClass>;

// EUICCInfo1 (BF20).
struct EuiccInfo1 {
  Bytes svn;                                // 82, VersionType (3 bytes: major, minor, revision)
  std::vector<Bytes> ci_pkid_verification;  // A9 { 04 SKI ... }
  std::vector<Bytes> ci_pkid_signing;       // AA { 04 SKI ... }
};

// ExtendedCardResourceInformation (ETSI TS 102 226 §8.2.1.7.2) inside EUICCInfo2 tag 84.
struct ExtCardResource {
  std::optional<uint64_t> installed_apps;  // 81
  std::optional<uint64_t> free_nvm;        // 82, bytes
  std::optional<uint64_t> free_ram;        // 83, bytes
};

// EUICCInfo2 (BF22). Unknown (newer) fields are ignored.
struct EuiccInfo2 {
  Bytes profile_version;        // 81
  Bytes svn;                    // 82
  Bytes firmware_version;       // 83
  Bytes ext_card_resource_raw;  // 84 as received
  ExtCardResource ext_card_resource;
  UiccCapability uicc_capability;                 // 85
  std::optional<Bytes> ts102241_version;          // 86
  std::optional<Bytes> gp_version;                // 87
  NamedBits<RspCapability> rsp_capability;        // 88
  std::vector<Bytes> ci_pkid_verification;        // A9
  std::vector<Bytes> ci_pkid_signing;             // AA
  std::optional<uint64_t> euicc_category;         // 8B: other 0, basic 1, medium 2, contactless 3
  std::optional<PprIds> forbidden_ppr;            // 99
  Bytes pp_version;                               // 04
  std::string sas_accreditation_number;           // 0C
  std::optional<std::string> platform_label;      // AC { 80 }
  std::optional<std::string> discovery_base_url;  // AC { 81 }
};

// NotificationMetadata (BF2F { 80 seq, 81 event, 0C address, [5A iccid] }).
struct NotificationMetadata {
  uint64_t seq_number = 0;
  NotificationEvent operation = NotificationEvent::Install;
  std::string address;
  std::optional<std::string> iccid;
  bool operator==(const NotificationMetadata&) const = default;
};

// One entry of RetrieveNotificationsList: BF37 ProfileInstallationResult for installs, or
// 30 OtherSignedNotification. `der` is the complete TLV exactly as the card sent it; it is
// signed by the eUICC and must reach the server byte for byte.
struct PendingNotification {
  NotificationMetadata metadata;
  Bytes der;
};

// EuiccConfiguredAddresses (BF3C { [80 default SM-DP+], 81 root SM-DS }).
struct ConfiguredAddresses {
  std::optional<std::string> default_dp_address;
  std::string root_ds_address;
};

// eUICCMemoryReset resetOptions.
struct MemoryResetOptions {
  bool delete_operational_profiles = false;        // bit 0
  bool delete_field_loaded_test_profiles = false;  // bit 1
  bool reset_default_smdp_address = false;         // bit 2
};

// ProfilePolicyAuthorisationRule (GetRAT entry 30 { 80 pprIds, A1 { 30 OperatorId ... }, 82 flags
// }).
struct RatRule {
  PprIds ppr_ids;
  std::vector<OperatorId> allowed_operators;
  bool consent_required = false;  // pprFlags bit 0
};

}  // namespace euiccd::lpa
