// euicc-card's local management commands (ES10a/ES10c, EUICCInfo): no server involved.
#include <unistd.h>

#include <iostream>
#include <string>

#include "base/error.h"
#include "lpa/activation_code.h"
#include "lpa/iccid.h"
#include "tools/euicc_card_commands.h"
#include "tools/euicc_card_format.h"

namespace euiccd::tools {
namespace {

using json = nlohmann::ordered_json;

// "8944476500001224158" (18..20 digits) is an ICCID; 10..32 hex digits are an ISD-P AID.
// A 20-digit ICCID written with its F pad ("...F") is accepted too.
lpa::ProfileIdentifier parse_profile(const std::string& text) {
  std::string digits = text;
  if (digits.size() == 20 && (digits.back() == 'F' || digits.back() == 'f')) digits.pop_back();
  if (lpa::is_valid_iccid(digits)) return lpa::ProfileIdentifier::from_iccid(digits);
  if (text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos &&
      text.size() % 2 == 0 && text.size() >= 10 && text.size() <= 32) {
    return lpa::ProfileIdentifier::from_isdp_aid(from_hex(text));
  }
  throw UsageError("\"" + text +
                   "\" is neither an ICCID (18 to 20 digits) nor an ISD-P AID (10 to 32 hex "
                   "digits)");
}

std::string identifier_text(const lpa::ProfileIdentifier& id) {
  return id.kind == lpa::ProfileIdentifier::Kind::Iccid ? id.iccid : to_hex(id.isdp_aid);
}

void report_done(const CommandLine& cmd, const std::string& action,
                 const lpa::ProfileIdentifier& id, const std::string& text) {
  if (cmd.json) {
    json j{{"result", "ok"}, {"action", action}};
    j[id.kind == lpa::ProfileIdentifier::Kind::Iccid ? "iccid" : "isdpAid"] = identifier_text(id);
    print_json(j);
  } else {
    std::cout << text << "\n";
  }
}

}  // namespace

void print_json(const json& document) {
  std::cout << document.dump(2) << "\n";
}

bool ask_yes_no(const std::string& question) {
  if (!isatty(STDIN_FILENO)) {
    throw UsageError("cannot ask \"" + question + "\": stdin is not a terminal; pass --yes");
  }
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

void command_eid(const CommandLine& cmd, const Args&, CardSession& card) {
  const std::string eid = card.es10().get_eid();
  if (cmd.json) {
    print_json({{"eid", eid}, {"reader", card.reader()}});
  } else {
    std::cout << eid << "\n";
  }
}

void command_info(const CommandLine& cmd, const Args&, CardSession& card) {
  const lpa::EuiccInfo1 info1 = card.es10().get_euicc_info1();
  const lpa::EuiccInfo2 info2 = card.es10().get_euicc_info2();
  const auto hex_list = [](const std::vector<Bytes>& list) {
    std::vector<std::string> out;
    for (const auto& b : list) out.push_back(to_hex(b));
    return out;
  };
  const auto& res = info2.ext_card_resource;
  if (cmd.json) {
    json j{{"reader", card.reader()},
           {"svn", version_string(info1.svn)},
           {"profileVersion", version_string(info2.profile_version)},
           {"firmwareVersion", version_string(info2.firmware_version)},
           {"ciPkIdsForVerification", hex_list(info2.ci_pkid_verification)},
           {"ciPkIdsForSigning", hex_list(info2.ci_pkid_signing)},
           {"rspCapability", rsp_capability_names(info2.rsp_capability)},
           {"uiccCapability", uicc_capability_names(info2.uicc_capability)},
           {"ppVersion", version_string(info2.pp_version)},
           {"sasAccreditationNumber", info2.sas_accreditation_number}};
    if (res.installed_apps) j["installedApplications"] = *res.installed_apps;
    if (res.free_nvm) j["freeNonVolatileMemory"] = *res.free_nvm;
    if (res.free_ram) j["freeVolatileMemory"] = *res.free_ram;
    if (info2.ts102241_version) j["ts102241Version"] = version_string(*info2.ts102241_version);
    if (info2.gp_version) j["globalPlatformVersion"] = version_string(*info2.gp_version);
    if (info2.euicc_category) j["euiccCategory"] = *info2.euicc_category;
    if (info2.forbidden_ppr) j["forbiddenProfilePolicyRules"] = rule_names(*info2.forbidden_ppr);
    if (info2.platform_label) j["platformLabel"] = *info2.platform_label;
    if (info2.discovery_base_url) j["discoveryBaseUrl"] = *info2.discovery_base_url;
    print_json(j);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  const auto row = [&rows](std::string key, std::string value) {
    rows.push_back({std::move(key), std::move(value)});
  };
  row("SGP.22 version:", version_string(info1.svn));
  row("Firmware:", version_string(info2.firmware_version));
  row("Profile package version:", version_string(info2.profile_version));
  row("Protection profile:", version_string(info2.pp_version));
  if (info2.gp_version) row("GlobalPlatform:", version_string(*info2.gp_version));
  if (res.free_nvm) row("Free memory (NVM):", std::to_string(*res.free_nvm) + " bytes");
  if (res.free_ram) row("Free memory (RAM):", std::to_string(*res.free_ram) + " bytes");
  if (res.installed_apps) row("Installed applications:", std::to_string(*res.installed_apps));
  if (info2.euicc_category) row("eUICC category:", std::to_string(*info2.euicc_category));
  std::string caps;
  for (const auto& name : rsp_capability_names(info2.rsp_capability))
    caps += (caps.empty() ? "" : ", ") + name;
  row("RSP capabilities:", caps.empty() ? "-" : caps);
  row("SAS accreditation:",
      info2.sas_accreditation_number.empty() ? "-" : info2.sas_accreditation_number);
  for (const auto& key : info2.ci_pkid_verification) row("CI key (verification):", to_hex(key));
  for (const auto& key : info2.ci_pkid_signing) row("CI key (signing):", to_hex(key));
  std::cout << format_table(rows);
}

void command_list(const CommandLine& cmd, const Args&, CardSession& card) {
  const auto profiles = card.es10().get_profiles_info();
  if (cmd.json) {
    json list = json::array();
    for (const auto& p : profiles) list.push_back(to_json(p));
    print_json({{"profiles", list}});
  } else {
    std::cout << profile_table(profiles);
  }
}

void command_enable(const CommandLine& cmd, const Args& args, CardSession& card) {
  const auto id = parse_profile(args.at(0));
  card.es10().enable_profile(id, cmd.refresh);
  report_done(cmd, "enable", id, "Enabled " + identifier_text(id) + ".");
}

void command_disable(const CommandLine& cmd, const Args& args, CardSession& card) {
  const auto id = parse_profile(args.at(0));
  card.es10().disable_profile(id, cmd.refresh);
  report_done(cmd, "disable", id, "Disabled " + identifier_text(id) + ".");
}

void command_delete(const CommandLine& cmd, const Args& args, CardSession& card) {
  const auto id = parse_profile(args.at(0));
  card.es10().delete_profile(id);
  report_done(cmd, "delete", id,
              "Deleted " + identifier_text(id) +
                  ". If its operator asked to hear about deletions, the notification is now "
                  "pending (euicc-card notifications list).");
}

void command_nickname(const CommandLine& cmd, const Args& args, CardSession& card) {
  const auto id = parse_profile(args.at(0));
  if (id.kind != lpa::ProfileIdentifier::Kind::Iccid) {
    throw UsageError("nickname wants the profile's ICCID (SetNickname has no AID form)");
  }
  card.es10().set_nickname(id.iccid, args.at(1));
  report_done(cmd, "nickname", id,
              args.at(1).empty() ? "Cleared the nickname of " + id.iccid + "."
                                 : "Nickname of " + id.iccid + " is now \"" + args.at(1) + "\".");
}

void command_addresses(const CommandLine& cmd, const Args&, CardSession& card) {
  const auto addresses = card.es10().get_configured_addresses();
  if (cmd.json) {
    print_json(
        {{"defaultDpAddress",
          addresses.default_dp_address ? json(*addresses.default_dp_address) : json(nullptr)},
         {"rootDsAddress", addresses.root_ds_address}});
  } else {
    std::cout << format_table({{"Default SM-DP+:", addresses.default_dp_address.value_or("(none)")},
                               {"Root SM-DS:", addresses.root_ds_address}});
  }
}

void command_set_default_dp(const CommandLine& cmd, const Args& args, CardSession& card) {
  const std::string& address = args.at(0);
  if (!address.empty()) lpa::validate_server_address(address, "SM-DP+ address");
  card.es10().set_default_dp_address(address);
  if (cmd.json) {
    print_json(
        {{"result", "ok"}, {"defaultDpAddress", address.empty() ? json(nullptr) : json(address)}});
  } else {
    std::cout << (address.empty() ? "Cleared the default SM-DP+ address."
                                  : "Default SM-DP+ address is now " + address + ".")
              << "\n";
  }
}

void command_reset(const CommandLine& cmd, const Args&, CardSession& card) {
  lpa::MemoryResetOptions options;
  options.delete_operational_profiles = cmd.operational;
  options.delete_field_loaded_test_profiles = cmd.test;
  options.reset_default_smdp_address = cmd.default_smdp;
  if (!cmd.operational && !cmd.test && !cmd.default_smdp) {
    throw UsageError("reset needs at least one of --operational, --test, --default-smdp");
  }
  std::string what;
  if (cmd.operational) what += "delete every operational profile";
  if (cmd.test) what += std::string(what.empty() ? "" : ", ") + "delete field-loaded test profiles";
  if (cmd.default_smdp) what += std::string(what.empty() ? "" : ", ") + "clear the default SM-DP+";
  if (!cmd.yes && !ask_yes_no("This will " + what + " on the eUICC. Continue?")) {
    throw Error(Errc::Cancelled, "memory reset not confirmed; nothing was changed");
  }
  card.es10().memory_reset(options);
  if (cmd.json) {
    print_json({{"result", "ok"},
                {"deletedOperational", cmd.operational},
                {"deletedTest", cmd.test},
                {"resetDefaultSmdp", cmd.default_smdp}});
  } else {
    std::cout << "Memory reset done (" << what << ").\n";
  }
}

}  // namespace euiccd::tools
