// Hashes used by SGP.22: SHA-256 for every RSP signature and the KDF, the Confirmation Code
// hash of SGP.22 §3.1.3 / digest §5 (hashCc), SHA-1 for key identifiers (RFC 5280 method 1).
#pragma once

#include <string_view>

#include "lpa/bytes.h"

namespace euiccd::crypto {

Bytes sha256(ByteView data);
Bytes sha1(ByteView data);

// hashCc = SHA-256(SHA-256(code as entered, UTF-8) ‖ transactionId bytes), 32 bytes. The
// transactionId is the binary one from smdpSigned2 (not its hex text).
Bytes hash_confirmation_code(std::string_view code, ByteView transaction_id);

}  // namespace euiccd::crypto
