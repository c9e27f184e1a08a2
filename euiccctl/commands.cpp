#include "euiccctl/commands.h"

#include <time.h>

#include <functional>
#include <iostream>
#include <map>

#include "base/error.h"
#include "euiccctl/cli_error.h"
#include "euiccctl/job_watch.h"
#include "euiccctl/snapshot.h"
#include "euiccctl/switch_stages.h"
#include "euiccctl/terminal.h"
#include "qr/qr_image.h"

namespace euiccctl {
namespace {

using nlohmann::json;
using Args = std::vector<std::string>;

void print_json(const json& value) {
  std::cout << value.dump(2) << "\n";
}

void expect_args(const Args& args, size_t min, size_t max, const char* usage) {
  if (args.size() < min || args.size() > max) {
    throw CliError(kExitUsage, std::string("usage: euiccctl ") + usage);
  }
}

std::string describe(const ProfileEntry& p) {
  return p.label.empty() ? p.iccid : p.iccid + " (" + p.label + ")";
}

std::string short_eid(const ObjectView& euicc) {
  std::string eid = text(euicc.properties, "Eid");
  return eid.empty() ? euicc.path : eid;
}

// The profiles a selector may name: those of --euicc when given, else of every eUICC.
std::vector<ProfileEntry> candidates(const Snapshot& snapshot, const Options& options) {
  std::vector<ProfileEntry> all = snapshot.profile_entries();
  if (!options.euicc) return all;
  const std::string euicc = select_euicc(snapshot, options.euicc).path;
  std::erase_if(all, [&](const ProfileEntry& p) { return p.euicc_path != euicc; });
  return all;
}

// The named profile, or the enabled one of the selected eUICC when no name is given.
ProfileEntry target_profile(const Snapshot& snapshot, const Options& options,
                            const std::optional<std::string>& query) {
  if (query) return match_profile(*query, candidates(snapshot, options));
  const ObjectView& euicc = select_euicc(snapshot, options.euicc);
  const std::string enabled = text(euicc.properties, "EnabledProfile");
  for (const ProfileEntry& p : snapshot.profile_entries()) {
    if (p.path == enabled) return p;
  }
  throw CliError(kExitNotFound, "no profile is enabled on eUICC " + short_eid(euicc) +
                                    "; name one (see 'euiccctl list')");
}

void append_string(sd_bus_message* m, const std::string& value) {
  check(sd_bus_message_append(m, "s", value.c_str()), "building a call");
}

// The eUICC chosen with --euicc, or else all of them.
std::vector<const ObjectView*> chosen_euiccs(const Snapshot& snapshot, const Options& options) {
  if (options.euicc) return {&select_euicc(snapshot, options.euicc)};
  std::vector<const ObjectView*> all;
  for (const ObjectView& e : snapshot.euiccs) all.push_back(&e);
  return all;
}

// ---- reading ----------------------------------------------------------------------------------

int cmd_status(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 0, "status");
  Snapshot snapshot = load_snapshot(bus);
  const std::vector<const ObjectView*> shown = chosen_euiccs(snapshot, options);
  auto profile_label = [&](const std::string& path) -> std::string {
    for (const ProfileEntry& p : snapshot.profile_entries()) {
      if (p.path == path) return describe(p);
    }
    return "none";
  };
  if (options.json) {
    json out = {{"version", text(snapshot.manager, "Version")}, {"euiccs", json::array()}};
    for (const ObjectView* e : shown) {
      json euicc = e->properties;
      euicc["path"] = e->path;
      out["euiccs"].push_back(euicc);
    }
    print_json(out);
    return kExitOk;
  }
  std::cout << "euiccd " << text(snapshot.manager, "Version") << ", " << snapshot.euiccs.size()
            << (snapshot.euiccs.size() == 1 ? " eUICC" : " eUICCs") << "\n";
  for (const ObjectView* e : shown) {
    const json& p = e->properties;
    auto or_none = [](std::string s) { return s.empty() ? std::string("(none)") : s; };
    std::cout << "\n";
    print_fields({
        {"eUICC", e->path},
        {"EID", text(p, "Eid")},
        {"Reader", text(p, "Reader")},
        {"Transport", or_none(text(p, "Transport"))},
        {"Modem", text(p, "Modem") == "/" ? std::string("(none)") : or_none(text(p, "Modem"))},
        {"Enabled profile", profile_label(text(p, "EnabledProfile"))},
        {"Profiles", std::to_string(p.value("Profiles", json::array()).size())},
        {"Free memory", format_bytes(p.value("FreeNonVolatileMemory", 0ULL))},
        {"SVN", or_none(text(p, "SvnVersion"))},
        {"Default SM-DP+", or_none(text(p, "DefaultSmdpAddress"))},
        {"Root SM-DS", or_none(text(p, "RootSmdsAddress"))},
        {"Pending notifications", text(p, "PendingNotifications")},
    });
  }
  return kExitOk;
}

int cmd_list(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 0, "list");
  Snapshot snapshot = load_snapshot(bus);
  std::optional<std::string> only;
  if (options.euicc) only = select_euicc(snapshot, options.euicc).path;
  const bool several = !only && snapshot.euiccs.size() > 1;
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const ObjectView& profile : snapshot.profiles) {
    const std::string euicc = profile.path.substr(0, profile.path.find("/profile/"));
    if (only && euicc != *only) continue;
    const json& p = profile.properties;
    json entry = p;
    entry["path"] = profile.path;
    entry["euicc"] = euicc;
    out.push_back(entry);
    std::vector<std::string> row = {text(p, "Iccid"),       text(p, "State"),
                                    text(p, "Nickname"),    text(p, "ServiceProviderName"),
                                    text(p, "ProfileName"), text(p, "ProfileClass")};
    if (several) row.insert(row.begin(), euicc.substr(euicc.rfind('/') + 1));
    rows.push_back(row);
  }
  if (options.json) {
    print_json(out);
    return kExitOk;
  }
  if (rows.empty()) {
    std::cout << "No profiles.\n";
    return kExitOk;
  }
  std::vector<std::string> headers = {"ICCID", "STATE", "NICKNAME", "PROVIDER", "NAME", "CLASS"};
  if (several) headers.insert(headers.begin(), "EUICC");
  print_table(headers, rows);
  return kExitOk;
}

