// What euiccd shows right now: the Manager's properties and every eUICC and profile object,
// read in one ObjectManager.GetManagedObjects call.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "euiccctl/bus.h"
#include "euiccctl/profile_match.h"

namespace euiccctl {

struct ObjectView {
  std::string path;
  nlohmann::json properties;  // the org.euiccd1.Euicc / .Profile properties
};

struct Snapshot {
  nlohmann::json manager;
  std::vector<ObjectView> euiccs;    // in Manager.Euiccs order
  std::vector<ObjectView> profiles;  // by eUICC, in Euicc.Profiles order

  std::vector<ProfileEntry> profile_entries() const;
  const ObjectView* euicc(const std::string& path) const;
  const ObjectView* profile(const std::string& path) const;
};

Snapshot load_snapshot(Bus& bus);

// The eUICC a command acts on: `selector` (an index, an EID, an EID prefix or an object path)
// or, without one, the only eUICC there is. Throws CliError.
const ObjectView& select_euicc(const Snapshot& snapshot,
                               const std::optional<std::string>& selector);

// A property as text ("" when missing or not a string/number).
std::string text(const nlohmann::json& properties, const char* name);

}  // namespace euiccctl
