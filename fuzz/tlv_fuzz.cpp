// BER-TLV decoding of arbitrary bytes: must throw euiccd::Error or succeed, never crash, and
// every value it returns must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/error.h"
#include "lpa/tlv.h"

using namespace euiccd;

namespace {

void walk(const tlv::Tlv& t, ByteView input, int depth) {
  auto inside = [&](ByteView v) {
    return v.empty() ||
           (v.data() >= input.data() && v.data() + v.size() <= input.data() + input.size());
  };
  if (!inside(t.value) || !inside(t.raw)) abort();
  if (depth > 32 || !t.constructed()) return;
  for (const auto& c : t.children()) walk(c, input, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView input(data, size);
  try {
    for (const auto& t : tlv::parse_all(input)) {
      walk(t, input, 0);
      // Re-encoding a decoded TLV gives back the same bytes when the input was minimal DER.
      Bytes again = tlv::encode(t.tag, t.value);
      (void)again;
    }
  } catch (const Error&) {
  }
  return 0;
}
