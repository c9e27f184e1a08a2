// Certificate checks, OIDs and signatures shared by the card's download functions.
#include <openssl/objects.h>

#include <algorithm>
#include <chrono>

#include "base/error.h"
#include "lpa/crypto/chain.h"
#include "veuicc/es10b_download.h"

namespace euiccd::veuicc {

std::optional<crypto::Certificate> find_trusted_ci(const Credentials& credentials,
                                                   ByteView key_id) {
  const Bytes wanted(key_id.begin(), key_id.end());
  const auto& ids = credentials.ci_key_ids();
  const auto& certs = credentials.ci_certificates();
  for (size_t i = 0; i < ids.size() && i < certs.size(); ++i) {
    if (ids[i] == wanted) return crypto::Certificate::from_der(certs[i]);
  }
  return std::nullopt;
}

ServerCertificateCheck check_server_certificate(ByteView der, const crypto::Certificate& ci,
                                                std::span<const crypto::Role> roles,
                                                std::optional<crypto::Certificate>& out) {
  try {
    out = crypto::Certificate::from_der(der);
  } catch (const Error&) {
    return ServerCertificateCheck::Invalid;
  }
  try {
    out->public_key();
  } catch (const Error& e) {
    return e.code() == Errc::NotSupported ? ServerCertificateCheck::UnsupportedCurve
                                          : ServerCertificateCheck::Invalid;
  }
  // The role decides which chain rules apply; a certificate with none of `roles` fails the
  // check for the first one.
  crypto::Role role = roles.front();
  for (crypto::Role r : roles) {
    if (out->has_role(r)) role = r;
  }
  try {
    crypto::verify_chain(*out, {}, std::span(&ci, 1), role, std::chrono::system_clock::now());
  } catch (const Error&) {
    return ServerCertificateCheck::Invalid;
  }
  if (!out->registered_id()) return ServerCertificateCheck::NoOid;
  return ServerCertificateCheck::Ok;
}

Bytes encode_oid(const std::string& dotted) {
  ASN1_OBJECT* obj = OBJ_txt2obj(dotted.c_str(), 1);
  if (!obj) throw Error(Errc::Internal, "cannot encode the OID " + dotted);
  const unsigned char* data = OBJ_get0_data(obj);
  Bytes out(data, data + OBJ_length(obj));
  ASN1_OBJECT_free(obj);
  return out;
}

Bytes server_oid(const crypto::Certificate& cert) {
  const std::optional<std::string> oid = cert.registered_id();
  if (!oid) throw Error(Errc::Internal, "the server certificate names no OID");
  return encode_oid(*oid);
}

Bytes euicc_signature(const Es10Context& ctx, ByteView data) {
  return tlv::encode(0x5F37, ctx.credentials.sign(data));
}

}  // namespace euiccd::veuicc
