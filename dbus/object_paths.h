// Object paths of the v1 API (docs/dbus-api.md).
#pragma once

#include <cstdint>
#include <string>

namespace euiccd::dbus {

inline constexpr char kBusName[] = "org.euiccd1";
inline constexpr char kRootPath[] = "/org/euiccd1";
inline constexpr char kManagerInterface[] = "org.euiccd1.Manager";
inline constexpr char kEuiccInterface[] = "org.euiccd1.Euicc";
inline constexpr char kProfileInterface[] = "org.euiccd1.Profile";
inline constexpr char kJobInterface[] = "org.euiccd1.Job";

inline std::string euicc_path(unsigned index) {
  return std::string(kRootPath) + "/euicc/" + std::to_string(index);
}
// ICCIDs are digits only, which object paths allow as they are.
inline std::string profile_path(unsigned euicc_index, const std::string& iccid) {
  return euicc_path(euicc_index) + "/profile/" + iccid;
}
inline std::string job_path(uint64_t id) {
  return std::string(kRootPath) + "/job/" + std::to_string(id);
}

}  // namespace euiccd::dbus
