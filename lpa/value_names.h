// The names euiccd gives the values of the SGP.22 enumerations it shows, written once: the
// D-Bus properties and job metadata (docs/dbus-api.md), euicc-card's output and the virtual
// eUICC's state file all use these. Index = the value's number (ProfileClass,
// NotificationEvent) or bit (Ppr).
#pragma once

#include <array>
#include <cstddef>

#include "lpa/es10_types.h"

namespace euiccd::lpa {

inline constexpr std::array<const char*, 3> kProfileClassNames = {"test", "provisioning",
                                                                  "operational"};
inline constexpr std::array<const char*, 3> kPprNames = {"pprUpdateControl", "ppr1", "ppr2"};
inline constexpr std::array<const char*, 4> kNotificationEventNames = {"install", "enable",
                                                                       "disable", "delete"};

// The name of `value` in `names`, or `unknown` for a number the list does not have.
template <typename Enum, size_t N>
constexpr const char* name_in(const std::array<const char*, N>& names, Enum value,
                              const char* unknown) {
  const auto i = static_cast<size_t>(value);
  return i < N ? names[i] : unknown;
}

constexpr const char* name_of(ProfileClass value, const char* unknown = "") {
  return name_in(kProfileClassNames, value, unknown);
}
constexpr const char* name_of(Ppr value, const char* unknown = "") {
  return name_in(kPprNames, value, unknown);
}
constexpr const char* name_of(NotificationEvent value, const char* unknown = "") {
  return name_in(kNotificationEventNames, value, unknown);
}

}  // namespace euiccd::lpa
