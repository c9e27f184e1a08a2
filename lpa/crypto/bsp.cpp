// Session key derivation (SGP.22 §2.6.4.2 / Annex G) and SCP03t/BSP protection of the BPP
// TLVs 86/87/88 (SGP.22 §2.6.4.3-4, §2.5.5; digest §6.4-6.6).
#include "lpa/crypto/bsp.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include <algorithm>

#include "lpa/crypto/aes.h"
#include "lpa/crypto/ossl.h"
#include "lpa/tlv.h"

namespace euiccd::crypto {
namespace {

using KdfPtr = ossl::Owned<EVP_KDF, EVP_KDF_free>;
using KdfCtxPtr = ossl::Owned<EVP_KDF_CTX, EVP_KDF_CTX_free>;

constexpr size_t kEidSize = 16;
constexpr size_t kMaxHostIdSize = 16;

Bytes x963_kdf_sha256(ByteView secret, ByteView shared_info, size_t length) {
  KdfPtr kdf(EVP_KDF_fetch(nullptr, "X963KDF", nullptr));
  ossl::check(kdf != nullptr, "OpenSSL has no X9.63 KDF");
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  ossl::check(ctx != nullptr, "out of memory");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(shared_info.data()), shared_info.size()),
      OSSL_PARAM_construct_end(),
  };
  Bytes out(length);
  ossl::check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1,
              "X9.63 key derivation failed");
  return out;
}

Bytes pad_80(ByteView plaintext) {
  Bytes padded(plaintext.begin(), plaintext.end());
  padded.push_back(0x80);
  while (padded.size() % kAesBlockSize != 0) padded.push_back(0x00);
  return padded;
}

void require_key(ByteView key, const char* what) {
  if (key.size() != kBspKeySize) {
    throw Error(Errc::InvalidArgument,
                std::string(what) + " must be 16 bytes, got " + std::to_string(key.size()));
  }
}

// tag ‖ BER length of (size + MAC).
Bytes tag_and_length(uint8_t tag, size_t size) {
  Bytes header{tag};
  tlv::append_length(header, size + kBspMacSize);
  return header;
}

void check_segment_size(size_t total) {
  if (total > kMaxSegmentSize) {
    throw Error(Errc::InvalidArgument,
                "a protected BPP segment would be " + std::to_string(total) +
                    " bytes; SGP.22 allows at most 1020 (cut the data with split_into_segments)");
  }
}

}  // namespace

SessionKeys derive_session_keys(ByteView shared_secret, ByteView host_id, ByteView eid,
                                uint8_t key_type, uint8_t key_length) {
  if (key_type != kBspKeyTypeAes || key_length != kBspKeyLength) {
    throw Error(Errc::NotSupported,
                "only AES-128 session keys (keyType 88, keyLength 10) are "
                "supported, the CRT asks for keyType " +
                    to_hex(Bytes{key_type}) + " keyLength " + to_hex(Bytes{key_length}));
  }
  if (host_id.empty() || host_id.size() > kMaxHostIdSize) {
    throw Error(Errc::Malformed,
                "the hostId must be 1 to 16 bytes, got " + std::to_string(host_id.size()));
  }
  if (eid.size() != kEidSize) {
    throw Error(Errc::Malformed, "the EID must be 16 bytes, got " + std::to_string(eid.size()));
  }
  Bytes shared_info{key_type, key_length, static_cast<uint8_t>(host_id.size())};
  append(shared_info, host_id);
  shared_info.push_back(static_cast<uint8_t>(eid.size()));
  append(shared_info, eid);

  Bytes out = x963_kdf_sha256(shared_secret, shared_info, 3 * kBspKeySize);
  auto part = [&](size_t i) {
    return Bytes(out.begin() + static_cast<long>(i * kBspKeySize),
                 out.begin() + static_cast<long>((i + 1) * kBspKeySize));
  };
  return SessionKeys{part(0), part(1), part(2)};
}

Bytes encode_replace_session_keys(const SessionKeys& keys) {
  require_key(keys.initial_mcv, "the initial MAC chaining value");
  require_key(keys.s_enc, "PPK-ENC");
  require_key(keys.s_mac, "PPK-MAC");
  return tlv::Builder(0xBF26)
      .add(0x80, keys.initial_mcv)
      .add(0x81, keys.s_enc)
      .add(0x82, keys.s_mac)
      .bytes();
}

SessionKeys parse_replace_session_keys(ByteView bf26_tlv) {
  tlv::Tlv request = tlv::parse_one(bf26_tlv);
  if (request.tag != 0xBF26) {
    throw Error(Errc::Malformed, "a ReplaceSessionKeysRequest must have tag BF26");
  }
  auto key = [&](tlv::Tag tag, const char* what) {
    tlv::Tlv t = request.require(tag, what);
    if (t.value.size() != kBspKeySize) {
      throw Error(Errc::Malformed, std::string("ReplaceSessionKeysRequest: ") + what +
                                       " must be 16 bytes, got " + std::to_string(t.value.size()));
    }
    return Bytes(t.value.begin(), t.value.end());
  };
  SessionKeys keys;
  keys.initial_mcv = key(0x80, "initialMacChainingValue");
  keys.s_enc = key(0x81, "ppkEnc");
  keys.s_mac = key(0x82, "ppkCmac");
  return keys;
}

