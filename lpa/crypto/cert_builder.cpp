// Issues RSP-profile certificates for test PKIs (SGP.22 §4.5.2; digest §6.1, §7).
#include "lpa/crypto/cert_builder.h"

#include <openssl/objects.h>

#include "lpa/crypto/hash.h"
#include "lpa/crypto/ossl.h"

namespace euiccd::crypto {
namespace {

void add_name_entry(X509_NAME* name, int nid, const std::string& value) {
  if (value.empty()) return;
  ossl::check(X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(value.data()),
                                         static_cast<int>(value.size()), -1, 0) == 1,
              "cannot build a certificate name");
}

void add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ossl::X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) ossl::fail(Errc::InvalidArgument, "bad certificate extension value \"" + value + "\"");
  ossl::check(X509_add_ext(cert, ext.get(), -1) == 1, "cannot add a certificate extension");
}

void set_time(ASN1_TIME* field, TimePoint time) {
  ossl::check(ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(time)) != nullptr,
              "cannot set a certificate validity time");
}

void add_name_constraints(X509* cert, const std::vector<std::string>& prefixes) {
  ossl::NameConstraintsPtr nc(NAME_CONSTRAINTS_new());
  ossl::check(nc != nullptr, "out of memory");
  nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
  ossl::check(nc->permittedSubtrees != nullptr, "out of memory");
  for (const std::string& prefix : prefixes) {
    GENERAL_SUBTREE* subtree = GENERAL_SUBTREE_new();
    ossl::check(subtree != nullptr, "out of memory");
    if (sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, subtree) == 0) {
      GENERAL_SUBTREE_free(subtree);
      ossl::fail(Errc::Internal, "out of memory");
    }
    ossl::X509NamePtr dn(X509_NAME_new());
    ossl::check(dn != nullptr, "out of memory");
    add_name_entry(dn.get(), NID_serialNumber, prefix);
    GENERAL_NAME_set0_value(subtree->base, GEN_DIRNAME, dn.release());
  }
  ossl::check(X509_add1_ext_i2d(cert, NID_name_constraints, nc.get(), 1, X509V3_ADD_DEFAULT) == 1,
              "cannot add nameConstraints");
}

// certificatePolicies (critical) with the one role OID, no qualifiers.
void add_role_policy(X509* cert, Role role) {
  ossl::CertPoliciesPtr policies(sk_POLICYINFO_new_null());
  ossl::check(policies != nullptr, "out of memory");
  POLICYINFO* info = POLICYINFO_new();
  ossl::check(info != nullptr, "out of memory");
  if (sk_POLICYINFO_push(policies.get(), info) == 0) {
    POLICYINFO_free(info);
    ossl::fail(Errc::Internal, "out of memory");
  }
  ASN1_OBJECT_free(info->policyid);
  info->policyid = OBJ_txt2obj(role_oid(role), 1);
  ossl::check(info->policyid != nullptr, "bad role OID");
  ossl::check(
      X509_add1_ext_i2d(cert, NID_certificate_policies, policies.get(), 1, X509V3_ADD_DEFAULT) == 1,
      "cannot add certificatePolicies");
}

}  // namespace

Certificate issue_certificate(const CertificateRequest& request, const PublicKey& subject_key,
                              const PrivateKey& issuer_key, const Certificate* issuer) {
  ossl::X509Ptr cert(X509_new());
  ossl::check(cert != nullptr, "out of memory");
  ossl::check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version failed");
  ossl::check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), request.serial) == 1,
              "cannot set the certificate serial number");
  set_time(X509_getm_notBefore(cert.get()), request.not_before);
  set_time(X509_getm_notAfter(cert.get()), request.not_after);

  ossl::X509NamePtr subject(X509_NAME_new());
  ossl::check(subject != nullptr, "out of memory");
  add_name_entry(subject.get(), NID_countryName, request.country);
  add_name_entry(subject.get(), NID_organizationName, request.organization);
  add_name_entry(subject.get(), NID_serialNumber, request.serial_number);
  add_name_entry(subject.get(), NID_commonName, request.common_name);
  ossl::check(X509_set_subject_name(cert.get(), subject.get()) == 1, "cannot set the subject");
  ossl::check(
      X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer->get())
                                                         : subject.get()) == 1,
      "cannot set the issuer");
  ossl::check(X509_set_pubkey(cert.get(), subject_key.get()) == 1, "cannot set the public key");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->get() : cert.get(), cert.get(), nullptr, nullptr,
                 0);

  if (request.ca) {
    std::string bc = "critical,CA:TRUE";
    if (request.path_length >= 0) bc += ",pathlen:" + std::to_string(request.path_length);
    add_conf_extension(cert.get(), &ctx, NID_basic_constraints, bc);
    add_conf_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_conf_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  }
  // SKI = SHA-1 of the uncompressed point (RFC 5280 method 1), as SGP.22 CI PKIds are.
  add_conf_extension(cert.get(), &ctx, NID_subject_key_identifier,
                     to_hex(sha1(subject_key.point())));
  if (issuer != nullptr) {
    std::optional<Bytes> issuer_ski = issuer->subject_key_id();
    if (!issuer_ski) {
      throw Error(Errc::InvalidArgument,
                  "issuer certificate \"" + issuer->display_name() + "\" has no key identifier");
    }
    ossl::AkidPtr akid(AUTHORITY_KEYID_new());
    ossl::check(akid != nullptr, "out of memory");
    akid->keyid = ASN1_OCTET_STRING_new();
    ossl::check(
        akid->keyid != nullptr && ASN1_OCTET_STRING_set(akid->keyid, issuer_ski->data(),
                                                        static_cast<int>(issuer_ski->size())) == 1,
        "cannot build the authority key identifier");
    ossl::check(X509_add1_ext_i2d(cert.get(), NID_authority_key_identifier, akid.get(), 0,
                                  X509V3_ADD_DEFAULT) == 1,
                "cannot add the authority key identifier");
  } else {
    // A CI names itself as authority (as the SGP.26 CI does).
    add_conf_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  }
  add_role_policy(cert.get(), request.role);

  std::string san;
  if (!request.registered_id.empty()) san = "RID:" + request.registered_id;
  for (const std::string& dns : request.dns_names) {
    if (!san.empty()) san += ',';
    san += "DNS:";
    san += dns;
  }
  if (!san.empty()) add_conf_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  if (!request.permitted_eid_prefixes.empty()) {
    add_name_constraints(cert.get(), request.permitted_eid_prefixes);
  }

  if (X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) <= 0) {
    ossl::fail(Errc::Internal, "signing the certificate failed");
  }
  // Re-parse so the returned object holds exactly the DER that others will see.
  X509* built = cert.release();
  Certificate result = Certificate::adopt(built);
  return Certificate::from_der(result.der());
}

}  // namespace euiccd::crypto
