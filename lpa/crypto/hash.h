// SHA-1 for key identifiers (RFC 5280 method 1). SHA-256 is base/sha256.h (one implementation,
// on nettle, shared with the engine); the Confirmation Code hash is lpa/hash_cc.h.
#pragma once

#include "base/bytes.h"

namespace euiccd::crypto {

Bytes sha1(ByteView data);

}  // namespace euiccd::crypto