// ---- profile changes --------------------------------------------------------------------------

int profile_method(Bus& bus, const Options& options, const ProfileEntry& profile,
                   const char* method, const std::function<void(sd_bus_message*)>& append,
                   const std::string& done, json result) {
  bus.call(profile.path, kProfileInterface, method, append);
  if (options.json) {
    result["path"] = profile.path;
    result["iccid"] = profile.iccid;
    print_json(result);
  } else {
    std::cout << done << " " << describe(profile) << ".\n";
  }
  return kExitOk;
}

// Enable/Disable, and Delete of the enabled profile: on an eUICC inside a modem a switch whose
// stages are shown as they come.
int switch_method(Bus& bus, const Options& options, const Snapshot& snapshot,
                  const ProfileEntry& profile, const char* method, const std::string& done,
                  json result) {
  const ObjectView* euicc = snapshot.euicc(profile.euicc_path);
  const std::string transport = euicc ? text(euicc->properties, "Transport") : "";
  if (options.json || transport.empty() || transport == "pcsc")
    return profile_method(bus, options, profile, method, {}, done, std::move(result));
  if (call_showing_stages(bus, profile.path, method))
    std::cout << done << " " << describe(profile) << "; the modem is back online.\n";
  else
    std::cout << done << " " << describe(profile)
              << "; the modem re-reads its SIM (ModemManager does not manage it, so euiccd "
                 "could not check that it is back online).\n";
  return kExitOk;
}

int cmd_enable(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 1, 1, "enable ICCID|NICKNAME");
  const Snapshot snapshot = load_snapshot(bus);
  ProfileEntry p = match_profile(args[0], candidates(snapshot, options));
  return switch_method(bus, options, snapshot, p, "Enable", "Enabled", {{"state", "enabled"}});
}

int cmd_disable(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 1, "disable [ICCID|NICKNAME]");
  std::optional<std::string> query;
  if (!args.empty()) query = args[0];
  const Snapshot snapshot = load_snapshot(bus);
  ProfileEntry p = target_profile(snapshot, options, query);
  return switch_method(bus, options, snapshot, p, "Disable", "Disabled", {{"state", "disabled"}});
}

