#include "lpa/hash_cc.h"

#include <openssl/evp.h>

#include "lpa/error.h"

namespace euiccd::lpa {
namespace {

Bytes sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size())
    throw Error(Errc::Internal, "SHA-256 failed in OpenSSL");
  return out;
}

}  // namespace

Bytes compute_hash_cc(std::string_view confirmation_code, ByteView transaction_id) {
  Bytes input = sha256(as_bytes(confirmation_code));
  append(input, transaction_id);
  return sha256(input);
}

}  // namespace euiccd::lpa
