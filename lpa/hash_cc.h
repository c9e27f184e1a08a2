// The Confirmation Code hash of SGP.22 §3.1.3 (digest §5), computed inside the engine library
// (lpa/crypto links the engine, so the engine cannot link it back).
#pragma once

#include <string_view>

#include "base/bytes.h"

namespace euiccd::lpa {

// hashCc = SHA-256(SHA-256(code as entered, UTF-8) ‖ transactionId), 32 bytes. The
// transactionId is the binary one from smdpSigned2, not its hex text.
Bytes compute_hash_cc(std::string_view confirmation_code, ByteView transaction_id);

}  // namespace euiccd::lpa