int cmd_delete(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 1, 1, "delete ICCID|NICKNAME [--yes]");
  const Snapshot snapshot = load_snapshot(bus);
  ProfileEntry p = match_profile(args[0], candidates(snapshot, options));
  if (!options.yes &&
      !ask_yes_no("Delete profile " + describe(p) +
                  "? It is erased from the eSIM and cannot be downloaded again with the same "
                  "activation code.")) {
    throw CliError(kExitCancelled, "not deleted");
  }
  if (p.state == "enabled")  // on a modem's eUICC the switch that disables it comes first
    return switch_method(bus, options, snapshot, p, "Delete", "Deleted", {{"deleted", true}});
  return profile_method(bus, options, p, "Delete", {}, "Deleted", {{"deleted", true}});
}

int cmd_nickname(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 2, 2, "nickname ICCID|NICKNAME NEW-NICKNAME");
  ProfileEntry p = match_profile(args[0], candidates(load_snapshot(bus), options));
  const std::string nickname = args[1];
  return profile_method(bus, options, p, "SetNickname",
                        [&](sd_bus_message* m) { append_string(m, nickname); },
                        "Renamed to '" + nickname + "':", {{"nickname", nickname}});
}

// CheckBalance's and TopUp's answer: the operator's reply text (USSD or SMS).
void print_operator_reply(const ProfileEntry& p, const Message& reply, const Options& options) {
  const char* answer = nullptr;
  check(sd_bus_message_read(reply.get(), "s", &answer), "reading the reply");
  if (options.json) {
    print_json({{"path", p.path}, {"iccid", p.iccid}, {"reply", answer}});
  } else {
    std::cout << answer << "\n";
  }
}

int cmd_balance(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 1, "balance [ICCID|NICKNAME]");
  std::optional<std::string> query;
  if (!args.empty()) query = args[0];
  ProfileEntry p = target_profile(load_snapshot(bus), options, query);
  print_operator_reply(p, bus.call(p.path, kProfileInterface, "CheckBalance"), options);
  return kExitOk;
}

int cmd_topup(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 1, 2, "topup VOUCHER [ICCID|NICKNAME]");
  std::optional<std::string> query;
  if (args.size() > 1) query = args[1];
  ProfileEntry p = target_profile(load_snapshot(bus), options, query);
  Message reply = bus.call(p.path, kProfileInterface, "TopUp",
                           [&](sd_bus_message* m) { append_string(m, args[0]); });
  print_operator_reply(p, reply, options);
  return kExitOk;
}

// ---- eUICC operations -------------------------------------------------------------------------

// A job's failure as the D-Bus error it carries.
[[noreturn]] void throw_job_error(const json& job) {
  std::string name = text(job, "ErrorName");
  std::string message = text(job, "ErrorMessage");
  if (name.empty())
    name = text(job, "State") == "cancelled" ? "org.euiccd1.Error.Cancelled"
                                             : "org.euiccd1.Error.Internal";
  if (message.empty()) message = "the job " + text(job, "State");
  throw BusCallError(name, message);
}

void show_metadata(const json& metadata) {
  std::vector<std::pair<std::string, std::string>> fields;
  auto add = [&](const char* label, const char* key) {
    std::string value = text(metadata, key);
    if (!value.empty()) fields.emplace_back(label, value);
  };
  add("ICCID", "iccid");
  add("Provider", "service_provider_name");
  add("Name", "profile_name");
  add("Class", "profile_class");
  add("Owner MCC/MNC", "owner_mcc_mnc");
  if (metadata.contains("policy_rules") && !metadata["policy_rules"].empty()) {
    std::string rules;
    for (const json& r : metadata["policy_rules"]) {
      rules += (rules.empty() ? "" : ", ") + r.get<std::string>();
    }
    fields.emplace_back("Policy rules", rules);
  }
  std::cerr << "The SM-DP+ offers this profile:\n";
  std::streambuf* out = std::cout.rdbuf(std::cerr.rdbuf());  // the preview belongs to the prompt
  print_fields(fields);
  std::cout.rdbuf(out);
}

