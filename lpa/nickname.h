// A profile nickname (SGP.22 profileNickname, UTF8String SIZE(0..64)): the name a person gives
// a profile. The limit and the rules live here once; the bus, the config and the ES10c codec
// use them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace euiccd::lpa {

// SGP.22: UTF8String (SIZE(0..64)), counted in bytes.
inline constexpr size_t kMaxNicknameBytes = 64;

class Nickname {
 public:
  // At most kMaxNicknameBytes bytes, no control characters (lpa/text_rules.h); "" is a valid
  // nickname (it clears the one on the card). Throws Error(InvalidArgument) saying which rule
  // the text breaks.
  static Nickname parse(std::string_view text);

  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }
  bool operator==(const Nickname&) const = default;

 private:
  explicit Nickname(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace euiccd::lpa
