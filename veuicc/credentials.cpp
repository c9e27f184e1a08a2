#include "veuicc/credentials.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/error.h"

namespace euiccd::veuicc {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

Bytes read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Errc::InvalidArgument, std::string("cannot read the ") + what + " " + path);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return Bytes(text.begin(), text.end());
}

bool is_pem(const Bytes& data) {
  static const std::string kBegin = "-----BEGIN";
  return std::search(data.begin(), data.end(), kBegin.begin(), kBegin.end()) != data.end();
}

X509Ptr load_cert(const std::string& path, const char* what) {
  const Bytes data = read_file(path, what);
  X509* cert = nullptr;
  if (is_pem(data)) {
    BIO* bio = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
    cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  } else {
    const unsigned char* p = data.data();
    cert = d2i_X509(nullptr, &p, static_cast<long>(data.size()));
  }
  if (!cert)
    throw Error(Errc::InvalidArgument,
                std::string(what) + " " + path + " is not an X.509 certificate (PEM or DER)");
  return X509Ptr(cert);
}

Bytes cert_der(X509* cert) {
  unsigned char* out = nullptr;
  const int len = i2d_X509(cert, &out);
  if (len <= 0) throw Error(Errc::Internal, "cannot encode a certificate");
  Bytes der(out, out + len);
  OPENSSL_free(out);
  return der;
}

// SubjectKeyIdentifier extension, or SHA-1 of the public key (RFC 5280 method 1) without one.
Bytes key_id(X509* cert) {
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert)) {
    return Bytes(ski->data, ski->data + ski->length);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!X509_pubkey_digest(cert, EVP_sha1(), md, &len)) throw Error(Errc::Internal, "SHA-1 failed");
  return Bytes(md, md + len);
}

std::string subject_serial_number(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
  if (idx < 0) return {};
  unsigned char* utf8 = nullptr;
  const int len =
      ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

EVP_PKEY* load_key(const std::string& path) {
  const Bytes data = read_file(path, "eUICC private key");
  BIO* bio = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
  EVP_PKEY* key = is_pem(data) ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                               : d2i_PrivateKey_bio(bio, nullptr);
  BIO_free(bio);
  if (!key)
    throw Error(Errc::InvalidArgument,
                "eUICC private key " + path + " is not a private key (PEM or DER)");
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
    EVP_PKEY_free(key);
    throw Error(Errc::InvalidArgument, "eUICC private key " + path + " is not an EC key");
  }
  return key;
}

}  // namespace

Credentials::Credentials() = default;
Credentials::~Credentials() {
  EVP_PKEY_free(key_);
}
Credentials::Credentials(Credentials&& other) noexcept {
  *this = std::move(other);
}
Credentials& Credentials::operator=(Credentials&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    euicc_cert_ = std::move(other.euicc_cert_);
    eum_cert_ = std::move(other.eum_cert_);
    ci_key_ids_ = std::move(other.ci_key_ids_);
    ci_certs_ = std::move(other.ci_certs_);
    certificate_eid_ = std::move(other.certificate_eid_);
    key_ = other.key_;
    other.key_ = nullptr;
  }
  return *this;
}

Credentials Credentials::load(const CredentialFiles& files) {
  Credentials c;
  if (!files.euicc_cert.empty()) {
    X509Ptr cert = load_cert(files.euicc_cert, "eUICC certificate");
    c.euicc_cert_ = cert_der(cert.get());
    c.certificate_eid_ = subject_serial_number(cert.get());
  }
  if (!files.eum_cert.empty())
    c.eum_cert_ = cert_der(load_cert(files.eum_cert, "EUM certificate").get());
  for (const auto& path : files.ci_certs) {
    X509Ptr ci = load_cert(path, "CI certificate");
    c.ci_key_ids_.push_back(key_id(ci.get()));
    c.ci_certs_.push_back(cert_der(ci.get()));
  }
  if (!files.euicc_key.empty()) c.key_ = load_key(files.euicc_key);
  return c;
}

Bytes Credentials::sign(ByteView data) const {
  if (!key_) throw Error(Errc::Internal, "veuicc has no private key (--euicc-key)");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t der_len = 0;
  Bytes der;
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
            EVP_DigestSign(ctx, nullptr, &der_len, data.data(), data.size()) == 1;
  if (ok) {
    der.resize(der_len);
    ok = EVP_DigestSign(ctx, der.data(), &der_len, data.data(), data.size()) == 1;
    der.resize(der_len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw Error(Errc::Internal, "ECDSA signing failed");
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) throw Error(Errc::Internal, "ECDSA signature does not decode");
  const int half = (EVP_PKEY_get_bits(key_) + 7) / 8;
  Bytes raw(static_cast<size_t>(half) * 2);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), half);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + half, half);
  ECDSA_SIG_free(sig);
  return raw;
}

}  // namespace euiccd::veuicc
