// The BPP security protocol ("SCP03t" in SGP.22 v2.x, "BSP" in v3): session key derivation
// (SGP.22 §2.6.4.2 / Annex G; digest §6.4) and the protection of the 87/88/86 TLVs of a
// bound profile package (SGP.22 §2.6.4.3-4; digest §6.5), plus ReplaceSessionKeys (§6.6).
//
// One BspSession is used by each side: the SM-DP+ wraps, the eUICC unwraps, in the same order
// 87(ConfigureISDP) → 88… (StoreMetadata) → [87(ReplaceSessionKeys)] → 86…; the block counter
// and the MAC chaining value advance identically on both sides.
#pragma once

#include <cstdint>
#include <vector>

#include "base/bytes.h"

namespace euiccd::crypto {

inline constexpr uint8_t kBspKeyTypeAes = 0x88;  // CRT keyType (BF23 A6 80)
inline constexpr uint8_t kBspKeyLength = 0x10;   // CRT keyLength (BF23 A6 81)
inline constexpr size_t kBspKeySize = 16;
inline constexpr size_t kBspMacSize = 8;              // truncated C-MAC in each TLV
inline constexpr size_t kMaxSegmentSize = 1020;       // whole TLV incl. tag, length and MAC
inline constexpr size_t kMaxSegmentPlaintext = 1007;  // → 1008 ciphertext → 86 82 03F8 … 1020

inline constexpr uint8_t kTagConfigureOrReplace = 0x87;  // encrypted + MAC
inline constexpr uint8_t kTagMetadata = 0x88;            // MAC only
inline constexpr uint8_t kTagProfileSegment = 0x86;      // encrypted + MAC

struct SessionKeys {
  Bytes initial_mcv;  // 16 bytes
  Bytes s_enc;        // 16 bytes
  Bytes s_mac;        // 16 bytes
};

// X9.63 KDF (SHA-256) of ShS with SharedInfo = keyType ‖ keyLength ‖ len(hostId) ‖ hostId ‖
// len(EID) ‖ EID, 48 bytes split MCV | S-ENC | S-MAC. host_id is 1..16 bytes and eid 16 bytes
// (Error(Malformed) otherwise); a keyType/keyLength other than AES-128 gives
// Error(NotSupported) (the eUICC reports that as unsupportedCrtValues).
SessionKeys derive_session_keys(ByteView shared_secret, ByteView host_id, ByteView eid,
                                uint8_t key_type = kBspKeyTypeAes,
                                uint8_t key_length = kBspKeyLength);

// ReplaceSessionKeysRequest BF26 { 80 initialMacChainingValue, 81 ppkEnc, 82 ppkCmac }.
Bytes encode_replace_session_keys(const SessionKeys& keys);
// Error(Malformed) if the TLV is not BF26 with three 16-byte values.
SessionKeys parse_replace_session_keys(ByteView bf26_tlv);

// Cuts data (the UPP) into chunks of at most kMaxSegmentPlaintext bytes, at arbitrary byte
// boundaries, each to be wrapped as one 86 TLV. Empty input gives no chunks.
std::vector<ByteView> split_into_segments(ByteView data);

class BspSession {
 public:
  BspSession(ByteView s_enc, ByteView s_mac, ByteView initial_mcv);
  explicit BspSession(const SessionKeys& keys)
      : BspSession(keys.s_enc, keys.s_mac, keys.initial_mcv) {}

  // Sender: pad (80 00…), AES-128-CBC with ICV = AES(S-ENC, counter), C-MAC over
  // MCV ‖ tag ‖ L ‖ ciphertext; returns tag ‖ L ‖ ciphertext ‖ MAC(8). Error(InvalidArgument)
  // if the TLV would exceed kMaxSegmentSize.
  Bytes wrap(uint8_t tag, ByteView plaintext);
  // Sender, MAC only (88 StoreMetadata): tag ‖ L ‖ plaintext ‖ MAC(8); the counter advances.
  Bytes wrap_mac_only(uint8_t tag, ByteView plaintext);
  // Sender: split_into_segments + wrap each chunk.
  std::vector<Bytes> wrap_segments(uint8_t tag, ByteView data);

  // Receiver: one complete TLV. Tag 88 is MAC-only (returns the value without the MAC); tags
  // 86 and 87 are decrypted and unpadded. The MAC is checked first, in constant time.
  // Errors (the session state is unchanged after any of them):
  //   Error(NotAllowed) — the MAC does not match (SGP.22 scp03tSecurityError);
  //   Error(Malformed)  — bad TLV, unknown tag, bad length or padding (scp03tStructureError).
  Bytes unwrap(ByteView tlv);

  // Switch to the keys of a ReplaceSessionKeys request: new keys, new MCV, counter back to 1.
  void replace_session_keys(const SessionKeys& keys);

  uint64_t block_counter() const { return block_counter_; }
  const Bytes& mac_chaining_value() const { return mcv_; }

 private:
  Bytes compute_mac(ByteView tag_and_length, ByteView data) const;  // full 16-byte C-MAC
  Bytes icv() const;

  Bytes s_enc_;
  Bytes s_mac_;
  Bytes mcv_;
  uint64_t block_counter_ = 1;
};

}  // namespace euiccd::crypto
