// The voucher a user tops up with: checked before it goes anywhere, put into the operator's
// template, and kept out of every message. A voucher with a '*' or '#' in it could turn a
// top-up code into a different USSD command, so by default only digits pass.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

namespace euiccd::topup {

inline constexpr size_t kMaxVoucherLength = 40;
inline constexpr const char* kDigits = "0123456789";

// A checked voucher, as it will be sent. Its printable form (operator<<) is "<voucher>"; the
// value comes out only through reveal().
class Voucher {
 public:
  // Spaces and '-' (as printed on scratch cards) are dropped unless `charset` allows them;
  // every other character must be in `charset` (digits when empty) and the result
  // 1..kMaxVoucherLength long. Throws Error(InvalidArgument) whose message names the rule,
  // never the voucher.
  static Voucher parse(std::string_view text, std::string_view charset);

  const std::string& reveal() const { return text_; }

 private:
  explicit Voucher(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

std::ostream& operator<<(std::ostream& out, const Voucher& voucher);

// `templ` with every `token` replaced by `voucher`. Throws Error(InvalidArgument) when the
// token is missing from the template (it would send a code without the voucher).
std::string fill_template(std::string_view templ, std::string_view token, std::string_view voucher);

// `text` with every occurrence of `secret` replaced by "<voucher>" (for text that might echo
// it back, such as a ModemManager error message).
std::string redacted(std::string_view text, std::string_view secret);

}  // namespace euiccd::topup
