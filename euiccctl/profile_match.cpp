#include "euiccctl/profile_match.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "base/text_case.h"
#include "euiccctl/cli_error.h"

namespace euiccctl {
namespace {

std::string describe(const ProfileEntry& p) {
  return p.label.empty() ? p.iccid : p.iccid + " (" + p.label + ")";
}

}  // namespace

const ProfileEntry& match_profile(std::string_view query, const std::vector<ProfileEntry>& all) {
  using Rule = std::function<bool(const ProfileEntry&)>;
  const Rule rules[] = {
      [&](const ProfileEntry& p) { return query.starts_with('/') && p.path == query; },
      [&](const ProfileEntry& p) { return p.iccid == query; },
      [&](const ProfileEntry& p) { return !p.nickname.empty() && p.nickname == query; },
      [&](const ProfileEntry& p) { return !query.empty() && p.iccid.starts_with(query); },
      [&](const ProfileEntry& p) {
        return !p.nickname.empty() && euiccd::equals_ignoring_case(p.nickname, query);
      },
  };
  for (const Rule& rule : rules) {
    std::vector<const ProfileEntry*> found;
    for (const ProfileEntry& p : all) {
      if (rule(p)) found.push_back(&p);
    }
    if (found.size() == 1) return *found.front();
    if (found.size() > 1) {
      std::string names;
      for (const ProfileEntry* p : found) names += (names.empty() ? "" : ", ") + describe(*p);
      throw CliError(kExitUsage, "'" + std::string(query) + "' matches several profiles: " + names +
                                     "; give more of the ICCID");
    }
  }
  throw CliError(kExitNotFound, "no profile matches '" + std::string(query) +
                                    "' (see 'euiccctl list' for ICCIDs and nicknames)");
}

}  // namespace euiccctl