std::vector<ByteView> split_into_segments(ByteView data) {
  std::vector<ByteView> chunks;
  for (size_t pos = 0; pos < data.size(); pos += kMaxSegmentPlaintext) {
    chunks.push_back(data.subspan(pos, std::min(kMaxSegmentPlaintext, data.size() - pos)));
  }
  return chunks;
}

// --- BspSession ---

BspSession::BspSession(ByteView s_enc, ByteView s_mac, ByteView initial_mcv) {
  replace_session_keys(SessionKeys{Bytes(initial_mcv.begin(), initial_mcv.end()),
                                   Bytes(s_enc.begin(), s_enc.end()),
                                   Bytes(s_mac.begin(), s_mac.end())});
}

void BspSession::replace_session_keys(const SessionKeys& keys) {
  require_key(keys.s_enc, "S-ENC");
  require_key(keys.s_mac, "S-MAC");
  require_key(keys.initial_mcv, "the initial MAC chaining value");
  s_enc_ = keys.s_enc;
  s_mac_ = keys.s_mac;
  mcv_ = keys.initial_mcv;
  block_counter_ = 1;
}

Bytes BspSession::icv() const {
  Bytes counter_block(kAesBlockSize, 0);
  uint64_t n = block_counter_;
  for (size_t i = 0; i < 8; ++i) {
    counter_block[kAesBlockSize - 1 - i] = static_cast<uint8_t>(n & 0xFF);
    n >>= 8;
  }
  return aes128_ecb_encrypt_block(s_enc_, counter_block);
}

Bytes BspSession::compute_mac(ByteView header, ByteView data) const {
  Bytes input = mcv_;
  append(input, header);
  append(input, data);
  return aes128_cmac(s_mac_, input);
}

Bytes BspSession::wrap(uint8_t tag, ByteView plaintext) {
  Bytes padded = pad_80(plaintext);
  Bytes header = tag_and_length(tag, padded.size());
  check_segment_size(header.size() + padded.size() + kBspMacSize);

  Bytes ciphertext = aes128_cbc_encrypt(s_enc_, icv(), padded);
  Bytes mac = compute_mac(header, ciphertext);

  Bytes out = header;
  append(out, ciphertext);
  out.insert(out.end(), mac.begin(), mac.begin() + kBspMacSize);
  mcv_ = std::move(mac);
  ++block_counter_;
  return out;
}

Bytes BspSession::wrap_mac_only(uint8_t tag, ByteView plaintext) {
  Bytes header = tag_and_length(tag, plaintext.size());
  check_segment_size(header.size() + plaintext.size() + kBspMacSize);

  Bytes mac = compute_mac(header, plaintext);
  Bytes out = header;
  append(out, plaintext);
  out.insert(out.end(), mac.begin(), mac.begin() + kBspMacSize);
  mcv_ = std::move(mac);
  ++block_counter_;  // SGP.22: the counter also advances for MAC-only segments
  return out;
}

std::vector<Bytes> BspSession::wrap_segments(uint8_t tag, ByteView data) {
  std::vector<Bytes> out;
  for (ByteView chunk : split_into_segments(data)) out.push_back(wrap(tag, chunk));
  return out;
}

Bytes BspSession::unwrap(ByteView encoded) {
  tlv::Tlv t = tlv::parse_one(encoded);
  if (t.tag != kTagProfileSegment && t.tag != kTagConfigureOrReplace && t.tag != kTagMetadata) {
    throw Error(Errc::Malformed, "a protected BPP segment must have tag 86, 87 or 88, got " +
                                     to_hex(Bytes{static_cast<uint8_t>(t.tag)}));
  }
  if (t.value.size() < kBspMacSize) {
    throw Error(Errc::Malformed, "a protected BPP segment is shorter than its 8-byte MAC");
  }
  ByteView header = t.raw.first(t.raw.size() - t.value.size());
  ByteView body = t.value.first(t.value.size() - kBspMacSize);
  ByteView received_mac = t.value.last(kBspMacSize);

  Bytes mac = compute_mac(header, body);
  if (CRYPTO_memcmp(mac.data(), received_mac.data(), kBspMacSize) != 0) {
    throw Error(Errc::NotAllowed,
                "the MAC of BPP segment " + to_hex(Bytes{static_cast<uint8_t>(t.tag)}) +
                    " does not match (wrong session keys, or the data was altered)");
  }

  Bytes plaintext;
  if (t.tag == kTagMetadata) {
    plaintext.assign(body.begin(), body.end());
  } else {
    if (body.empty() || body.size() % kAesBlockSize != 0) {
      throw Error(Errc::Malformed,
                  "the ciphertext of a BPP segment must be a non-empty multiple "
                  "of 16 bytes, got " +
                      std::to_string(body.size()));
    }
    plaintext = aes128_cbc_decrypt(s_enc_, icv(), body);
    // The padding is 80 followed by 0..15 zero bytes, all inside the last block.
    auto marker = plaintext.end();
    for (size_t i = 1; i <= kAesBlockSize; ++i) {
      uint8_t b = plaintext[plaintext.size() - i];
      if (b == 0x80) {
        marker = plaintext.end() - static_cast<long>(i);
        break;
      }
      if (b != 0x00) break;
    }
    if (marker == plaintext.end()) {
      throw Error(Errc::Malformed, "a decrypted BPP segment does not end in 80 00.. padding");
    }
    plaintext.erase(marker, plaintext.end());
  }
  mcv_ = std::move(mac);
  ++block_counter_;
  return plaintext;
}

}  // namespace euiccd::crypto
