#include "tools/euicc_card_format.h"

#include <algorithm>
#include <span>
#include <sstream>

#include "base/error.h"
#include "lpa/value_names.h"

namespace euiccd::tools {
namespace {

using json = nlohmann::ordered_json;

// UICCCapability named bits (RSPDefinitions, from SIMalliance PEDefinitions ServicesList).
const char* const kUiccCapabilityNames[] = {
    "contactlessSupport",
    "usimSupport",
    "isimSupport",
    "csimSupport",
    "akaMilenage",
    "akaCave",
    "akaTuak128",
    "akaTuak256",
    "rfu1",
    "rfu2",
    "gbaAuthenUsim",
    "gbaAuthenISim",
    "mbmsAuthenUsim",
    "eapClient",
    "javacard",
    "multos",
    "multipleUsimSupport",
    "multipleIsimSupport",
    "multipleCsimSupport",
    "berTlvFileSupport",
    "dfLinkSupport",
    "catTp",
    "getIdentity",
    "profile-a-x25519",
    "profile-b-p256",
    "suciCalculatorApi",
};
const char* const kRspCapabilityNames[] = {
    "additionalProfile",
    "crlSupport",
    "rpmSupport",
    "testProfileSupport",
    "deviceInfoExtensibilitySupport",
    "serviceSpecificDataSupport",
};

std::vector<std::string> bit_names(uint64_t mask, std::span<const char* const> names) {
  std::vector<std::string> out;
  for (unsigned bit = 0; bit < 64; ++bit) {
    if (!((mask >> bit) & 1U)) continue;
    out.emplace_back(bit < names.size() ? names[bit] : "bit" + std::to_string(bit));
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

json operator_json(const lpa::OperatorId& op) {
  json j{{"mccMnc", op.mcc_mnc}};
  if (op.gid1) j["gid1"] = to_hex(*op.gid1);
  if (op.gid2) j["gid2"] = to_hex(*op.gid2);
  return j;
}

json notification_configuration_json(const std::vector<lpa::NotificationConfiguration>& list) {
  json out = json::array();
  for (const auto& c : list) {
    std::vector<std::string> events;
    for (unsigned e = 0; e < 4; ++e) {
      if (c.events.has(static_cast<lpa::NotificationEvent>(e)))
        events.emplace_back(event_name(static_cast<lpa::NotificationEvent>(e)));
    }
    out.push_back({{"events", events}, {"address", c.address}});
  }
  return out;
}

}  // namespace

const char* state_name(lpa::ProfileState state) {
  return state == lpa::ProfileState::Enabled ? "enabled" : "disabled";
}

const char* class_name(lpa::ProfileClass profile_class) {
  return lpa::name_of(profile_class, "?");
}

const char* event_name(lpa::NotificationEvent event) {
  return lpa::name_of(event, "?");
}

std::string version_string(ByteView version) {
  if (version.size() != 3) return to_hex(version);
  return std::to_string(version[0]) + "." + std::to_string(version[1]) + "." +
         std::to_string(version[2]);
}

std::string rule_names(const lpa::PprIds& rules) {
  return join(bit_names(rules.mask, lpa::kPprNames), ", ");
}

std::vector<std::string> rsp_capability_names(const lpa::NamedBits<lpa::RspCapability>& caps) {
  return bit_names(caps.mask, kRspCapabilityNames);
}

std::vector<std::string> uicc_capability_names(const lpa::UiccCapability& caps) {
  return bit_names(caps.mask, kUiccCapabilityNames);
}

json to_json(const lpa::ProfileInfo& p) {
  json j{{"iccid", p.iccid}, {"isdpAid", to_hex(p.isdp_aid)}};
  j["state"] = p.state ? json(state_name(*p.state)) : json(nullptr);
  j["nickname"] = p.nickname;
  j["serviceProviderName"] = p.service_provider_name;
  j["profileName"] = p.profile_name;
  j["profileClass"] = p.profile_class ? json(class_name(*p.profile_class)) : json(nullptr);
  if (p.icon_type) j["iconType"] = *p.icon_type == lpa::IconType::Png ? "png" : "jpg";
  if (!p.icon.empty()) j["iconBytes"] = p.icon.size();
  if (!p.notification_configuration.empty()) {
    j["notificationConfiguration"] = notification_configuration_json(p.notification_configuration);
  }
  if (p.profile_owner) j["profileOwner"] = operator_json(*p.profile_owner);
  if (p.dp_proprietary_data) j["dpProprietaryData"] = to_hex(*p.dp_proprietary_data);
  if (p.profile_policy_rules)
    j["profilePolicyRules"] = bit_names(p.profile_policy_rules->mask, lpa::kPprNames);
  return j;
}

json to_json(const lpa::NotificationMetadata& n) {
  json j{{"seqNumber", n.seq_number}, {"event", event_name(n.operation)}, {"address", n.address}};
  j["iccid"] = n.iccid ? json(*n.iccid) : json(nullptr);
  return j;
}

json to_json(const lpa::ProfileMetadata& m) {
  json j{{"iccid", m.iccid},
         {"serviceProviderName", m.service_provider_name},
         {"profileName", m.profile_name},
         {"profileClass", class_name(m.profile_class)}};
  if (m.profile_owner) j["profileOwner"] = operator_json(*m.profile_owner);
  if (m.profile_policy_rules)
    j["profilePolicyRules"] = bit_names(m.profile_policy_rules->mask, lpa::kPprNames);
  if (!m.notification_configuration.empty()) {
    j["notificationConfiguration"] = notification_configuration_json(m.notification_configuration);
  }
  return j;
}

json to_json(const lpa::NotificationReport& report) {
  json outcomes = json::array();
  for (const auto& o : report.outcomes) {
    json j = to_json(o.metadata);
    j["delivered"] = o.delivered;
    j["removed"] = o.removed;
    if (o.error_code) j["errorCode"] = errc_name(*o.error_code);
    if (!o.error.empty()) j["error"] = o.error;
    outcomes.push_back(std::move(j));
  }
  return {{"sent", report.sent}, {"failed", report.failed}, {"notifications", outcomes}};
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  // Widths in code points, so "—" and accented names line up.
  const auto width = [](const std::string& s) {
    return static_cast<size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string profile_table(const std::vector<lpa::ProfileInfo>& profiles) {
  if (profiles.empty()) return "No profiles on this eUICC.\n";
  std::vector<std::vector<std::string>> rows{
      {"ICCID", "STATE", "NICKNAME", "PROVIDER", "PROFILE NAME", "CLASS"}};
  for (const auto& p : profiles) {
    rows.push_back({p.iccid, p.state ? state_name(*p.state) : "?",
                    p.nickname.empty() ? "-" : p.nickname,
                    p.service_provider_name.empty() ? "-" : p.service_provider_name,
                    p.profile_name.empty() ? "-" : p.profile_name,
                    p.profile_class ? class_name(*p.profile_class) : "-"});
  }
  return format_table(rows);
}

std::string notification_table(const std::vector<lpa::NotificationMetadata>& notifications) {
  if (notifications.empty()) return "No pending notifications.\n";
  std::vector<std::vector<std::string>> rows{{"SEQ", "EVENT", "ICCID", "SERVER"}};
  for (const auto& n : notifications) {
    rows.push_back(
        {std::to_string(n.seq_number), event_name(n.operation), n.iccid.value_or("-"), n.address});
  }
  return format_table(rows);
}

std::string describe_metadata(const lpa::ProfileMetadata& m) {
  std::ostringstream out;
  out << "  Provider:      " << m.service_provider_name << "\n"
      << "  Profile name:  " << m.profile_name << "\n"
      << "  ICCID:         " << m.iccid << "\n"
      << "  Class:         " << class_name(m.profile_class) << "\n";
  if (m.profile_owner) out << "  Operator:      " << m.profile_owner->mcc_mnc << " (MCC MNC)\n";
  if (m.profile_policy_rules && !m.profile_policy_rules->empty()) {
    out << "  Policy rules:  " << rule_names(*m.profile_policy_rules) << "\n";
  }
  return out.str();
}

std::string describe_report(const lpa::NotificationReport& report) {
  std::ostringstream out;
  for (const auto& o : report.outcomes) {
    out << "  #" << o.metadata.seq_number << " " << event_name(o.metadata.operation) << " → "
        << o.metadata.address << ": ";
    if (o.delivered && o.removed) {
      out << "delivered, removed from the card\n";
    } else if (o.delivered) {
      out << "delivered, but still on the card: " << o.error << "\n";
    } else {
      out << "NOT delivered, kept on the card: " << o.error << "\n";
    }
  }
  out << report.sent << " delivered, " << report.failed << " failed\n";
  return out.str();
}

}  // namespace euiccd::tools
