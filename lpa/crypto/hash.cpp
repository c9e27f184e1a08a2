// SHA-1 (RFC 5280 key identifiers) on OpenSSL.
#include "lpa/crypto/hash.h"

#include "lpa/crypto/ossl.h"

namespace euiccd::crypto {

Bytes sha1(ByteView data) {
  Bytes out(static_cast<size_t>(EVP_MD_get_size(EVP_sha1())));
  unsigned int len = 0;
  ossl::check(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha1(), nullptr) == 1,
              "hashing failed");
  out.resize(len);
  return out;
}

}  // namespace euiccd::crypto
