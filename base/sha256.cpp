#include "base/sha256.h"

#include <nettle/sha2.h>

namespace euiccd {

Bytes sha256(ByteView data) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, data.size(), data.data());
  Bytes out(SHA256_DIGEST_SIZE);
  sha256_digest(&ctx, out.size(), out.data());
  return out;
}

}  // namespace euiccd
