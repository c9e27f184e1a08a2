// EC keys for SGP.22 (§2.6 / digest §6.1, §6.3): the two RSP curves, private keys loaded from
// PEM/DER, public keys as uncompressed points (04‖X‖Y, as carried in 5F49 TLVs), and one-time
// key pairs (otSK/otPK.ECKA).
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace euiccd::crypto {

namespace detail {
// An owned EVP_PKEY reference; copying takes another reference (keys are immutable once
// built, so sharing them is safe).
class PkeyRef {
 public:
  PkeyRef() = default;
  explicit PkeyRef(EVP_PKEY* adopt) : key_(adopt) {}
  PkeyRef(const PkeyRef& other)
      : key_(other.key_ ? (EVP_PKEY_up_ref(other.get()), other.get()) : nullptr) {}
  PkeyRef& operator=(const PkeyRef& other) {
    if (this != &other) *this = PkeyRef(other);
    return *this;
  }
  PkeyRef(PkeyRef&&) noexcept = default;
  PkeyRef& operator=(PkeyRef&&) noexcept = default;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  };
  std::unique_ptr<EVP_PKEY, Free> key_;
};
}  // namespace detail

// The curves SGP.22 allows; every certificate chain stays on one of them.
enum class Curve { NistP256, BrainpoolP256r1 };

// "NIST P-256" / "brainpoolP256r1" for messages.
const char* curve_display_name(Curve curve);
// OpenSSL group name: "prime256v1" / "brainpoolP256r1".
const char* curve_group_name(Curve curve);

// Size of an uncompressed point on either curve: 04 ‖ X(32) ‖ Y(32).
inline constexpr size_t kPointSize = 65;

class PublicKey {
 public:
  // From an uncompressed point 04‖X‖Y. Throws Error(Malformed) if the point is not 65 bytes,
  // not uncompressed, or not on the curve.
  static PublicKey from_point(Curve curve, ByteView point);
  // Takes its own reference to `pkey` (the caller keeps its own). Throws NotSupported for a key
  // that is not on one of the RSP curves.
  static PublicKey from_evp(EVP_PKEY* pkey);

  Curve curve() const { return curve_; }
  // 04‖X‖Y, 65 bytes.
  Bytes point() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  PublicKey(EVP_PKEY* pkey, Curve curve) : key_(pkey), curve_(curve) {}
  detail::PkeyRef key_;
  Curve curve_;
};

class PrivateKey {
 public:
  // A new random key pair (one-time keys, tests).
  static PrivateKey generate(Curve curve);
  // PEM ("-----BEGIN EC PRIVATE KEY-----" or PKCS#8 "PRIVATE KEY") or DER (either form),
  // detected from the content. Throws Error(Malformed) for anything else, NotSupported for a
  // key that is not on an RSP curve.
  static PrivateKey from_bytes(ByteView pem_or_der);
  // Reads the file and calls from_bytes; Error(NotFound) if it cannot be read.
  static PrivateKey from_file(const std::filesystem::path& path);

  Curve curve() const { return curve_; }
  PublicKey public_key() const;
  Bytes public_point() const { return public_key().point(); }
  // PKCS#8 PEM, to store generated keys.
  std::string to_pem() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  PrivateKey(EVP_PKEY* pkey, Curve curve) : key_(pkey), curve_(curve) {}
  detail::PkeyRef key_;
  Curve curve_;
};

// Reads a whole file; Error(NotFound) naming the path if it cannot.
Bytes read_file_bytes(const std::filesystem::path& path);

// The RSP curve of an EC key; Error(NotSupported) for other keys.
Curve curve_of(EVP_PKEY* pkey);

}  // namespace euiccd::crypto
