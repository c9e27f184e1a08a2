// ECDSA as SGP.22 uses it for every RSP-level signature (SGP.22 §2.6.5; digest §6.2): SHA-256
// over the exact DER bytes, the signature encoded as raw r‖s (BSI TR-03111 / GP Annex E,
// 64 bytes) inside the TLV 5F37 40. Certificates themselves keep ordinary DER signatures.
#pragma once

#include "base/bytes.h"
#include "lpa/crypto/certificate.h"
#include "lpa/crypto/keys.h"

namespace euiccd::crypto {

inline constexpr size_t kRawSignatureSize = 64;

// ECDSA-SHA256 of `data`, as r‖s (64 bytes).
Bytes sign_raw(const PrivateKey& key, ByteView data);

// True when `signature` (r‖s, 64 bytes) is a valid ECDSA-SHA256 signature of `data`. A
// signature of the wrong size is simply not valid (false), never an exception.
bool verify_raw(const PublicKey& key, ByteView data, ByteView signature);
bool verify_raw(const Certificate& cert, ByteView data, ByteView signature);

// DER Ecdsa-Sig-Value (30 44 02 20 …) → r‖s. Throws Error(Malformed).
Bytes der_signature_to_raw(ByteView der);
// r‖s (64 bytes) → DER Ecdsa-Sig-Value. Throws Error(Malformed) for a wrong size.
Bytes raw_signature_to_der(ByteView raw);

// 5F37 40 ‖ r‖s — the form in which SGP.22 messages carry signatures (and in which some of
// them are themselves signed, e.g. smdpSignature2 covers euiccSignature1's TLV).
Bytes signature_tlv(ByteView raw);
// The 64 bytes inside a 5F37 TLV; Error(Malformed) if it is not exactly 5F37 40 + 64 bytes.
Bytes signature_from_tlv(ByteView tlv);

}  // namespace euiccd::crypto
