#include "veuicc/state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <sstream>

#include "base/error.h"
#include "lpa/iccid.h"
#include "lpa/value_names.h"

namespace euiccd::veuicc {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error(Errc::InvalidArgument, "veuicc state: " + where + ": " + what);
}

using lpa::kNotificationEventNames;
using lpa::kPprNames;
using lpa::kProfileClassNames;
const std::array<const char*, 2> kIconNames = {"jpg", "png"};

uint8_t index_of(std::span<const char* const> names, const std::string& value,
                 const std::string& where) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (value == names[i]) return static_cast<uint8_t>(i);
  }
  std::string allowed;
  for (const char* n : names) allowed += std::string(allowed.empty() ? "" : ", ") + n;
  bad(where, "\"" + value + "\" is not one of " + allowed);
}

std::string get_string(const json& j, const std::string& where) {
  if (!j.is_string()) bad(where, "expected a string");
  return j.get<std::string>();
}

Bytes get_hex(const json& j, const std::string& where) {
  try {
    return from_hex(get_string(j, where));
  } catch (const Error& e) {
    bad(where, e.what());
  }
}

uint64_t get_uint(const json& j, const std::string& where) {
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<int64_t>() >= 0)) {
    bad(where, "expected a non-negative integer");
  }
  return j.get<uint64_t>();
}

std::optional<std::string> opt_string(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return std::nullopt;
  return get_string(j.at(key), where + "." + key);
}

uint32_t ppr_mask(const json& j, const std::string& where) {
  if (!j.is_array()) bad(where, "expected an array of rule names");
  uint32_t mask = 0;
  for (const auto& name : j) mask |= 1u << index_of(kPprNames, get_string(name, where), where);
  return mask;
}

json ppr_names(uint32_t mask) {
  json out = json::array();
  for (size_t i = 0; i < std::size(kPprNames); ++i) {
    if (mask & (1u << i)) out.push_back(kPprNames[i]);
  }
  return out;
}

OperatorId operator_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object");
  OperatorId op;
  op.mcc_mnc = get_hex(j.at("mcc_mnc"), where + ".mcc_mnc");
  if (op.mcc_mnc.size() != 3) bad(where + ".mcc_mnc", "must be 3 bytes (6 hex digits)");
  if (j.contains("gid1")) op.gid1 = get_hex(j["gid1"], where + ".gid1");
  if (j.contains("gid2")) op.gid2 = get_hex(j["gid2"], where + ".gid2");
  return op;
}

json operator_to_json(const OperatorId& op) {
  json j{{"mcc_mnc", to_hex(op.mcc_mnc)}};
  if (op.gid1) j["gid1"] = to_hex(*op.gid1);
  if (op.gid2) j["gid2"] = to_hex(*op.gid2);
  return j;
}

// ISD-P AIDs as a real card numbers them: ...8900001000, ...8900001100, ...
Bytes default_isdp_aid(size_t n) {
  Bytes aid = from_hex("A0000005591010FFFFFFFF8900001000");
  aid[14] = static_cast<uint8_t>(0x10 + n);
  return aid;
}

Profile profile_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object");
  Profile p;
  if (!j.contains("iccid")) bad(where, "iccid is missing");
  p.iccid = get_string(j["iccid"], where + ".iccid");
  if (!lpa::is_valid_iccid(p.iccid)) bad(where + ".iccid", "not 18..20 decimal digits");
  if (j.contains("isdp_aid")) {
    p.isdp_aid = get_hex(j["isdp_aid"], where + ".isdp_aid");
    if (p.isdp_aid.size() < 5 || p.isdp_aid.size() > 16)
      bad(where + ".isdp_aid", "not 5..16 bytes");
  }
  if (j.contains("state")) {
    const std::string s = get_string(j["state"], where + ".state");
    if (s != "enabled" && s != "disabled") bad(where + ".state", "must be enabled or disabled");
    p.enabled = s == "enabled";
  }
  p.nickname = opt_string(j, "nickname", where);
  p.service_provider_name = opt_string(j, "service_provider_name", where);
  p.profile_name = opt_string(j, "profile_name", where);
  if (j.contains("icon_type")) {
    p.icon_type = index_of(kIconNames, get_string(j["icon_type"], where), where + ".icon_type");
  }
  if (j.contains("icon")) p.icon = get_hex(j["icon"], where + ".icon");
  if (j.contains("profile_class")) {
    p.profile_class = static_cast<ProfileClass>(index_of(
        kProfileClassNames, get_string(j["profile_class"], where), where + ".profile_class"));
  }
  if (j.contains("notification_configuration")) {
    const auto& list = j["notification_configuration"];
    if (!list.is_array()) bad(where + ".notification_configuration", "expected an array");
    p.notification_configuration.emplace();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string w = where + ".notification_configuration[" + std::to_string(i) + "]";
      NotificationConfig c;
      c.event = static_cast<NotificationEvent>(
          index_of(kNotificationEventNames, get_string(list[i].at("event"), w), w + ".event"));
      c.address = get_string(list[i].at("address"), w + ".address");
      p.notification_configuration->push_back(c);
    }
  }
  if (j.contains("profile_owner")) {
    p.profile_owner = operator_from_json(j["profile_owner"], where + ".profile_owner");
  }
  if (j.contains("dp_proprietary_data")) {
    p.dp_proprietary_data = get_hex(j["dp_proprietary_data"], where + ".dp_proprietary_data");
  }
  if (j.contains("policy_rules"))
    p.policy_rules = ppr_mask(j["policy_rules"], where + ".policy_rules");
  if (j.contains("size")) p.size = get_uint(j["size"], where + ".size");
  if (j.contains("preloaded")) p.preloaded = j["preloaded"].get<bool>();
  return p;
}

