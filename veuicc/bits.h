// DER BIT STRINGs with named bits (NotificationEvent, PprIds, resetOptions, RspCapability):
// named bit 0 is the most significant bit of the first byte, and DER drops trailing zero bits.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace euiccd::veuicc {

// mask bit i = named bit i → content octets (unused-bits count + bytes), DER-minimal.
Bytes encode_named_bits(uint32_t mask);
// Content octets → mask (bits beyond 31 are ignored). Throws Error(Malformed) on an empty
// value or an unused-bits count above 7.
uint32_t decode_named_bits(ByteView content);

}  // namespace euiccd::veuicc
