// D-Bus values as JSON, so that every property euiccd has (and any it adds later) can be shown,
// compared and printed with --json without a typed reader per property. Strings and object
// paths become strings, numbers numbers, booleans booleans, a{s…} objects, other arrays and
// structs arrays, byte arrays lower-case hex strings; variants are unwrapped.
#pragma once

#include <systemd/sd-bus.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace euiccctl {

// Reads the next complete value of `m`. Throws BusCallError on a malformed message.
nlohmann::json read_value(sd_bus_message* m);

// ObjectManager.GetManagedObjects' reply: path → interface → properties.
using ManagedObjects = std::map<std::string, std::map<std::string, nlohmann::json>>;
ManagedObjects read_managed_objects(sd_bus_message* m);

}  // namespace euiccctl
