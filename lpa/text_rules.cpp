#include "lpa/text_rules.h"

#include <string>

#include "base/error.h"

namespace euiccd::lpa {

void check_display_text(std::string_view value, std::string_view what, size_t max_bytes) {
  if (value.size() > max_bytes)
    throw Error(Errc::InvalidArgument,
                std::string(what) + " is too long: " + std::to_string(value.size()) +
                    " bytes, at most " + std::to_string(max_bytes) + " allowed");
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool c1 = c == 0xC2 && i + 1 < value.size() &&
                    (static_cast<unsigned char>(value[i + 1]) & 0xE0) == 0x80;
    if (c < 0x20 || c == 0x7F || c1)
      throw Error(Errc::InvalidArgument, std::string(what) + " contains a control character");
  }
}

}  // namespace euiccd::lpa
