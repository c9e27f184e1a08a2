// Base64 as the ES9+/ES11 JSON binding carries every binary field (lpa/es9p_base64.h). The
// input is tried twice: as base64 text from a server (decode must return or throw
// Error(Malformed), and what it returns must encode back to base64 that decodes to the same
// bytes), and as bytes to encode (decoding the encoding gives them back).
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/es9p_base64.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  const std::string_view text = fuzz::as_text(input);
  try {
    const Bytes decoded = base64_decode(text, "fuzz");
    size_t significant = 0;
    for (char c : text) significant += (c != ' ' && c != '\t' && c != '\r' && c != '\n');
    check(decoded.size() <= significant / 4 * 3);
    const std::string encoded = base64_encode(decoded);
    check(encoded.size() == significant);
    check(base64_decode(encoded, "again") == decoded);
  } catch (const Error& e) {
    check(e.code() == Errc::Malformed);
  }
  const std::string encoded = base64_encode(input);
  check(encoded.size() % 4 == 0);
  const Bytes back = base64_decode(encoded, "round trip");
  check(back.size() == size && std::equal(back.begin(), back.end(), input.begin()));
  return 0;
}
