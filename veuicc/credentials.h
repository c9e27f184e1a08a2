// The eUICC's identity: its certificate, the EUM certificate, its private key, and the CI
// certificates it trusts. Loaded from PEM or DER files so any test PKI can be put in.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace euiccd::veuicc {

struct CredentialFiles {
  std::string euicc_cert;
  std::string euicc_key;
  std::string eum_cert;
  std::vector<std::string> ci_certs;
};

class Credentials {
 public:
  Credentials();
  ~Credentials();
  Credentials(Credentials&&) noexcept;
  Credentials& operator=(Credentials&&) noexcept;

  // Throws Error(InvalidArgument) naming the file that is missing or not a certificate/key.
  static Credentials load(const CredentialFiles& files);

  const Bytes& euicc_certificate() const { return euicc_cert_; }  // DER
  const Bytes& eum_certificate() const { return eum_cert_; }      // DER
  // SubjectKeyIdentifiers of the trusted CI certificates (EUICCInfo1/2 lists).
  const std::vector<Bytes>& ci_key_ids() const { return ci_key_ids_; }
  // The trusted CI certificates themselves (DER, same order): the anchors for the SM-DP+
  // certificates in AuthenticateServer and PrepareDownload.
  const std::vector<Bytes>& ci_certificates() const { return ci_certs_; }
  // The subject serialNumber of the eUICC certificate (the EID), empty without a certificate.
  const std::string& certificate_eid() const { return certificate_eid_; }

  bool can_sign() const { return key_ != nullptr && !euicc_cert_.empty() && !eum_cert_.empty(); }
  // ECDSA with SHA-256 over `data`, as raw r‖s (64 bytes for P-256), the SGP.22 form.
  Bytes sign(ByteView data) const;

 private:
  Bytes euicc_cert_;
  Bytes eum_cert_;
  std::vector<Bytes> ci_key_ids_;
  std::vector<Bytes> ci_certs_;
  std::string certificate_eid_;
  EVP_PKEY* key_ = nullptr;
};

}  // namespace euiccd::veuicc
