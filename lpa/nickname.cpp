#include "lpa/nickname.h"

#include "lpa/text_rules.h"

namespace euiccd::lpa {

Nickname Nickname::parse(std::string_view text) {
  check_display_text(text, "the nickname", kMaxNicknameBytes);
  return Nickname(std::string(text));
}

}  // namespace euiccd::lpa
