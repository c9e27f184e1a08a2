// AES-128 ECB block / CBC / CMAC on OpenSSL EVP (SGP.22 §2.6.4.3-4).
#include "lpa/crypto/aes.h"

#include <openssl/core_names.h>

#include "lpa/crypto/ossl.h"

namespace euiccd::crypto {
namespace {

void require_size(ByteView data, size_t size, const char* what) {
  if (data.size() != size) {
    throw Error(Errc::InvalidArgument, std::string(what) + " must be " + std::to_string(size) +
                                           " bytes, got " + std::to_string(data.size()));
  }
}

Bytes run_cipher(const EVP_CIPHER* cipher, bool encrypt, ByteView key, const uint8_t* iv,
                 ByteView data) {
  require_size(key, kAesBlockSize, "an AES-128 key");
  if (data.size() % kAesBlockSize != 0) {
    throw Error(Errc::InvalidArgument,
                "AES data must be a multiple of 16 bytes, got " + std::to_string(data.size()));
  }
  ossl::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  ossl::check(ctx != nullptr, "out of memory");
  ossl::check(EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv, encrypt ? 1 : 0, nullptr) == 1,
              "cannot start AES");
  ossl::check(EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1, "cannot disable AES padding");
  Bytes out(data.size() + kAesBlockSize);
  int len = 0;
  int final_len = 0;
  ossl::check(EVP_CipherUpdate(ctx.get(), out.data(), &len, data.data(),
                               static_cast<int>(data.size())) == 1 &&
                  EVP_CipherFinal_ex(ctx.get(), out.data() + len, &final_len) == 1,
              "AES failed");
  out.resize(static_cast<size_t>(len + final_len));
  return out;
}

}  // namespace

Bytes aes128_ecb_encrypt_block(ByteView key, ByteView block) {
  require_size(block, kAesBlockSize, "an AES block");
  return run_cipher(EVP_aes_128_ecb(), true, key, nullptr, block);
}

Bytes aes128_cbc_encrypt(ByteView key, ByteView iv, ByteView data) {
  require_size(iv, kAesBlockSize, "an AES IV");
  return run_cipher(EVP_aes_128_cbc(), true, key, iv.data(), data);
}

Bytes aes128_cbc_decrypt(ByteView key, ByteView iv, ByteView data) {
  require_size(iv, kAesBlockSize, "an AES IV");
  return run_cipher(EVP_aes_128_cbc(), false, key, iv.data(), data);
}

Bytes aes128_cmac(ByteView key, ByteView data) {
  require_size(key, kAesBlockSize, "an AES-128 key");
  ossl::MacPtr mac(EVP_MAC_fetch(nullptr, "CMAC", nullptr));
  ossl::check(mac != nullptr, "OpenSSL has no CMAC");
  ossl::MacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  ossl::check(ctx != nullptr, "out of memory");
  char cipher_name[] = "AES-128-CBC";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher_name, 0),
      OSSL_PARAM_construct_end(),
  };
  ossl::check(EVP_MAC_init(ctx.get(), key.data(), key.size(), params) == 1 &&
                  EVP_MAC_update(ctx.get(), data.data(), data.size()) == 1,
              "AES-CMAC failed");
  Bytes out(kAesBlockSize);
  size_t len = 0;
  ossl::check(EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) == 1, "AES-CMAC failed");
  out.resize(len);
  return out;
}

}  // namespace euiccd::crypto
