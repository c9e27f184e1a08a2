// AES-128 building blocks of the BPP protection (SGP.22 §2.6.4.3-4; digest §6.5): one ECB
// block (the ICV), CBC without padding, and AES-CMAC.
#pragma once

#include "base/bytes.h"

namespace euiccd::crypto {

inline constexpr size_t kAesBlockSize = 16;

// Keys must be 16 bytes, the block/IV 16 bytes and CBC data a multiple of 16 bytes;
// Error(InvalidArgument) otherwise.
Bytes aes128_ecb_encrypt_block(ByteView key, ByteView block);
Bytes aes128_cbc_encrypt(ByteView key, ByteView iv, ByteView data);
Bytes aes128_cbc_decrypt(ByteView key, ByteView iv, ByteView data);
// Full 16-byte AES-CMAC (RFC 4493).
Bytes aes128_cmac(ByteView key, ByteView data);

}  // namespace euiccd::crypto
