// ECDH shared secret ShS (SGP.22 §2.6.4 / Annex G; digest §6.3).
#include "lpa/crypto/ecdh.h"

#include "lpa/crypto/ossl.h"

namespace euiccd::crypto {

Bytes shared_secret(const PrivateKey& own, ByteView peer_point) {
  PublicKey peer = PublicKey::from_point(own.curve(), peer_point);  // validates the point
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own.get(), nullptr));
  ossl::check(ctx != nullptr && EVP_PKEY_derive_init(ctx.get()) == 1, "cannot start ECDH");
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), /*validate_peer=*/1) != 1) {
    ossl::fail(Errc::Malformed, "the peer's one-time public key cannot be used for ECDH");
  }
  size_t len = 0;
  ossl::check(EVP_PKEY_derive(ctx.get(), nullptr, &len) == 1, "ECDH failed");
  Bytes secret(len);
  ossl::check(EVP_PKEY_derive(ctx.get(), secret.data(), &len) == 1, "ECDH failed");
  secret.resize(len);
  ossl::check(secret.size() == kSharedSecretSize, "ECDH secret is not 32 bytes");
  return secret;
}

}  // namespace euiccd::crypto
