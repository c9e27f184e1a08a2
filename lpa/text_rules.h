// The rule for short texts a person gives and another person reads (nicknames, codes typed
// in): no control characters, so a text cannot rewrite a terminal or a log line, and a size
// bound.
#pragma once

#include <cstddef>
#include <string_view>

namespace euiccd::lpa {

// Throws Error(InvalidArgument) naming `what` when `value` is longer than `max_bytes` bytes or
// contains a control character: C0, DEL or C1 (U+0080..U+009F, encoded C2 80..C2 9F). UTF-8
// validity is not checked here (D-Bus guarantees it for the strings it carries).
void check_display_text(std::string_view value, std::string_view what, size_t max_bytes);

}  // namespace euiccd::lpa
