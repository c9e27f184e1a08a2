// Key agreement for the bound profile package (SGP.22 §2.6.4 / Annex G; digest §6.3): one-time
// key pairs otSK/otPK.EUICC.ECKA and otSK/otPK.DP.ECKA on the curve of CERT.DPpb, and the
// shared secret ShS = x-coordinate of ECDH, 32 bytes.
#pragma once

#include "base/bytes.h"
#include "lpa/crypto/keys.h"

namespace euiccd::crypto {

inline constexpr size_t kSharedSecretSize = 32;

// A fresh one-time key pair; send `key.public_point()` (04‖X‖Y) in the 5F49 TLV.
inline PrivateKey generate_one_time_key(Curve curve) {
  return PrivateKey::generate(curve);
}

// ShS from our private key and the peer's uncompressed point on the same curve. Throws
// Error(Malformed) when the point is not 04‖X‖Y or not on the curve.
Bytes shared_secret(const PrivateKey& own, ByteView peer_point);

}  // namespace euiccd::crypto
