// SHA-256, the one implementation in euiccd (the engine's confirmation-code hash, lpa/hash_cc.h,
// and whatever else needs a plain digest; signatures hash inside OpenSSL). It is on
// nettle rather than OpenSSL: the daemon then maps no libcrypto at all (~1.5 MB of its idle
// RSS; docs/performance.md, "Memory"), and nettle is a few hundred kB. lpa/crypto keeps
// OpenSSL for everything else (signatures, certificates, key agreement, SHA-1).
#pragma once

#include "base/bytes.h"

namespace euiccd {

Bytes sha256(ByteView data);

}  // namespace euiccd
