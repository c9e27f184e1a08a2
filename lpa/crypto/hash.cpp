// SHA-256 / SHA-1 and the Confirmation Code hash (SGP.22 §3.1.3; digest §5).
#include "lpa/crypto/hash.h"

#include "lpa/crypto/ossl.h"

namespace euiccd::crypto {
namespace {

Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(static_cast<size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  ossl::check(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) == 1,
              "hashing failed");
  out.resize(len);
  return out;
}

}  // namespace

Bytes sha256(ByteView data) {
  return digest(EVP_sha256(), data);
}
Bytes sha1(ByteView data) {
  return digest(EVP_sha1(), data);
}

Bytes hash_confirmation_code(std::string_view code, ByteView transaction_id) {
  Bytes input = sha256(as_bytes(code));
  append(input, transaction_id);
  return sha256(input);
}

}  // namespace euiccd::crypto
