// The voucher a user tops up with: checked before it goes anywhere, put into the operator's
// template, and kept out of every message. A voucher with a '*' or '#' in it could turn a
// top-up code into a different USSD command, so by default only digits pass.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace euiccd::topup {

inline constexpr size_t kMaxVoucherLength = 40;
inline constexpr const char* kDigits = "0123456789";

// Returns the voucher as it will be sent. Spaces and '-' (as printed on scratch cards) are
// dropped unless `charset` allows them; every other character must be in `charset` (digits
// when empty) and the result 1..kMaxVoucherLength long. Throws Error(InvalidArgument) whose
// message names the rule, never the voucher.
std::string checked_voucher(std::string_view voucher, std::string_view charset);

// `templ` with every `token` replaced by `voucher`. Throws Error(InvalidArgument) when the
// token is missing from the template (it would send a code without the voucher).
std::string fill_template(std::string_view templ, std::string_view token, std::string_view voucher);

// `text` with every occurrence of `secret` replaced by "<voucher>" (for text that might echo
// it back, such as a ModemManager error message).
std::string redacted(std::string_view text, std::string_view secret);

}  // namespace euiccd::topup
