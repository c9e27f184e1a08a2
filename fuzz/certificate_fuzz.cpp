// X.509 certificates of the RSP PKI (lpa/crypto/certificate.h, chain.h): what the SM-DP+ sends
// in ES9+ (serverCertificate, smdpCertificate) and what trust stores hold. The input is one DER
// certificate or a PEM text.
//
// Every certificate read is asked everything the engine asks (key identifiers, EID, OID,
// policies, name constraints, validity, public key). A bundle is then verified as a chain:
// first = leaf, last = trusted CI, the rest intermediates, at a time inside the leaf's
// validity, for the role the leaf claims. Nothing but euiccd::Error may escape; a DER
// certificate re-encodes to one that reads back to the same encoding.
#include <openssl/err.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/crypto/certificate.h"
#include "lpa/crypto/chain.h"
#include "lpa/crypto/keys.h"

using namespace euiccd;
using namespace euiccd::crypto;
using euiccd::fuzz::check;

namespace {

template <typename F>
void quietly(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

void inspect(const Certificate& c) {
  quietly([&] { (void)c.display_name(); });
  quietly([&] { (void)c.subject_text(); });
  quietly([&] { (void)c.to_pem(); });
  quietly([&] { (void)c.subject_key_id(); });
  quietly([&] { (void)c.authority_key_id(); });
  quietly([&] { (void)c.subject_serial_number(); });
  quietly([&] { (void)c.registered_id(); });
  quietly([&] { (void)c.policy_oids(); });
  quietly([&] { (void)c.has_role(Role::Eum); });
  quietly([&] { (void)c.is_ca(); });
  quietly([&] { (void)c.permitted_eid_prefixes(); });
  quietly([&] { (void)format_time(c.not_before()); });
  quietly([&] { (void)format_time(c.not_after()); });
  quietly([&] { (void)c.public_point(); });
}

Role claimed_role(const Certificate& c) {
  for (Role r : {Role::Euicc, Role::DpAuth, Role::DpPb, Role::DpTls, Role::DsAuth, Role::DsTls,
                 Role::Eum, Role::Ci}) {
    if (c.has_role(r)) return r;
  }
  return Role::Euicc;
}

void verify(const std::vector<Certificate>& certs) {
  const Certificate& leaf = certs.front();
  const std::span<const Certificate> all(certs);
  const auto intermediates =
      certs.size() > 2 ? all.subspan(1, certs.size() - 2) : std::span<const Certificate>();
  const TimePoint now = leaf.not_before() + (leaf.not_after() - leaf.not_before()) / 2;
  quietly([&] { verify_chain(leaf, intermediates, all.last(1), claimed_role(leaf), now); });
  quietly([&] { check_eid_in_eum_range(leaf, certs.back()); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  try {
    const Certificate c = Certificate::from_bytes(input);
    inspect(c);
    const std::string_view text = fuzz::as_text(input);
    if (text.find("-----BEGIN") == std::string_view::npos) {
      // OpenSSL keeps the signed part as received but re-encodes the signature fields, so a
      // certificate that is not strict DER comes out normalised, and re-encoding is stable.
      const Bytes der = c.der();
      check(Certificate::from_der(der).der() == der);
    }
  } catch (const Error&) {
  }
  try {
    const std::vector<Certificate> certs = load_certificates(input);
    check(!certs.empty());
    for (const Certificate& c : certs) inspect(c);
    verify(certs);
  } catch (const Error&) {
  }
  // Points (5F49 one-time keys, certificate keys) on both RSP curves.
  if (size >= kPointSize) {
    for (Curve curve : {Curve::NistP256, Curve::BrainpoolP256r1}) {
      quietly([&] {
        const PublicKey key = PublicKey::from_point(curve, input.last(kPointSize));
        const Bytes point = key.point();
        check(std::equal(point.begin(), point.end(), input.last(kPointSize).begin()));
      });
    }
  }
  ERR_clear_error();  // OpenSSL's per-thread queue must not carry one run into the next
  return 0;
}
