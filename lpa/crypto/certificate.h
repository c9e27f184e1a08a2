// X.509 certificates of the RSP PKI (SGP.22 §4.5.2 / digest §6.1): CI, EUM, eUICC, SM-DP+ and
// SM-DS certificates. Loading from PEM/DER and the accessors SGP.22 needs: key identifiers
// (CI PKIds, chain walk), the EID in the eUICC subject serialNumber, the SM-DP+ OID in the
// SubjectAltName registeredID, the role in certificatePolicies, the EUM's permitted EID range.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "lpa/crypto/keys.h"

namespace euiccd::crypto {

// Certificate roles (certificatePolicies, id-rspRole = 2.23.146.1.2.1.x).
enum class Role { Ci, Euicc, Eum, DpTls, DpAuth, DpPb, DsTls, DsAuth };

const char* role_oid(Role role);   // "2.23.146.1.2.1.1"
const char* role_name(Role role);  // "eUICC"
// The v3 EUM policy (variants Ov3/A/B/C); accepted wherever an EUM is expected.
inline constexpr const char* kEumV3PolicyOid = "2.23.146.1.2.1.0.0.0";
// The v3 GSMA extension listing permitted EID prefixes (SEQUENCE OF PrintableString).
inline constexpr const char* kPermittedEinsOid = "2.23.146.1.2.2.0";

using TimePoint = std::chrono::system_clock::time_point;

class Certificate {
 public:
  // Exactly one DER certificate (trailing bytes are an error). Throws Error(Malformed).
  static Certificate from_der(ByteView der);
  // The first certificate of a PEM text. Throws Error(Malformed).
  static Certificate from_pem(std::string_view pem);
  // PEM or DER, detected from the content.
  static Certificate from_bytes(ByteView pem_or_der);
  // Error(NotFound) if the file cannot be read, Malformed (naming the file) if not a cert.
  static Certificate from_file(const std::filesystem::path& path);
  // Takes ownership of `x509`.
  static Certificate adopt(X509* x509);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  // The DER encoding. OpenSSL keeps the signed part as received but re-encodes the signature
  // fields, so a certificate that was not strict DER comes out normalised (found by
  // fuzz/certificate_fuzz.cpp): forward the bytes the server sent, not these.
  Bytes der() const;
  // PEM text ("-----BEGIN CERTIFICATE-----"), to store generated certificates.
  std::string to_pem() const;
  // The subject CN, or the whole subject in one line if it has no CN; for messages.
  std::string display_name() const;
  // The subject as one RFC 2253 line.
  std::string subject_text() const;

  std::optional<Bytes> subject_key_id() const;
  std::optional<Bytes> authority_key_id() const;
  // The subject's serialNumber attribute (the EID in an eUICC certificate).
  std::optional<std::string> subject_serial_number() const;
  // The first SubjectAltName registeredID as dotted text (the SM-DP+ OID, "2.999.10").
  std::optional<std::string> registered_id() const;
  // certificatePolicies OIDs as dotted text.
  std::vector<std::string> policy_oids() const;
  bool has_policy(std::string_view oid) const;
  // The role's policy OID is present (for Eum, the v3 EUM policy also counts).
  bool has_role(Role role) const;
  // basicConstraints cA=TRUE.
  bool is_ca() const;
  // EID prefixes an EUM may issue: serialNumber attributes of DirectoryName entries in the
  // nameConstraints permittedSubtrees (variant O), plus the v3 permittedEins extension.
  // Empty if the certificate states no range.
  std::vector<std::string> permitted_eid_prefixes() const;

  TimePoint not_before() const;
  TimePoint not_after() const;

  Curve curve() const { return public_key().curve(); }
  PublicKey public_key() const;
  // 04‖X‖Y.
  Bytes public_point() const { return public_key().point(); }

  X509* get() const { return cert_.get(); }

 private:
  struct Free {
    void operator()(X509* p) const { X509_free(p); }
  };
  explicit Certificate(X509* x509) : cert_(x509) {}
  std::unique_ptr<X509, Free> cert_;
};

// Every certificate of a PEM bundle (a trust store such as the GSMA CI roots), or the one DER
// certificate. Error(Malformed) if there is none or one is unreadable.
std::vector<Certificate> load_certificates(ByteView pem_or_der);
std::vector<Certificate> load_certificates_file(const std::filesystem::path& path);

// "2024-05-01 12:00:00 UTC", for messages.
std::string format_time(TimePoint time);

}  // namespace euiccd::crypto
