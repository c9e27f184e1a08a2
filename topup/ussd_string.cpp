#include "topup/ussd_string.h"

namespace euiccd::topup {

std::string ussd_string_problem(std::string_view code, std::string_view replacement) {
  if (code.empty()) return "is empty";
  if (code.size() > kMaxUssdLength) {
    return "is longer than the " + std::to_string(kMaxUssdLength) + " characters USSD allows";
  }
  std::string dialable(code);
  if (!replacement.empty()) {
    for (size_t at = dialable.find(replacement); at != std::string::npos;
         at = dialable.find(replacement, at)) {
      dialable.erase(at, replacement.size());
    }
  }
  if (dialable.find_first_not_of("0123456789*#+") != std::string::npos) {
    return "\"" + std::string(code) + "\" has characters other than digits, '*', '#' and '+'";
  }
  return {};
}

bool is_phone_number(std::string_view number) {
  if (!number.empty() && number.front() == '+') number.remove_prefix(1);
  return !number.empty() && number.size() <= 20 &&
         number.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace euiccd::topup
