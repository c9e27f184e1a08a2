// RSP certificates (SGP.22 §4.5.2; digest §6.1).
#include "lpa/crypto/certificate.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "lpa/crypto/ossl.h"
#include "lpa/tlv.h"

namespace euiccd::crypto {
namespace {

struct RoleInfo {
  const char* oid;
  const char* name;
};

constexpr RoleInfo kRoles[] = {
    {"2.23.146.1.2.1.0", "CI"},
    {"2.23.146.1.2.1.1", "eUICC"},
    {"2.23.146.1.2.1.2", "EUM"},
    {"2.23.146.1.2.1.3", "SM-DP+ TLS"},
    {"2.23.146.1.2.1.4", "SM-DP+ authentication"},
    {"2.23.146.1.2.1.5", "SM-DP+ profile binding"},
    {"2.23.146.1.2.1.6", "SM-DS TLS"},
    {"2.23.146.1.2.1.7", "SM-DS authentication"},
};

bool looks_like_pem(ByteView data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find("-----BEGIN") != std::string_view::npos;
}

std::string asn1_string_utf8(const ASN1_STRING* str) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, str);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::optional<std::string> name_serial_number(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
  if (idx < 0) return std::nullopt;
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, idx);
  return asn1_string_utf8(X509_NAME_ENTRY_get_data(entry));
}

TimePoint asn1_time_point(const ASN1_TIME* time) {
  struct tm tm = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    ossl::fail(Errc::Malformed, "the certificate has an unreadable validity time");
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

template <typename T>
T* extension(X509* cert, int nid) {
  int critical = 0;
  return static_cast<T*>(X509_get_ext_d2i(cert, nid, &critical, nullptr));
}

Bytes octets(const ASN1_OCTET_STRING* str) {
  return Bytes(ASN1_STRING_get0_data(str), ASN1_STRING_get0_data(str) + ASN1_STRING_length(str));
}

// v3 permittedEins: SEQUENCE OF PrintableString.
std::vector<std::string> permitted_eins_extension(X509* cert) {
  std::vector<std::string> out;
  ossl::Asn1ObjectPtr oid(OBJ_txt2obj(kPermittedEinsOid, 1));
  if (!oid) return out;
  int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx < 0) return out;
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  ByteView der(ASN1_STRING_get0_data(data), static_cast<size_t>(ASN1_STRING_length(data)));
  tlv::Tlv seq = tlv::parse_one(der);
  if (seq.tag != 0x30)
    throw Error(Errc::Malformed, "the permittedEins extension is not a SEQUENCE");
  for (const tlv::Tlv& item : seq.children()) {
    if (item.tag == 0x13 || item.tag == 0x0C) out.push_back(as_string(item.value));
  }
  return out;
}

}  // namespace

const char* role_oid(Role role) {
  return kRoles[static_cast<int>(role)].oid;
}
const char* role_name(Role role) {
  return kRoles[static_cast<int>(role)].name;
}

std::string format_time(TimePoint time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  struct tm tm = {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// --- loading ---

Certificate Certificate::adopt(X509* x509) {
  ossl::check(x509 != nullptr, "null certificate");
  return Certificate(x509);
}

Certificate::Certificate(const Certificate& other) : cert_(nullptr) {
  if (other.cert_) {
    X509_up_ref(other.cert_.get());
    cert_.reset(other.cert_.get());
  }
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) *this = Certificate(other);
  return *this;
}

Certificate Certificate::from_der(ByteView der) {
  const unsigned char* p = der.data();
  X509* raw = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr) ossl::fail(Errc::Malformed, "not a DER X.509 certificate");
  Certificate cert(raw);
  if (p != der.data() + der.size()) {
    throw Error(Errc::Malformed, "a DER certificate is followed by " +
                                     std::to_string(der.data() + der.size() - p) +
                                     " unexpected bytes");
  }
  return cert;
}

Certificate Certificate::from_pem(std::string_view pem) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::check(bio != nullptr, "out of memory");
  X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) ossl::fail(Errc::Malformed, "not a PEM X.509 certificate");
  return Certificate(raw);
}

Certificate Certificate::from_bytes(ByteView pem_or_der) {
  if (looks_like_pem(pem_or_der)) {
    return from_pem(
        std::string_view(reinterpret_cast<const char*>(pem_or_der.data()), pem_or_der.size()));
  }
  return from_der(pem_or_der);
}

Certificate Certificate::from_file(const std::filesystem::path& path) {
  Bytes data = read_file_bytes(path);
  try {
    return from_bytes(data);
  } catch (const Error& e) {
    throw Error(e.code(), path.string() + ": " + e.what());
  }
}

