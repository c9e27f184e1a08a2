// Which profile a command-line argument means. People type what they see: the ICCID, the
// first few digits of it, or the nickname they gave the profile.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace euiccctl {

struct ProfileEntry {
  std::string path;
  std::string euicc_path;
  std::string iccid;
  std::string nickname;
  std::string state;  // "enabled" / "disabled"
  std::string label;  // nickname, else profile name, else provider: for messages
};

// In order: an object path, the exact ICCID, the exact nickname, a unique ICCID prefix, a
// unique nickname ignoring case. Throws CliError(kExitNotFound) when nothing matches and
// CliError(kExitUsage) when the argument fits several profiles, naming them.
const ProfileEntry& match_profile(std::string_view query, const std::vector<ProfileEntry>& all);

}  // namespace euiccctl
