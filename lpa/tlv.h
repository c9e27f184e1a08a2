// BER-TLV (ISO/IEC 8825-1) as SGP.22 uses it: DER on the wire, multi-byte tags, definite
// lengths up to 4 length bytes. Decoding never reads past its input and throws
// Error(Errc::Malformed) with a message naming the problem. Values are views into the input
// buffer: keep the buffer alive while using them (signatures must be checked over raw bytes).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace euiccd::tlv {

// A tag as its bytes read big-endian: 0x5A, 0xBF2E, 0x5F37, 0x9F70.
using Tag = uint32_t;

// The largest value length we accept (a bound profile package is well below this).
inline constexpr size_t kMaxLength = 16 * 1024 * 1024;

bool is_constructed(Tag tag);

struct Tlv {
  Tag tag = 0;
  ByteView value;  // the content octets
  ByteView raw;    // tag + length + value, exactly as received

  bool constructed() const { return is_constructed(tag); }
  // Children of a constructed value. Throws Malformed if the value does not parse as TLVs.
  std::vector<Tlv> children() const;
  // First child with this tag, if any.
  std::optional<Tlv> find(Tag child) const;
  // First child with this tag; throws Malformed naming `what` if there is none.
  Tlv require(Tag child, std::string_view what) const;
};

// Reads consecutive TLVs from a buffer.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  bool at_end() const { return pos_ >= data_.size(); }
  size_t offset() const { return pos_; }
  Tlv next();  // throws Malformed on truncation or bad encoding

 private:
  ByteView data_;
  size_t pos_ = 0;
};

// Exactly one TLV that spans the whole input (trailing bytes are an error).
Tlv parse_one(ByteView data);
// A TLV at the start of the input; `consumed` gets its size. Trailing bytes are allowed.
Tlv parse_prefix(ByteView data, size_t* consumed);
// All TLVs of the input.
std::vector<Tlv> parse_all(ByteView data);

// --- encoding ---
void append_tag(Bytes& out, Tag tag);
void append_length(Bytes& out, size_t length);
void append(Bytes& out, Tag tag, ByteView value);
Bytes encode(Tag tag, ByteView value);
// Tag + length header only (the BPP is sent to the card in pieces that start with headers).
Bytes header(Tag tag, size_t length);

// Unsigned integer content octets, DER-minimal (a leading 00 when the top bit is set).
Bytes encode_uint(uint64_t value);
// Reads unsigned INTEGER/ENUMERATED content of at most 8 bytes; throws Malformed otherwise.
uint64_t decode_uint(ByteView value, std::string_view what);

// Builds nested DER: Builder(0xBF2D).add(0x5C, tags).bytes()
class Builder {
 public:
  explicit Builder(Tag tag) : tag_(tag) {}
  Builder& add(Tag tag, ByteView value);
  Builder& add(Tag tag, std::string_view utf8) { return add(tag, as_bytes(utf8)); }
  Builder& add(const Builder& child) { return add_raw(child.bytes()); }
  Builder& add_raw(ByteView complete_tlv);
  Bytes bytes() const { return encode(tag_, content_); }

 private:
  Tag tag_;
  Bytes content_;
};

}  // namespace euiccd::tlv
