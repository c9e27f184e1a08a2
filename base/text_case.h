// Letter case of protocol words (AT commands and result texts, hex digits, host names, config
// values, ICCIDs and nicknames typed by users), written once: byte by byte through
// std::tolower / std::toupper, so in the C locale only ASCII letters change.
#pragma once

#include <string>
#include <string_view>

namespace euiccd {

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool equals_ignoring_case(std::string_view a, std::string_view b);
bool starts_with_ignoring_case(std::string_view s, std::string_view prefix);

}  // namespace euiccd
