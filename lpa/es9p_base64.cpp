#include "lpa/es9p_base64.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "lpa/error.h"

namespace euiccd::lpa {
namespace {

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of a base64 character (checked by is_base64_char first), '=' counting as 0.
uint8_t value_of(char c) {
  if (c >= 'A' && c <= 'Z') return uint8_t(c - 'A');
  if (c >= 'a' && c <= 'z') return uint8_t(c - 'a' + 26);
  if (c >= '0' && c <= '9') return uint8_t(c - '0' + 52);
  if (c == '+') return 62;
  if (c == '/') return 63;
  return 0;
}

bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string base64_encode(ByteView data) {
  if (data.size() > size_t(INT_MAX) / 4 * 3)
    throw Error(Errc::InvalidArgument, "base64: input too large");
  std::string out;
  out.reserve(4 * ((data.size() + 2) / 3));
  for (size_t i = 0; i < data.size(); i += 3) {
    const size_t n = std::min<size_t>(3, data.size() - i);
    uint32_t v = uint32_t(data[i]) << 16;
    if (n > 1) v |= uint32_t(data[i + 1]) << 8;
    if (n > 2) v |= data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(n > 1 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? kAlphabet[v & 63] : '=');
  }
  return out;
}

Bytes base64_decode(std::string_view text, std::string_view what) {
  const std::string name(what);
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (!is_whitespace(c)) compact.push_back(c);
  }
  if (compact.size() > size_t(INT_MAX))
    throw Error(Errc::Malformed, name + ": base64 text too large");
  if (compact.size() % 4 != 0)
    throw Error(Errc::Malformed, name + ": base64 length " + std::to_string(compact.size()) +
                                     " is not a multiple of 4 (truncated?)");
  size_t padding = 0;
  while (padding < 2 && padding < compact.size() && compact[compact.size() - 1 - padding] == '=')
    ++padding;
  for (size_t i = 0; i < compact.size() - padding; ++i) {
    if (!is_base64_char(compact[i]))
      throw Error(Errc::Malformed,
                  name + ": invalid base64 character at position " + std::to_string(i + 1));
  }
  if (compact.empty()) return {};
  Bytes out;
  out.reserve(compact.size() / 4 * 3);
  for (size_t i = 0; i < compact.size(); i += 4) {
    const uint32_t v = uint32_t(value_of(compact[i])) << 18 |
                       uint32_t(value_of(compact[i + 1])) << 12 |
                       uint32_t(value_of(compact[i + 2])) << 6 | value_of(compact[i + 3]);
    out.push_back(uint8_t(v >> 16));
    out.push_back(uint8_t(v >> 8));
    out.push_back(uint8_t(v));
  }
  out.resize(out.size() - padding);
  return out;
}

}  // namespace euiccd::lpa
