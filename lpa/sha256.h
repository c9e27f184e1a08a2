// SHA-256 (FIPS 180-4) in the engine itself: the one digest the engine needs (the
// confirmation-code hash) without linking OpenSSL, so that the daemon maps no libcrypto at
// all (~1.5 MB of its idle RSS; docs/performance.md, "Memory"). lpa/crypto keeps OpenSSL for
// everything else (signatures, certificates, key agreement), used by the test peers.
#pragma once

#include "lpa/bytes.h"

namespace euiccd::lpa {

Bytes sha256(ByteView data);

}  // namespace euiccd::lpa
