#include "veuicc/bits.h"

#include "base/error.h"

namespace euiccd::veuicc {

Bytes encode_named_bits(uint32_t mask) {
  int highest = -1;
  for (int bit = 0; bit < 32; ++bit) {
    if (mask & (1u << bit)) highest = bit;
  }
  if (highest < 0) return {0x00};
  const size_t nbytes = static_cast<size_t>(highest) / 8 + 1;
  Bytes out(nbytes + 1, 0);
  out[0] = static_cast<uint8_t>(7 - highest % 8);
  for (int bit = 0; bit <= highest; ++bit) {
    if (mask & (1u << bit)) out[1 + bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  }
  return out;
}

uint32_t decode_named_bits(ByteView content) {
  if (content.empty() || content[0] > 7) {
    throw Error(Errc::Malformed, "BIT STRING with an empty value or a bad unused-bits count");
  }
  uint32_t mask = 0;
  for (size_t i = 1; i < content.size() && i <= 4; ++i) {
    for (int b = 0; b < 8; ++b) {
      if (content[i] & (0x80 >> b)) mask |= 1u << ((i - 1) * 8 + static_cast<size_t>(b));
    }
  }
  return mask;
}

}  // namespace euiccd::veuicc
