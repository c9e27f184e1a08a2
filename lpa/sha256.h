// SHA-256 for the engine (the confirmation-code hash), on nettle rather than OpenSSL: the
// daemon then maps no libcrypto at all (~1.5 MB of its idle RSS; docs/performance.md,
// "Memory"), and nettle is a few hundred kB. lpa/crypto keeps OpenSSL for everything else
// (signatures, certificates, key agreement), used by the test peers and tools.
#pragma once

#include "lpa/bytes.h"

namespace euiccd::lpa {

Bytes sha256(ByteView data);

}  // namespace euiccd::lpa