json run_job(Bus& bus, const std::string& path, const Options& options, bool ask) {
  ProgressLine progress;
  bool declined = false;
  JobHooks hooks;
  hooks.on_update = [&](const json& job) {
    if (job_finished(job)) {
      progress.clear();
    } else {
      progress.show(text(job, "Stage"), job.value("OverallProgress", 0.0));
    }
  };
  hooks.on_waiting = [&](const json& job) {
    if (!ask) return;
    progress.clear();
    show_metadata(job.value("Metadata", json::object()));
    bool accept = ask_yes_no("Download and install it?");
    declined = !accept;
    bus.call(path, kJobInterface, "Confirm", [accept](sd_bus_message* m) {
      check(sd_bus_message_append(m, "b", accept ? 1 : 0), "building a call");
    });
  };
  json job = follow_job(bus, path, options.timeout, hooks);
  if (declined && text(job, "State") != "succeeded") {
    throw CliError(kExitCancelled, "download declined; nothing was installed");
  }
  if (text(job, "State") != "succeeded") throw_job_error(job);
  return job;
}

// The activation code of `download`: its argument, or the QR code in the --qr image, read
// before euiccd is asked anything so that a bad image starts no job.
std::string download_activation_code(const Args& args, const Options& options) {
  expect_args(args, options.qr_image ? 0 : 1, options.qr_image ? 0 : 1,
              "download ACTIVATION-CODE|--qr=FILE [--confirmation-code CODE] [--nickname NAME] "
              "[--enable] [--yes]");
  if (!options.qr_image) return args[0];
  try {
    return euiccd::qr::activation_code_from_qr_image_file(*options.qr_image);
  } catch (const euiccd::Error& e) {
    // Bad input, as a bad activation code is (euiccd answers InvalidArgument).
    throw CliError(kExitFailed, e.what());
  }
}

int cmd_download(Bus& bus, const Args& args, const Options& options) {
  const std::string activation_code = download_activation_code(args, options);
  Snapshot snapshot = load_snapshot(bus);
  const ObjectView& euicc = select_euicc(snapshot, options.euicc);
  const bool ask = !options.yes;
  Message reply = bus.call(euicc.path, kEuiccInterface, "DownloadProfile", [&](sd_bus_message* m) {
    append_string(m, activation_code);
    check(sd_bus_message_open_container(m, 'a', "{sv}"), "building a call");
    auto add_string = [m](const char* key, const std::optional<std::string>& value) {
      if (value) check(sd_bus_message_append(m, "{sv}", key, "s", value->c_str()), "building");
    };
    add_string("confirmation_code", options.confirmation_code);
    add_string("nickname", options.nickname);
    add_string("imei", options.imei);
    check(sd_bus_message_append(m, "{sv}", "enable", "b", options.enable ? 1 : 0), "building");
    check(sd_bus_message_append(m, "{sv}", "confirm_metadata", "b", ask ? 1 : 0), "building");
    check(sd_bus_message_close_container(m), "building a call");
  });
  const char* job_path = nullptr;
  check(sd_bus_message_read(reply.get(), "o", &job_path), "reading the reply");
  const std::string path = job_path;

  json job = run_job(bus, path, options, ask);
  const std::string result = text(job, "Result");
  json profile = json::object();
  if (!result.empty() && result != "/") {
    try {
      profile = bus.get_all(result, kProfileInterface);
    } catch (const BusCallError&) {
      // The card was refreshed meanwhile; the job's metadata still names the profile.
    }
  }
  if (options.json) {
    print_json({{"job", path},
                {"state", text(job, "State")},
                {"result", result},
                {"metadata", job.value("Metadata", json::object())},
                {"profile", profile}});
    return kExitOk;
  }
  std::string iccid = text(profile, "Iccid");
  if (iccid.empty()) iccid = text(job.value("Metadata", json::object()), "iccid");
  std::string name = text(profile, "ProfileName");
  std::cout << "Downloaded " << iccid << (name.empty() ? "" : " (" + name + ")")
            << (text(profile, "State") == "enabled" ? ", enabled" : "") << ".\n";
  return kExitOk;
}

