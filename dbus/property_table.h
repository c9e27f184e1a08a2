// One table per D-Bus object lists its properties once: name, signature, sd-bus flags, how to
// append the value from the object's state, and when the value has changed. The table drives
// the three places that used to list them each: the sd-bus vtable (the properties first, in
// table order, then the object's methods and signals — the order introspection shows), the
// getter, and the PropertiesChanged diff.
//
//   constexpr PropertyTable<Source, Changed>::Row kRows[] = {
//       {"Eid", "s", SD_BUS_VTABLE_PROPERTY_CONST, [](sd_bus_message* m, const Source& s) {...}},
//       ...};
//
// `Source` is what a getter reads (a snapshot, a job); `Changed` is whatever tells the object's
// diff that a row changed (a comparison of two snapshots, a bit of a field mask), nullptr/0 for
// rows no diff names (constant ones, or those another part announces).
#pragma once

#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "dbus/method_call.h"

namespace euiccd::dbus {

template <typename Source, typename Changed>
class PropertyTable {
 public:
  struct Row {
    const char* name;
    const char* signature;
    uint64_t flags;  // SD_BUS_VTABLE_PROPERTY_CONST, _EMITS_CHANGE, _EMITS_INVALIDATION, ...
    int (*append)(sd_bus_message* reply, const Source& source);
    Changed changed{};
    sd_bus_property_set_t set = nullptr;  // writable when set
  };

  constexpr explicit PropertyTable(std::span<const Row> rows) : rows_(rows) {}

  // START, one entry per row (each read through `getter`), `members` (methods and signals), END.
  // The vtable must outlive the object's slot: keep it in a static.
  std::vector<sd_bus_vtable> vtable(sd_bus_property_get_t getter,
                                    std::initializer_list<sd_bus_vtable> members) const {
    std::vector<sd_bus_vtable> v{SD_BUS_VTABLE_START(0)};
    for (const Row& row : rows_) {
      if (row.set)
        v.push_back(
            SD_BUS_WRITABLE_PROPERTY(row.name, row.signature, getter, row.set, 0, row.flags));
      else
        v.push_back(SD_BUS_PROPERTY(row.name, row.signature, getter, 0, row.flags));
    }
    v.insert(v.end(), members);
    v.push_back(SD_BUS_VTABLE_END);
    return v;
  }

  // The getter's body: appends `property` read from `source()` (called only for a known
  // property); exceptions become the D-Bus error.
  template <typename SourceOf>
  int get(const char* property, sd_bus_message* reply, sd_bus_error* error,
          SourceOf&& source) const {
    return run_property(error, [&]() -> int {
      for (const Row& row : rows_)
        if (std::strcmp(row.name, property) == 0) return row.append(reply, source());
      return -ENOENT;
    });
  }

  // The names of the rows for which `differs(row.changed)` holds, in table order.
  template <typename Predicate>
  std::vector<const char*> changed(Predicate&& differs) const {
    std::vector<const char*> names;
    for (const Row& row : rows_)
      if (row.changed && differs(row.changed)) names.push_back(row.name);
    return names;
  }

 private:
  std::span<const Row> rows_;
};

// PropertiesChanged for `names` on `path`/`interface`; nothing when there are none.
inline void emit_properties_changed(sd_bus* bus, const std::string& path, const char* interface,
                                    std::vector<const char*> names) {
  if (names.empty()) return;
  names.push_back(nullptr);
  sd_bus_emit_properties_changed_strv(bus, path.c_str(), interface,
                                      const_cast<char**>(names.data()));
}

// Appends a string / an object path ("/" for none) — what most rows do.
inline int append_string(sd_bus_message* reply, const std::string& value) {
  return sd_bus_message_append(reply, "s", value.c_str());
}
inline int append_path(sd_bus_message* reply, const std::string& path) {
  return sd_bus_message_append(reply, "o", path.empty() ? "/" : path.c_str());
}

}  // namespace euiccd::dbus
