// Issues RSP-profile X.509 certificates (SGP.22 §4.5.2; digest §6.1, §7) for test PKIs: the
// virtual eUICC, the test SM-DP+ and the tests build their own CI → EUM → eUICC and
// CI → DPauth/DPpb/DPtls chains with this instead of shipping key material.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lpa/crypto/certificate.h"
#include "lpa/crypto/keys.h"

namespace euiccd::crypto {

struct CertificateRequest {
  // Subject; empty attributes are left out. Order in the name: C, O, serialNumber, CN.
  std::string country;
  std::string organization;
  std::string serial_number;  // subject serialNumber attribute: the EID of an eUICC
  std::string common_name;

  Role role = Role::Euicc;    // written to certificatePolicies (critical)
  bool ca = false;            // basicConstraints cA, keyUsage keyCertSign+cRLSign
  int path_length = -1;       // basicConstraints pathLenConstraint for a CA; -1 = none
  std::string registered_id;  // SubjectAltName registeredID (e.g. "2.999.10"); empty = none
  std::vector<std::string> permitted_eid_prefixes;  // EUM nameConstraints, variant O
  std::vector<std::string> dns_names;               // SubjectAltName dNSName (TLS certs)

  TimePoint not_before;
  TimePoint not_after;
  uint64_t serial = 1;
};

// Builds and signs (ECDSA-SHA256) a certificate for `subject_key`. With `issuer` null the
// certificate is self-signed (a CI) and `issuer_key` must be the subject's own key.
// SubjectKeyIdentifier = SHA-1 of the public point; AuthorityKeyIdentifier = issuer's SKI.
Certificate issue_certificate(const CertificateRequest& request, const PublicKey& subject_key,
                              const PrivateKey& issuer_key, const Certificate* issuer);

}  // namespace euiccd::crypto