std::vector<Certificate> load_certificates(ByteView pem_or_der) {
  std::vector<Certificate> out;
  if (!looks_like_pem(pem_or_der)) {
    out.push_back(Certificate::from_der(pem_or_der));
    return out;
  }
  ossl::BioPtr bio(BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size())));
  ossl::check(bio != nullptr, "out of memory");
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.push_back(Certificate::adopt(raw));
  }
  // The loop ends on "no start line" at the end of the text; anything else is damage.
  unsigned long err = ERR_peek_last_error();
  if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
  }
  if (err != 0 && ERR_peek_error() != 0) {
    ossl::fail(Errc::Malformed,
               "certificate " + std::to_string(out.size() + 1) + " of a PEM bundle is unreadable");
  }
  if (out.empty()) throw Error(Errc::Malformed, "no certificate in the PEM text");
  return out;
}

std::vector<Certificate> load_certificates_file(const std::filesystem::path& path) {
  Bytes data = read_file_bytes(path);
  try {
    return load_certificates(data);
  } catch (const Error& e) {
    throw Error(e.code(), path.string() + ": " + e.what());
  }
}

// --- accessors ---

Bytes Certificate::der() const {
  return ossl::to_der(i2d_X509, cert_.get(), "cannot encode the certificate");
}

std::string Certificate::to_pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  ossl::check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert_.get()) == 1,
              "cannot write the certificate as PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Certificate::subject_text() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  ossl::check(bio != nullptr, "out of memory");
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert_.get()), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Certificate::display_name() const {
  const X509_NAME* name = X509_get_subject_name(cert_.get());
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx >= 0) {
    std::string cn = asn1_string_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (!cn.empty()) return cn;
  }
  return subject_text();
}

std::optional<Bytes> Certificate::subject_key_id() const {
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert_.get());
  if (ski == nullptr) return std::nullopt;
  return octets(ski);
}

std::optional<Bytes> Certificate::authority_key_id() const {
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert_.get());
  if (aki == nullptr) return std::nullopt;
  return octets(aki);
}

std::optional<std::string> Certificate::subject_serial_number() const {
  return name_serial_number(X509_get_subject_name(cert_.get()));
}

std::optional<std::string> Certificate::registered_id() const {
  ossl::GeneralNamesPtr names(extension<GENERAL_NAMES>(cert_.get(), NID_subject_alt_name));
  if (!names) return std::nullopt;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_RID) return ossl::oid_text(name->d.registeredID);
  }
  return std::nullopt;
}

std::vector<std::string> Certificate::policy_oids() const {
  std::vector<std::string> out;
  ossl::CertPoliciesPtr policies(
      extension<CERTIFICATEPOLICIES>(cert_.get(), NID_certificate_policies));
  if (!policies) return out;
  for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i) {
    out.push_back(ossl::oid_text(sk_POLICYINFO_value(policies.get(), i)->policyid));
  }
  return out;
}

bool Certificate::has_policy(std::string_view oid) const {
  std::vector<std::string> oids = policy_oids();
  return std::find(oids.begin(), oids.end(), oid) != oids.end();
}

bool Certificate::has_role(Role role) const {
  if (has_policy(role_oid(role))) return true;
  return role == Role::Eum && has_policy(kEumV3PolicyOid);
}

bool Certificate::is_ca() const {
  return X509_check_ca(cert_.get()) != 0;
}

std::vector<std::string> Certificate::permitted_eid_prefixes() const {
  std::vector<std::string> out;
  ossl::NameConstraintsPtr nc(extension<NAME_CONSTRAINTS>(cert_.get(), NID_name_constraints));
  if (nc && nc->permittedSubtrees != nullptr) {
    for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); ++i) {
      const GENERAL_NAME* base = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base;
      if (base->type != GEN_DIRNAME) continue;
      if (auto serial = name_serial_number(base->d.directoryName)) out.push_back(*serial);
    }
  }
  for (std::string& ein : permitted_eins_extension(cert_.get())) out.push_back(std::move(ein));
  return out;
}

TimePoint Certificate::not_before() const {
  return asn1_time_point(X509_get0_notBefore(cert_.get()));
}

TimePoint Certificate::not_after() const {
  return asn1_time_point(X509_get0_notAfter(cert_.get()));
}

PublicKey Certificate::public_key() const {
  EVP_PKEY* pkey = X509_get0_pubkey(cert_.get());
  if (pkey == nullptr) {
    ossl::fail(Errc::Malformed, "certificate " + display_name() + " has an unreadable public key");
  }
  return PublicKey::from_evp(pkey);
}

}  // namespace euiccd::crypto
