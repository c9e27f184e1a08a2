// EC keys on the SGP.22 curves (SGP.22 §2.6.5; digest §6.1, §6.3).
#include "lpa/crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "lpa/crypto/ossl.h"

namespace euiccd::crypto {
namespace {

constexpr size_t kCoordinateSize = 32;

bool looks_like_pem(ByteView data) {
  static constexpr std::string_view kBegin = "-----BEGIN";
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find(kBegin) != std::string_view::npos;
}

Bytes coordinate(EVP_PKEY* pkey, const char* param) {
  BIGNUM* raw = nullptr;
  ossl::check(EVP_PKEY_get_bn_param(pkey, param, &raw) == 1, "cannot read an EC public key");
  ossl::BnPtr bn(raw);
  Bytes out(kCoordinateSize);
  ossl::check(BN_bn2binpad(bn.get(), out.data(), static_cast<int>(out.size())) ==
                  static_cast<int>(kCoordinateSize),
              "EC coordinate does not fit in 32 bytes");
  return out;
}

}  // namespace

const char* curve_display_name(Curve curve) {
  return curve == Curve::NistP256 ? "NIST P-256" : "brainpoolP256r1";
}

const char* curve_group_name(Curve curve) {
  return curve == Curve::NistP256 ? "prime256v1" : "brainpoolP256r1";
}

Curve curve_of(EVP_PKEY* pkey) {
  if (pkey == nullptr || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) {
    throw Error(Errc::NotSupported,
                "the key is not an elliptic-curve key (SGP.22 uses ECDSA only)");
  }
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    ossl::fail(Errc::NotSupported, "the EC key does not use a named curve");
  }
  std::string_view group(name, len);
  if (group == "prime256v1" || group == "P-256" || group == "secp256r1") return Curve::NistP256;
  if (group == "brainpoolP256r1") return Curve::BrainpoolP256r1;
  throw Error(Errc::NotSupported, "the EC key is on curve " + std::string(group) +
                                      "; SGP.22 allows only NIST P-256 and brainpoolP256r1");
}

Bytes read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Errc::NotFound, "cannot read " + path.string());
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(Errc::NotFound, "cannot read " + path.string());
  return data;
}

// --- PublicKey ---

PublicKey PublicKey::from_point(Curve curve, ByteView point) {
  if (point.size() != kPointSize || point[0] != 0x04) {
    throw Error(Errc::Malformed,
                "an EC public key must be an uncompressed point 04||X||Y of 65 "
                "bytes, got " +
                    std::to_string(point.size()) + " bytes");
  }
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  ossl::check(bld != nullptr, "out of memory");
  ossl::check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                              curve_group_name(curve), 0) == 1 &&
                  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                                   point.size()) == 1,
              "cannot build EC key parameters");
  ossl::ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  ossl::check(params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx.get()) == 1,
              "cannot set up EC key import");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ossl::fail(Errc::Malformed,
               std::string("the EC public key is not a point on ") + curve_display_name(curve));
  }
  ossl::PkeyPtr pkey(raw);
  // Import already decodes the point; check it explicitly too (on the curve, not infinity).
  ossl::PkeyCtxPtr check_ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  ossl::check(check_ctx != nullptr, "out of memory");
  if (EVP_PKEY_public_check(check_ctx.get()) != 1) {
    ossl::fail(Errc::Malformed, std::string("the EC public key is not a valid point on ") +
                                    curve_display_name(curve));
  }
  return PublicKey(pkey.release(), curve);
}

PublicKey PublicKey::from_evp(EVP_PKEY* pkey) {
  Curve curve = curve_of(pkey);
  ossl::check(EVP_PKEY_up_ref(pkey) == 1, "EVP_PKEY_up_ref failed");
  return PublicKey(pkey, curve);
}

Bytes PublicKey::point() const {
  Bytes out{0x04};
  append(out, coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X));
  append(out, coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y));
  return out;
}

// --- PrivateKey ---

PrivateKey PrivateKey::generate(Curve curve) {
  EVP_PKEY* raw = EVP_EC_gen(curve_group_name(curve));
  if (raw == nullptr) ossl::fail(Errc::Internal, "EC key generation failed");
  return PrivateKey(raw, curve);
}

PrivateKey PrivateKey::from_bytes(ByteView pem_or_der) {
  EVP_PKEY* raw = nullptr;
  if (looks_like_pem(pem_or_der)) {
    ossl::BioPtr bio(BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size())));
    ossl::check(bio != nullptr, "out of memory");
    raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const unsigned char* p = pem_or_der.data();
    raw = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pem_or_der.size()));
  }
  if (raw == nullptr) {
    ossl::fail(Errc::Malformed, "not a private key in PEM or DER form");
  }
  ossl::PkeyPtr pkey(raw);
  Curve curve = curve_of(pkey.get());
  return PrivateKey(pkey.release(), curve);
}

PrivateKey PrivateKey::from_file(const std::filesystem::path& path) {
  try {
    return from_bytes(read_file_bytes(path));
  } catch (const Error& e) {
    if (e.code() == Errc::NotFound) throw;
    throw Error(e.code(), path.string() + ": " + e.what());
  }
}

PublicKey PrivateKey::public_key() const {
  // Re-import the public half alone so a PublicKey never carries the private scalar.
  Bytes point;
  point.push_back(0x04);
  append(point, coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X));
  append(point, coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y));
  return PublicKey::from_point(curve_, point);
}

std::string PrivateKey::to_pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  ossl::check(bio != nullptr && PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                                                         nullptr, nullptr) == 1,
              "cannot write the private key as PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace euiccd::crypto
