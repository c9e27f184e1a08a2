// ECDSA-SHA256 with TR-03111 raw signatures (SGP.22 §2.6.5; digest §6.2).
#include "lpa/crypto/ecdsa.h"

#include "lpa/crypto/ossl.h"
#include "lpa/tlv.h"

namespace euiccd::crypto {
namespace {

constexpr size_t kScalarSize = kRawSignatureSize / 2;
constexpr tlv::Tag kSignatureTag = 0x5F37;

}  // namespace

Bytes der_signature_to_raw(ByteView der) {
  const unsigned char* p = der.data();
  ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    ossl::drain_errors();
    throw Error(Errc::Malformed, "not a DER ECDSA signature");
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  Bytes raw(kRawSignatureSize);
  if (BN_is_negative(r) || BN_is_negative(s) ||
      BN_bn2binpad(r, raw.data(), kScalarSize) != static_cast<int>(kScalarSize) ||
      BN_bn2binpad(s, raw.data() + kScalarSize, kScalarSize) != static_cast<int>(kScalarSize)) {
    ossl::drain_errors();
    throw Error(Errc::Malformed, "an ECDSA signature value does not fit in 32 bytes");
  }
  return raw;
}

Bytes raw_signature_to_der(ByteView raw) {
  if (raw.size() != kRawSignatureSize) {
    throw Error(Errc::Malformed,
                "a raw ECDSA signature must be 64 bytes (r||s), got " + std::to_string(raw.size()));
  }
  ossl::BnPtr r(BN_bin2bn(raw.data(), kScalarSize, nullptr));
  ossl::BnPtr s(BN_bin2bn(raw.data() + kScalarSize, kScalarSize, nullptr));
  ossl::EcdsaSigPtr sig(ECDSA_SIG_new());
  ossl::check(r && s && sig, "out of memory");
  ossl::check(ECDSA_SIG_set0(sig.get(), r.get(), s.get()) == 1, "ECDSA_SIG_set0 failed");
  r.release();  // now owned by sig
  s.release();
  return ossl::to_der(i2d_ECDSA_SIG, sig.get(), "cannot encode an ECDSA signature");
}

Bytes sign_raw(const PrivateKey& key, ByteView data) {
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  ossl::check(ctx != nullptr, "out of memory");
  ossl::check(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1,
              "cannot start an ECDSA signature");
  size_t len = 0;
  ossl::check(EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) == 1,
              "ECDSA signing failed");
  Bytes der(len);
  ossl::check(EVP_DigestSign(ctx.get(), der.data(), &len, data.data(), data.size()) == 1,
              "ECDSA signing failed");
  der.resize(len);
  return der_signature_to_raw(der);
}

bool verify_raw(const PublicKey& key, ByteView data, ByteView signature) {
  if (signature.size() != kRawSignatureSize) return false;
  Bytes der = raw_signature_to_der(signature);
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  ossl::check(ctx != nullptr, "out of memory");
  ossl::check(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1,
              "cannot start an ECDSA verification");
  int rc = EVP_DigestVerify(ctx.get(), der.data(), der.size(), data.data(), data.size());
  ossl::drain_errors();  // a bad signature leaves reasons in the queue; they are not errors here
  return rc == 1;
}

bool verify_raw(const Certificate& cert, ByteView data, ByteView signature) {
  return verify_raw(cert.public_key(), data, signature);
}

Bytes signature_tlv(ByteView raw) {
  if (raw.size() != kRawSignatureSize) {
    throw Error(Errc::InvalidArgument,
                "a raw ECDSA signature must be 64 bytes, got " + std::to_string(raw.size()));
  }
  return tlv::encode(kSignatureTag, raw);
}

Bytes signature_from_tlv(ByteView encoded) {
  tlv::Tlv t = tlv::parse_one(encoded);
  if (t.tag != kSignatureTag || t.value.size() != kRawSignatureSize) {
    throw Error(Errc::Malformed, "a signature must be the TLV 5F37 40 with 64 bytes r||s");
  }
  return Bytes(t.value.begin(), t.value.end());
}

}  // namespace euiccd::crypto
