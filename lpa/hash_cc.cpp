#include "lpa/hash_cc.h"

#include "base/sha256.h"

namespace euiccd::lpa {

Bytes compute_hash_cc(std::string_view confirmation_code, ByteView transaction_id) {
  Bytes input = sha256(as_bytes(confirmation_code));
  append(input, transaction_id);
  return sha256(input);
}

}  // namespace euiccd::lpa
