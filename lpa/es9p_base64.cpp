#include "lpa/es9p_base64.h"

#include <nettle/base64.h>

#include <climits>

#include "base/error.h"

namespace euiccd::lpa {
namespace {

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string base64_encode(ByteView data) {
  if (data.size() > size_t(INT_MAX) / 4 * 3)
    throw Error(Errc::InvalidArgument, "base64: input too large");
  std::string out(BASE64_ENCODE_RAW_LENGTH(data.size()), '\0');
  base64_encode_raw(out.data(), data.size(), data.data());
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
  // Checked above: only the alphabet, whole quads, padding at the end. nettle decodes.
  Bytes out(BASE64_DECODE_LENGTH(compact.size()));
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  size_t length = out.size();
  if (!base64_decode_update(&ctx, &length, out.data(), compact.size(), compact.data()) ||
      !base64_decode_final(&ctx))
    throw Error(Errc::Malformed, name + ": base64 does not decode");
  out.resize(length);
  return out;
}

}  // namespace euiccd::lpa