json profile_to_json(const Profile& p) {
  json j{{"iccid", p.iccid},
         {"isdp_aid", to_hex(p.isdp_aid)},
         {"state", p.enabled ? "enabled" : "disabled"},
         {"size", p.size}};
  if (p.nickname) j["nickname"] = *p.nickname;
  if (p.service_provider_name) j["service_provider_name"] = *p.service_provider_name;
  if (p.profile_name) j["profile_name"] = *p.profile_name;
  if (p.icon_type) j["icon_type"] = kIconNames[*p.icon_type];
  if (p.icon) j["icon"] = to_hex(*p.icon);
  if (p.profile_class) j["profile_class"] = lpa::name_in(kProfileClassNames, *p.profile_class, "");
  if (p.notification_configuration) {
    json list = json::array();
    for (const auto& c : *p.notification_configuration) {
      list.push_back({{"event", event_name(c.event)}, {"address", c.address}});
    }
    j["notification_configuration"] = list;
  }
  if (p.profile_owner) j["profile_owner"] = operator_to_json(*p.profile_owner);
  if (p.dp_proprietary_data) j["dp_proprietary_data"] = to_hex(*p.dp_proprietary_data);
  if (p.policy_rules) j["policy_rules"] = ppr_names(*p.policy_rules);
  if (p.preloaded) j["preloaded"] = true;
  return j;
}

}  // namespace

// Defined below; state_from_json wraps it to turn nlohmann's exceptions into Error.
CardState parse_state(const json& j);

CardState state_from_json(const json& j) {
  try {
    return parse_state(j);
  } catch (const json::exception& e) {
    // Missing keys and wrong JSON types inside nested objects.
    bad("JSON", e.what());
  }
}

const char* event_name(NotificationEvent event) {
  return lpa::name_in(kNotificationEventNames, event, "");
}