int cmd_discover(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 1, "discover [SM-DS-ADDRESS]");
  Snapshot snapshot = load_snapshot(bus);
  const ObjectView& euicc = select_euicc(snapshot, options.euicc);
  const std::string smds = args.empty() ? std::string() : args[0];
  Message reply = bus.call(euicc.path, kEuiccInterface, "DiscoverProfiles",
                           [&](sd_bus_message* m) { append_string(m, smds); });
  const char* job_path = nullptr;
  check(sd_bus_message_read(reply.get(), "o", &job_path), "reading the reply");
  json job = run_job(bus, job_path, options, false);

  json events = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const json& e : job.value("Events", json::array())) {
    if (!e.is_array() || e.size() < 3) continue;
    events.push_back({{"event_id", e[0]}, {"smdp_address", e[1]}, {"activation_code", e[2]}});
    rows.push_back({e[0].get<std::string>(), e[1].get<std::string>(), e[2].get<std::string>()});
  }
  if (options.json) {
    print_json({{"job", job_path}, {"events", events}});
  } else if (rows.empty()) {
    std::cout << "No profiles are waiting for this eUICC.\n";
  } else {
    print_table({"EVENT", "SM-DP+", "ACTIVATION CODE"}, rows);
    std::cout << "\nDownload one with: euiccctl download 'ACTIVATION CODE'\n";
  }
  return kExitOk;
}

int cmd_notifications(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 1, "notifications [list|process]");
  const std::string action = args.empty() ? "list" : args[0];
  if (action != "list" && action != "process") {
    throw CliError(kExitUsage, "usage: euiccctl notifications [list|process]");
  }
  Snapshot snapshot = load_snapshot(bus);
  const std::vector<const ObjectView*> targets = chosen_euiccs(snapshot, options);
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const ObjectView* e : targets) {
    if (action == "list") {
      unsigned pending = e->properties.value("PendingNotifications", 0U);
      out.push_back(
          {{"euicc", e->path}, {"eid", text(e->properties, "Eid")}, {"pending", pending}});
      rows.push_back({e->path, text(e->properties, "Eid"), std::to_string(pending)});
      continue;
    }
    Message reply = bus.call(e->path, kEuiccInterface, "ProcessNotifications");
    uint32_t sent = 0;
    check(sd_bus_message_read(reply.get(), "u", &sent), "reading the reply");
    out.push_back({{"euicc", e->path}, {"eid", text(e->properties, "Eid")}, {"sent", sent}});
    if (!options.json) {
      std::cout << "Sent " << sent << (sent == 1 ? " notification" : " notifications")
                << " from eUICC " << short_eid(*e) << ".\n";
    }
  }
  if (options.json) {
    print_json(out);
  } else if (action == "list") {
    print_table({"EUICC", "EID", "PENDING"}, rows);
  }
  return kExitOk;
}

int cmd_reset(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 0, "reset [--operational] [--test-profiles] [--default-smdp] [--yes]");
  Snapshot snapshot = load_snapshot(bus);
  const ObjectView& euicc = select_euicc(snapshot, options.euicc);
  const unsigned bits = options.reset_options == 0 ? 1U : options.reset_options;
  std::string what;
  auto add = [&what](const char* part) { what += (what.empty() ? "" : ", ") + std::string(part); };
  if (bits & 1U) add("every operational profile");
  if (bits & 2U) add("every field-loaded test profile");
  if (bits & 4U) add("the default SM-DP+ address");
  if (!options.yes && !ask_yes_no("Erase " + what + " from eUICC " + short_eid(euicc) +
                                  "? This cannot be undone.")) {
    throw CliError(kExitCancelled, "nothing was erased");
  }
  bus.call(euicc.path, kEuiccInterface, "ResetMemory", [bits](sd_bus_message* m) {
    check(sd_bus_message_append(m, "u", static_cast<uint32_t>(bits)), "building a call");
  });
  if (options.json) {
    print_json({{"euicc", euicc.path}, {"reset_options", bits}});
  } else {
    std::cout << "Erased " << what << ".\n";
  }
  return kExitOk;
}

