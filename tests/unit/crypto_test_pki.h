// A complete RSP test PKI (SGP.22 §4.5.2, SGP.26 identities) built in-process for the crypto tests:
// CI → EUM → eUICC and CI → DPauth / DPpb, on either curve, with the SGP.26 test identities (EID
// prefix 89049032, SM-DP+ OID 2.999.10).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lpa/crypto/cert_builder.h"
#include "lpa/crypto/certificate.h"
#include "lpa/crypto/keys.h"

namespace euiccd::crypto::testing {

using namespace std::chrono_literals;

inline constexpr const char* kTestEid = "89049032123451234512345678901235";
inline constexpr const char* kTestEumPrefix = "89049032";
inline constexpr const char* kTestSmdpOid = "2.999.10";

// Validity of one year around `now`.
inline CertificateRequest make_request(Role role, const std::string& cn, TimePoint now) {
  CertificateRequest r;
  r.country = "ES";
  r.organization = "RSP Test";
  r.common_name = cn;
  r.role = role;
  r.not_before = now - 24h * 30;
  r.not_after = now + 24h * 365;
  return r;
}

struct Issued {
  PrivateKey key;
  Certificate cert;
};

inline Issued issue(const CertificateRequest& request, Curve curve, const Issued* issuer) {
  PrivateKey key = PrivateKey::generate(curve);
  const PrivateKey& signer = issuer != nullptr ? issuer->key : key;
  Certificate cert = issue_certificate(request, key.public_key(), signer,
                                       issuer != nullptr ? &issuer->cert : nullptr);
  return Issued{key, cert};
}

inline Issued make_ci(Curve curve, TimePoint now, const std::string& cn = "Test CI") {
  CertificateRequest r = make_request(Role::Ci, cn, now);
  r.ca = true;
  r.registered_id = "2.999.1";
  return issue(r, curve, nullptr);
}

inline Issued make_eum(const Issued& ci, TimePoint now,
                       std::vector<std::string> prefixes = {kTestEumPrefix}) {
  CertificateRequest r = make_request(Role::Eum, "EUM Test", now);
  r.ca = true;
  r.path_length = 0;
  r.registered_id = "2.999.5";
  r.permitted_eid_prefixes = std::move(prefixes);
  return issue(r, ci.key.curve(), &ci);
}

inline Issued make_euicc(const Issued& eum, TimePoint now, const std::string& eid = kTestEid) {
  CertificateRequest r = make_request(Role::Euicc, "Test eUICC", now);
  r.serial_number = eid;
  return issue(r, eum.key.curve(), &eum);
}

inline Issued make_dp(const Issued& ci, Role role, TimePoint now) {
  CertificateRequest r = make_request(role, "TEST SM-DP+", now);
  r.organization = "ACME";
  r.registered_id = kTestSmdpOid;
  return issue(r, ci.key.curve(), &ci);
}

}  // namespace euiccd::crypto::testing