CardState parse_state(const json& j) {
  if (!j.is_object()) bad("top level", "expected a JSON object");
  CardState s;
  if (j.contains("eid")) {
    s.eid = get_string(j["eid"], "eid");
    if (s.eid.size() != 32 || s.eid.find_first_not_of("0123456789") != std::string::npos) {
      bad("eid", "must be 32 decimal digits");
    }
  }
  s.default_dp_address = opt_string(j, "default_dp_address", "top level");
  if (j.contains("root_ds_address"))
    s.root_ds_address = get_string(j["root_ds_address"], "root_ds_address");
  if (j.contains("next_seq_number"))
    s.next_seq_number = get_uint(j["next_seq_number"], "next_seq_number");
  if (j.contains("memory")) {
    const auto& m = j["memory"];
    if (m.contains("nvm_bytes")) s.nvm_bytes = get_uint(m["nvm_bytes"], "memory.nvm_bytes");
    if (m.contains("free_ram_bytes"))
      s.free_ram_bytes = get_uint(m["free_ram_bytes"], "memory.free_ram_bytes");
  }
  std::set<std::string> iccids;
  std::set<Bytes> aids;
  int enabled = 0;
  if (j.contains("profiles")) {
    if (!j["profiles"].is_array()) bad("profiles", "expected an array");
    for (size_t i = 0; i < j["profiles"].size(); ++i) {
      const std::string where = "profiles[" + std::to_string(i) + "]";
      Profile p = profile_from_json(j["profiles"][i], where);
      if (!iccids.insert(p.iccid).second) bad(where + ".iccid", "duplicate ICCID " + p.iccid);
      if (!p.isdp_aid.empty() && !aids.insert(p.isdp_aid).second)
        bad(where + ".isdp_aid", "duplicate AID");
      enabled += p.enabled ? 1 : 0;
      s.profiles.push_back(std::move(p));
    }
  }
  if (enabled > 1) bad("profiles", "more than one profile is enabled");
  // Profiles without an AID get the next free one.
  size_t n = 0;
  for (auto& p : s.profiles) {
    if (!p.isdp_aid.empty()) continue;
    while (aids.count(default_isdp_aid(n))) ++n;
    p.isdp_aid = default_isdp_aid(n);
    aids.insert(p.isdp_aid);
  }
  if (j.contains("notifications")) {
    if (!j["notifications"].is_array()) bad("notifications", "expected an array");
    for (size_t i = 0; i < j["notifications"].size(); ++i) {
      const std::string where = "notifications[" + std::to_string(i) + "]";
      const auto& e = j["notifications"][i];
      PendingNotification n2;
      n2.seq = get_uint(e.at("seq"), where + ".seq");
      n2.event = static_cast<NotificationEvent>(
          index_of(kNotificationEventNames, get_string(e.at("event"), where), where + ".event"));
      n2.address = get_string(e.at("address"), where + ".address");
      n2.iccid = opt_string(e, "iccid", where);
      if (e.contains("stored")) n2.stored = get_hex(e["stored"], where + ".stored");
      if (n2.seq >= s.next_seq_number) s.next_seq_number = n2.seq + 1;
      s.notifications.push_back(std::move(n2));
    }
  }
  if (j.contains("rat")) {
    for (size_t i = 0; i < j["rat"].size(); ++i) {
      const std::string where = "rat[" + std::to_string(i) + "]";
      const auto& e = j["rat"][i];
      RatRule r;
      r.ppr_ids = ppr_mask(e.at("ppr_ids"), where + ".ppr_ids");
      if (e.contains("allowed_operators")) {
        for (const auto& op : e["allowed_operators"]) {
          r.allowed_operators.push_back(operator_from_json(op, where + ".allowed_operators"));
        }
      }
      r.consent_required = e.value("consent_required", false);
      s.rat.push_back(std::move(r));
    }
  }
  return s;
}

json state_to_json(const CardState& s) {
  json j;
  if (!s.eid.empty()) j["eid"] = s.eid;
  if (s.default_dp_address) j["default_dp_address"] = *s.default_dp_address;
  j["root_ds_address"] = s.root_ds_address;
  j["next_seq_number"] = s.next_seq_number;
  j["memory"] = {{"nvm_bytes", s.nvm_bytes}, {"free_ram_bytes", s.free_ram_bytes}};
  j["profiles"] = json::array();
  for (const auto& p : s.profiles) j["profiles"].push_back(profile_to_json(p));
  j["notifications"] = json::array();
  for (const auto& n : s.notifications) {
    json e{{"seq", n.seq}, {"event", event_name(n.event)}, {"address", n.address}};
    if (n.iccid) e["iccid"] = *n.iccid;
    if (n.stored) e["stored"] = to_hex(*n.stored);
    j["notifications"].push_back(e);
  }
  j["rat"] = json::array();
  for (const auto& r : s.rat) {
    json e{{"ppr_ids", ppr_names(r.ppr_ids)}, {"consent_required", r.consent_required}};
    e["allowed_operators"] = json::array();
    for (const auto& op : r.allowed_operators)
      e["allowed_operators"].push_back(operator_to_json(op));
    j["rat"].push_back(e);
  }
  return j;
}

CardState load_state_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(Errc::InvalidArgument, "cannot read veuicc state file " + path);
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(Errc::InvalidArgument, path + " is not valid JSON");
  try {
    return state_from_json(j);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

StateStore StateStore::open(const std::string& state_path, const std::string& seed_path) {
  CardState initial;
  if (!state_path.empty() && access(state_path.c_str(), F_OK) == 0) {
    initial = load_state_file(state_path);
  } else if (!seed_path.empty()) {
    initial = load_state_file(seed_path);
  }
  StateStore store(state_path, std::move(initial));
  store.commit();
  return store;
}

void StateStore::commit() {
  if (path_.empty()) return;
  const std::string text = state_to_json(state_).dump(2) + "\n";
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(Errc::Internal, "cannot write " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw Error(Errc::Internal, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw Error(Errc::Internal, "cannot flush " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    throw Error(Errc::Internal, "cannot rename " + tmp + ": " + std::strerror(errno));
  }
  const auto slash = path_.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

Bytes next_free_isdp_aid(const CardState& state) {
  for (size_t n = 0;; ++n) {
    Bytes aid = default_isdp_aid(n);
    const bool used = std::any_of(state.profiles.begin(), state.profiles.end(),
                                  [&](const Profile& p) { return p.isdp_aid == aid; });
    if (!used) return aid;
  }
}

}  // namespace euiccd::veuicc
