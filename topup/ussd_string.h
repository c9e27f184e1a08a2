// What a USSD string and an SMS number may look like, for codes read from files and config.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace euiccd::topup {

// GSM 03.90/3GPP TS 24.090: a USSD string is at most 182 characters.
inline constexpr size_t kMaxUssdLength = 182;

// "" when `code` is a dialable USSD string (digits, '*', '#', '+'; the `replacement` token,
// when not empty, may stand in it); otherwise a short phrase saying what is wrong.
std::string ussd_string_problem(std::string_view code, std::string_view replacement);

// A phone number or short code: an optional leading '+', then 1 to 20 digits.
bool is_phone_number(std::string_view number);

}  // namespace euiccd::topup
