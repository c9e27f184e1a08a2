#include "euiccctl/snapshot.h"

#include "euiccctl/cli_error.h"
#include "euiccctl/dbus_value.h"

namespace euiccctl {

using nlohmann::json;

std::string text(const json& properties, const char* name) {
  auto it = properties.find(name);
  if (it == properties.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  return {};
}

Snapshot load_snapshot(Bus& bus) {
  Snapshot snapshot;
  snapshot.manager = bus.get_all(kRootPath, kManagerInterface);
  Message reply = bus.call(kRootPath, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
  ManagedObjects objects = read_managed_objects(reply.get());

  auto properties_of = [&objects](const std::string& path, const char* interface) -> const json* {
    auto object = objects.find(path);
    if (object == objects.end()) return nullptr;
    auto found = object->second.find(interface);
    return found == object->second.end() ? nullptr : &found->second;
  };
  for (const json& euicc_path : snapshot.manager.value("Euiccs", json::array())) {
    const json* euicc = properties_of(euicc_path.get<std::string>(), kEuiccInterface);
    if (euicc == nullptr) continue;  // went away between the two calls
    snapshot.euiccs.push_back({euicc_path.get<std::string>(), *euicc});
    for (const json& profile_path : euicc->value("Profiles", json::array())) {
      const json* profile = properties_of(profile_path.get<std::string>(), kProfileInterface);
      if (profile != nullptr)
        snapshot.profiles.push_back({profile_path.get<std::string>(), *profile});
    }
  }
  return snapshot;
}

std::vector<ProfileEntry> Snapshot::profile_entries() const {
  std::vector<ProfileEntry> entries;
  for (const ObjectView& p : profiles) {
    ProfileEntry e;
    e.path = p.path;
    e.euicc_path = p.path.substr(0, p.path.find("/profile/"));
    e.iccid = text(p.properties, "Iccid");
    e.nickname = text(p.properties, "Nickname");
    e.state = text(p.properties, "State");
    e.label = e.nickname;
    if (e.label.empty()) e.label = text(p.properties, "ProfileName");
    if (e.label.empty()) e.label = text(p.properties, "ServiceProviderName");
    entries.push_back(std::move(e));
  }
  return entries;
}

const ObjectView* Snapshot::euicc(const std::string& path) const {
  for (const ObjectView& e : euiccs) {
    if (e.path == path) return &e;
  }
  return nullptr;
}

const ObjectView* Snapshot::profile(const std::string& path) const {
  for (const ObjectView& p : profiles) {
    if (p.path == path) return &p;
  }
  return nullptr;
}

const ObjectView& select_euicc(const Snapshot& snapshot,
                               const std::optional<std::string>& selector) {
  if (snapshot.euiccs.empty()) {
    throw CliError(kExitNotFound,
                   "euiccd sees no eUICC (is the reader or modem plugged in, and allowed or "
                   "configured?)");
  }
  if (!selector) {
    if (snapshot.euiccs.size() == 1) return snapshot.euiccs.front();
    throw CliError(kExitUsage, "there are " + std::to_string(snapshot.euiccs.size()) +
                                   " eUICCs; choose one with --euicc (see 'euiccctl status')");
  }
  std::vector<const ObjectView*> found;
  for (const ObjectView& e : snapshot.euiccs) {
    const std::string index = e.path.substr(e.path.rfind('/') + 1);
    const std::string eid = text(e.properties, "Eid");
    if (*selector == e.path || *selector == index || *selector == eid) return e;
    if (!selector->empty() && eid.starts_with(*selector)) found.push_back(&e);
  }
  if (found.size() == 1) return *found.front();
  if (found.size() > 1) {
    throw CliError(kExitUsage, "'" + *selector + "' matches several eUICCs; give more of the EID");
  }
  throw CliError(kExitNotFound, "no eUICC matches '" + *selector + "' (see 'euiccctl status')");
}

}  // namespace euiccctl
