// How euicc-card shows engine data: names for enum values, versions, tables for people and
// JSON objects (nlohmann) for scripts. The JSON keys are camelCase like SGP.22's ASN.1 names.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lpa/es10_download.h"
#include "lpa/es10_types.h"
#include "lpa/notifications.h"

namespace euiccd::tools {

const char* state_name(lpa::ProfileState state);          // "enabled" / "disabled"
const char* class_name(lpa::ProfileClass profile_class);  // "test" / ... / "operational"
const char* event_name(lpa::NotificationEvent event);     // "install" / ... / "delete"
std::string version_string(ByteView version);             // 3 bytes → "2.2.2"; else hex
std::string rule_names(const lpa::PprIds& rules);         // "ppr1, ppr2" or ""
std::vector<std::string> rsp_capability_names(const lpa::NamedBits<lpa::RspCapability>& caps);
std::vector<std::string> uicc_capability_names(const lpa::UiccCapability& caps);

nlohmann::ordered_json to_json(const lpa::ProfileInfo& profile);
nlohmann::ordered_json to_json(const lpa::NotificationMetadata& notification);
nlohmann::ordered_json to_json(const lpa::ProfileMetadata& metadata);
nlohmann::ordered_json to_json(const lpa::NotificationReport& report);

// Columns padded to the widest cell; the first row is the header.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// The profile list as a table for people.
std::string profile_table(const std::vector<lpa::ProfileInfo>& profiles);
std::string notification_table(const std::vector<lpa::NotificationMetadata>& notifications);
// "Demo Telecom — Demo prepaid (operational), ICCID 8944..." block for the confirmation prompt.
std::string describe_metadata(const lpa::ProfileMetadata& metadata);
// One line per outcome and a summary line.
std::string describe_report(const lpa::NotificationReport& report);

}  // namespace euiccd::tools
