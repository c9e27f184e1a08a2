// Everything the virtual eUICC remembers across runs: profiles with their metadata, pending
// notifications, the notification sequence counter, the configured addresses. Kept as JSON
// (schema in veuicc/README.md) and written atomically after every change, so a test can
// inspect it and a crash never leaves half a file.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace euiccd::veuicc {

// NotificationEvent bit numbers (SGP.22 ASN.1).
enum class NotificationEvent : uint8_t { Install = 0, Enable = 1, Disable = 2, Delete = 3 };
// ProfileClass values.
enum class ProfileClass : uint8_t { Test = 0, Provisioning = 1, Operational = 2 };

// PprIds named bits as a mask: bit i set = named bit i.
inline constexpr uint32_t kPprUpdateControl = 1u << 0;
inline constexpr uint32_t kPpr1 = 1u << 1;  // disabling of this profile is not allowed
inline constexpr uint32_t kPpr2 = 1u << 2;  // deletion of this profile is not allowed

struct NotificationConfig {
  NotificationEvent event = NotificationEvent::Install;
  std::string address;
};

struct OperatorId {
  Bytes mcc_mnc;  // 3 bytes, TS 24.008 coding
  std::optional<Bytes> gid1;
  std::optional<Bytes> gid2;
};

struct Profile {
  std::string iccid;  // decimal digits
  Bytes isdp_aid;
  bool enabled = false;
  std::optional<std::string> nickname;
  std::optional<std::string> service_provider_name;
  std::optional<std::string> profile_name;
  std::optional<uint8_t> icon_type;  // jpg 0, png 1
  std::optional<Bytes> icon;
  std::optional<ProfileClass> profile_class;
  std::optional<std::vector<NotificationConfig>> notification_configuration;
  std::optional<OperatorId> profile_owner;
  std::optional<Bytes> dp_proprietary_data;  // content octets of B8
  std::optional<uint32_t> policy_rules;      // PprIds mask
  uint64_t size = 0;                         // bytes of NVM the profile occupies
  bool preloaded = false;                    // not "field loaded" (matters for memory reset)
};

struct PendingNotification {
  uint64_t seq = 0;
  NotificationEvent event = NotificationEvent::Enable;
  std::string address;
  std::optional<std::string> iccid;
  // A complete PendingNotification TLV kept as is (installs store their signed BF37 here);
  // when absent the card builds and signs the OtherSignedNotification on retrieval.
  std::optional<Bytes> stored;
};

struct RatRule {
  uint32_t ppr_ids = 0;
  std::vector<OperatorId> allowed_operators;
  bool consent_required = false;
};

struct CardState {
  std::string eid;  // 32 digits; empty: taken from --eid or the eUICC certificate
  std::optional<std::string> default_dp_address;
  std::string root_ds_address = "lpa.ds.gsma.com";
  uint64_t next_seq_number = 1;
  uint64_t nvm_bytes = 2 * 1024 * 1024;  // capacity for profiles; free NVM = this - sizes
  uint64_t free_ram_bytes = 64 * 1024;
  std::vector<Profile> profiles;
  std::vector<PendingNotification> notifications;
  std::vector<RatRule> rat;
};

// JSON ⇄ state. from_json validates (ICCIDs, AIDs, one enabled profile at most, unique
// identifiers) and throws Error(InvalidArgument) naming the bad field.
CardState state_from_json(const nlohmann::json& json);
nlohmann::json state_to_json(const CardState& state);

const char* event_name(NotificationEvent event);

// Owns the state and where it lives. An empty path keeps it in memory only (unit tests).
class StateStore {
 public:
  StateStore(std::string path, CardState initial)
      : path_(std::move(path)), state_(std::move(initial)) {}
  // Loads `state_path` if it exists, else `seed_path` (if given), else an empty card; the
  // result is written to `state_path` at once so the file always exists while running.
  static StateStore open(const std::string& state_path, const std::string& seed_path);

  CardState& state() { return state_; }
  const CardState& state() const { return state_; }
  // Writes the state: temp file + fsync + rename + fsync of the directory.
  void commit();

 private:
  std::string path_;
  CardState state_;
};

CardState load_state_file(const std::string& path);

// The ISD-P AID a newly installed profile gets: the first of ...8900001000, ...8900001100, ...
// that no profile uses.
Bytes next_free_isdp_aid(const CardState& state);

}  // namespace euiccd::veuicc
