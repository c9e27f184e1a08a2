// Certificate chain verification for the RSP PKI (SGP.22 §4.5.2.x, §5.6/5.7 checks; digest
// §6.1): CI → [EUM] → leaf, walked by AuthorityKeyIdentifier → SubjectKeyIdentifier, with
// signatures, validity periods, the role in certificatePolicies and, for eUICC chains, the
// EID range of the EUM (variant O nameConstraints, or the v3 permittedEins extension).
#pragma once

#include <span>

#include "lpa/crypto/certificate.h"

namespace euiccd::crypto {

// Verifies `leaf` for `expected_role` at time `now` and returns the trusted CI certificate
// that anchors it (its SKI is the CI PKId the chain was verified against).
//
// For Role::Euicc the chain must be CI → EUM → eUICC and the EID (subject serialNumber) must
// lie in the EUM's permitted range; an EUM that states no range is accepted. Other roles may
// have CA intermediates (v3 SubCAs) or none (v2).
//
// Errors:
//   Error(NotAllowed) — "certificate "X" is not signed by a trusted CI", "… expired on …",
//                       "… is not valid before …", "… has the wrong role …",
//                       "EID … is outside the range …", a signature that does not verify;
//   Error(Malformed)  — a certificate lacks what the RSP profile requires (key identifiers,
//                       the EID) or cannot be read.
Certificate verify_chain(const Certificate& leaf, std::span<const Certificate> intermediates,
                         std::span<const Certificate> trusted_cis, Role expected_role,
                         TimePoint now);

// The EID check alone: the eUICC certificate's serialNumber is a 32-digit EID within the
// range of `eum`. Throws as verify_chain does.
void check_eid_in_eum_range(const Certificate& euicc, const Certificate& eum);

}  // namespace euiccd::crypto
