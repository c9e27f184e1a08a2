#include "topup/voucher.h"

#include <ostream>

#include "base/error.h"
#include "topup/errors.h"

namespace euiccd::topup {

Voucher Voucher::parse(std::string_view voucher, std::string_view charset) {
  const std::string_view allowed = charset.empty() ? std::string_view(kDigits) : charset;
  std::string kept;
  kept.reserve(voucher.size());
  bool bad_character = false;
  for (const char c : voucher) {
    if (allowed.find(c) != std::string_view::npos) {
      kept.push_back(c);
    } else if (c != ' ' && c != '-') {
      bad_character = true;
    }
  }
  if (bad_character) {
    throw voucher_rejected(charset.empty()
                               ? std::string("it may contain only digits (0-9)")
                               : "it may contain only the characters \"" + std::string(charset) +
                                     "\" (VoucherCharset in the config)");
  }
  if (kept.empty()) throw voucher_rejected("it is empty");
  if (kept.size() > kMaxVoucherLength) {
    throw voucher_rejected("it is longer than " + std::to_string(kMaxVoucherLength) +
                           " characters");
  }
  return Voucher(std::move(kept));
}

std::ostream& operator<<(std::ostream& out, const Voucher&) {
  return out << "<voucher>";
}

std::string fill_template(std::string_view templ, std::string_view token,
                          std::string_view voucher) {
  if (token.empty() || templ.find(token) == std::string_view::npos) {
    throw Error(Errc::InvalidArgument, "The top-up template \"" + std::string(templ) +
                                           "\" has no \"" + std::string(token) +
                                           "\" where the voucher goes");
  }
  std::string filled;
  size_t from = 0;
  for (size_t at = templ.find(token); at != std::string_view::npos; at = templ.find(token, from)) {
    filled.append(templ.substr(from, at - from));
    filled.append(voucher);
    from = at + token.size();
  }
  filled.append(templ.substr(from));
  return filled;
}

std::string redacted(std::string_view text, std::string_view secret) {
  if (secret.empty()) return std::string(text);
  std::string out;
  size_t from = 0;
  for (size_t at = text.find(secret); at != std::string_view::npos; at = text.find(secret, from)) {
    out.append(text.substr(from, at - from));
    out.append("<voucher>");
    from = at + secret.size();
  }
  out.append(text.substr(from));
  return out;
}

}  // namespace euiccd::topup
