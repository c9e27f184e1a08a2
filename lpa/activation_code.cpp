#include "lpa/activation_code.h"

#include <string>
#include <vector>

#include "base/error.h"

namespace euiccd::lpa {
namespace {

[[noreturn]] void reject(const std::string& what) {
  throw Error(Errc::InvalidArgument, "activation code: " + what);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with_lpa_prefix(std::string_view s) {
  if (s.size() < 4) return false;
  const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
  return lower(s[0]) == 'l' && lower(s[1]) == 'p' && lower(s[2]) == 'a' && s[3] == ':';
}

std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find('$', start);
    if (end == std::string_view::npos) {
      fields.push_back(s.substr(start));
      return fields;
    }
    fields.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

void validate_port(std::string_view port, std::string_view what) {
  if (port.empty())
    throw Error(Errc::InvalidArgument, std::string(what) + ": port after ':' is empty");
  unsigned long value = 0;
  for (char c : port) {
    if (!is_digit(c) || port.size() > 5)
      throw Error(Errc::InvalidArgument,
                  std::string(what) + ": port '" + std::string(port) + "' is not a number 1-65535");
    value = value * 10 + unsigned(c - '0');
  }
  if (value == 0 || value > 65535)
    throw Error(Errc::InvalidArgument,
                std::string(what) + ": port " + std::string(port) + " is out of range 1-65535");
}

void validate_host(std::string_view host, std::string_view what) {
  const std::string name(what);
  if (host.empty()) throw Error(Errc::InvalidArgument, name + ": host name is empty");
  if (host.size() > 253)
    throw Error(Errc::InvalidArgument, name + ": host name is longer than 253 characters");
  size_t label_start = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      const std::string_view label = host.substr(label_start, i - label_start);
      if (label.empty())
        throw Error(Errc::InvalidArgument,
                    name + " '" + std::string(host) + "' has an empty label (stray '.')");
      if (label.size() > 63)
        throw Error(Errc::InvalidArgument,
                    name + ": label '" + std::string(label) + "' is longer than 63 characters");
      if (label.front() == '-' || label.back() == '-')
        throw Error(Errc::InvalidArgument,
                    name + ": label '" + std::string(label) + "' starts or ends with '-'");
      label_start = i + 1;
      continue;
    }
    const char c = host[i];
    if (!is_alnum(c) && c != '-') {
      std::string shown = (static_cast<unsigned char>(c) < 0x80) ? std::string("'") + c + "'"
                                                                 : std::string("a non-ASCII byte");
      throw Error(Errc::InvalidArgument, name + " '" + std::string(host) +
                                             "' contains an invalid host name character " + shown +
                                             " (allowed: letters, digits, '-', '.')");
    }
  }
}

void validate_oid(std::string_view oid) {
  const std::string shown = "SM-DP+ OID '" + std::string(oid) + "'";
  size_t arc_start = 0;
  size_t arcs = 0;
  for (size_t i = 0; i <= oid.size(); ++i) {
    if (i == oid.size() || oid[i] == '.') {
      const std::string_view arc = oid.substr(arc_start, i - arc_start);
      if (arc.empty())
        reject(shown + " has an empty arc; expected dotted numbers like 1.3.6.1.4.1");
      if (arc.size() > 1 && arc.front() == '0') reject(shown + " has an arc with a leading zero");
      if (arc.size() > 18) reject(shown + " has an arc that is too large");
      ++arcs;
      arc_start = i + 1;
      continue;
    }
    if (!is_digit(oid[i]))
      reject(shown + " is not dotted decimal (only digits and '.' are allowed)");
  }
  if (arcs < 2) reject(shown + " needs at least two arcs");
  if (oid.front() > '2') reject(shown + " must start with arc 0, 1 or 2");
}

void validate_matching_id(std::string_view id) {
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) reject("matching id contains a non-ASCII character");
    if (c == ' ') reject("matching id contains a space");
  }
}

}  // namespace

void validate_server_address(std::string_view address, std::string_view what) {
  if (address.empty()) throw Error(Errc::InvalidArgument, std::string(what) + " is empty");
  if (address.find("://") != std::string_view::npos)
    throw Error(Errc::InvalidArgument, std::string(what) + " '" + std::string(address) +
                                           "' looks like a URL; give the host name only "
                                           "(no scheme or path)");
  const size_t colon = address.find(':');
  validate_host(address.substr(0, colon), what);
  if (colon != std::string_view::npos) validate_port(address.substr(colon + 1), what);
}

ActivationCode parse_activation_code(std::string_view text) {
  if (text.size() > kMaxActivationCodeLength)
    reject("is " + std::to_string(text.size()) + " characters long; the limit is " +
           std::to_string(kMaxActivationCodeLength));
  std::string_view s = trim(text);
  if (s.empty()) reject("is empty");
  for (size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7F)
      reject("contains a control character at position " + std::to_string(i + 1));
  }
  if (starts_with_lpa_prefix(s)) s.remove_prefix(4);

  const std::vector<std::string_view> fields = split_fields(s);
  if (fields.size() < 3)
    reject("has " + std::to_string(fields.size() - 1) +
           " '$' separators, expected 2 to 4 "
           "(1$<SM-DP+ address>$<matching id>[$<SM-DP+ OID>[$<confirmation code flag>]])");
  if (fields.size() > 5)
    reject("has " + std::to_string(fields.size() - 1) +
           " '$' separators, at most 4 are allowed (5 fields)");
  for (std::string_view f : fields) {
    if (f.size() > kMaxActivationCodeFieldLength)
      reject("a field is " + std::to_string(f.size()) + " characters long; the limit is " +
             std::to_string(kMaxActivationCodeFieldLength));
  }

  if (fields[0] != "1")
    reject("format field is '" + std::string(fields[0]) + "'; only format '1' is defined");
  if (fields[1].empty()) reject("SM-DP+ address is missing");
  try {
    validate_server_address(fields[1], "SM-DP+ address");
  } catch (const Error& e) {
    reject(e.what());
  }

  ActivationCode code;
  code.smdp_address = std::string(fields[1]);
  validate_matching_id(fields[2]);
  code.matching_id = std::string(fields[2]);
  if (fields.size() > 3 && !fields[3].empty()) {
    validate_oid(fields[3]);
    code.smdp_oid = std::string(fields[3]);
  }
  if (fields.size() > 4) {
    if (fields[4] == "1") {
      code.confirmation_code_required = true;
    } else if (!fields[4].empty()) {
      reject("confirmation code flag is '" + std::string(fields[4]) +
             "'; it must be '1' or left out");
    }
  }
  return code;
}

std::string ActivationCode::to_string() const {
  std::string out = "LPA:1$" + smdp_address + "$" + matching_id.reveal();
  if (!smdp_oid.empty() || confirmation_code_required) out += "$" + smdp_oid;
  if (confirmation_code_required) out += "$1";
  return out;
}

}  // namespace euiccd::lpa