// CLOCK_REALTIME µs → "2026-12-06 19:45:03" in local time.
std::string format_time(uint64_t usec) {
  const time_t seconds = static_cast<time_t>(usec / 1'000'000);
  tm local{};
  char text[32] = "";
  if (localtime_r(&seconds, &local) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local) == 0)
    return std::to_string(usec);
  return text;
}

// The travel policy: show it per eUICC, or pause/resume it (on --euicc, else on every eUICC
// in a modem).
int cmd_policy(Bus& bus, const Args& args, const Options& options) {
  expect_args(args, 0, 1, "policy [show|pause|resume]");
  const std::string action = args.empty() ? "show" : args[0];
  if (action != "show" && action != "pause" && action != "resume")
    throw CliError(kExitUsage, "usage: euiccctl policy [show|pause|resume]");
  Snapshot snapshot = load_snapshot(bus);
  std::vector<const ObjectView*> targets = chosen_euiccs(snapshot, options);
  if (action != "show") {
    // Without --euicc, the eUICCs the policy drives (a reader's has none to pause).
    if (!options.euicc)
      std::erase_if(targets, [](const ObjectView* e) {
        return !e->properties.value("TravelPolicy", json::object()).value("Enabled", false);
      });
    if (targets.empty())
      throw CliError(kExitFailed,
                     "the travel policy drives no eUICC (it is off, or no eUICC is in a modem; "
                     "see [TravelPolicy] in euiccd.conf)");
    for (const ObjectView* e : targets)
      bus.call(e->path, kEuiccInterface,
               action == "pause" ? "PauseTravelPolicy" : "ResumeTravelPolicy");
    snapshot = load_snapshot(bus);  // what the policy says now
    targets = chosen_euiccs(snapshot, options);
  }
  json out = json::array();
  for (const ObjectView* e : targets) {
    const json policy = e->properties.value("TravelPolicy", json::object());
    json entry = policy;
    entry["euicc"] = e->path;
    out.push_back(entry);
    if (options.json) continue;
    const uint64_t last_switch = policy.value("LastSwitch", 0ULL);
    const std::string state = !policy.value("Enabled", false) ? "off"
                              : policy.value("Paused", false) ? "paused"
                                                              : "on";
    auto or_none = [](std::string s) { return s.empty() ? std::string("(none)") : s; };
    std::cout << (e == targets.front() ? "" : "\n");
    print_fields({
        {"eUICC", e->path + " (" + short_eid(*e) + ")"},
        {"Travel policy", state},
        {"Country", or_none(policy.value("Country", std::string()))},
        {"Last decision", or_none(policy.value("LastDecision", std::string()))},
        {"Why", or_none(policy.value("LastReason", std::string()))},
        {"Last switch", last_switch == 0 ? std::string("(none)") : format_time(last_switch)},
    });
  }
  if (options.json) print_json(out);
  return kExitOk;
}

using Command = int (*)(Bus&, const Args&, const Options&);

const std::map<std::string, std::pair<Command, bool>>& commands() {
  // name → (handler, changes state)
  static const std::map<std::string, std::pair<Command, bool>> table = {
      {"status", {cmd_status, false}},
      {"list", {cmd_list, false}},
      {"download", {cmd_download, true}},
      {"enable", {cmd_enable, true}},
      {"disable", {cmd_disable, true}},
      {"delete", {cmd_delete, true}},
      {"nickname", {cmd_nickname, true}},
      {"discover", {cmd_discover, true}},
      {"notifications", {cmd_notifications, true}},
      {"balance", {cmd_balance, true}},
      {"topup", {cmd_topup, true}},
      {"reset", {cmd_reset, true}},
      {"policy", {cmd_policy, true}},
  };
  return table;
}

}  // namespace

bool is_command(const std::string& command) {
  return commands().contains(command);
}

bool command_changes_state(const std::string& command) {
  auto it = commands().find(command);
  return it != commands().end() && it->second.second;
}

int run_command(Bus& bus, const std::string& command, const Args& args, const Options& options) {
  auto it = commands().find(command);
  if (it == commands().end()) {
    throw CliError(kExitUsage, "unknown command '" + command + "' (see 'euiccctl --help')");
  }
  return it->second.first(bus, args, options);
}

}  // namespace euiccctl
