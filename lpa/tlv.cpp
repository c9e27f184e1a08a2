#include "lpa/tlv.h"

#include <string>

#include "base/error.h"

namespace euiccd::tlv {
namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error(Errc::Malformed, "malformed TLV: " + what);
}

std::string tag_hex(Tag tag) {
  Bytes b;
  append_tag(b, tag);
  return to_hex(b);
}

}  // namespace

bool is_constructed(Tag tag) {
  while (tag > 0xFF) tag >>= 8;
  return (tag & 0x20) != 0;
}

Tlv parse_prefix(ByteView data, size_t* consumed) {
  size_t pos = 0;
  if (data.empty()) malformed("empty input where a tag was expected");

  // Tag: first byte; if the low 5 bits are all set, more bytes follow while bit 8 is set.
  Tag tag = data[pos++];
  if ((tag & 0x1F) == 0x1F) {
    for (int n = 0;; ++n) {
      if (n == 3) malformed("tag longer than 4 bytes");
      if (pos >= data.size()) malformed("truncated tag");
      uint8_t b = data[pos++];
      tag = tag << 8 | b;
      if ((b & 0x80) == 0) break;
    }
  }

  // Length: short form, or 0x81..0x84 followed by that many bytes. 0x80 (indefinite) is not DER.
  if (pos >= data.size()) malformed("tag " + tag_hex(tag) + " has no length");
  size_t length = data[pos++];
  if (length & 0x80) {
    size_t n = length & 0x7F;
    if (n == 0) malformed("indefinite length in tag " + tag_hex(tag));
    if (n > 4) malformed("length of tag " + tag_hex(tag) + " uses " + std::to_string(n) + " bytes");
    if (data.size() - pos < n) malformed("truncated length of tag " + tag_hex(tag));
    length = 0;
    for (size_t i = 0; i < n; ++i) length = length << 8 | data[pos++];
  }
  if (length > kMaxLength)
    malformed("tag " + tag_hex(tag) + " claims " + std::to_string(length) + " bytes, over the limit");
  if (data.size() - pos < length)
    malformed("tag " + tag_hex(tag) + " claims " + std::to_string(length) + " bytes but only " +
              std::to_string(data.size() - pos) + " remain");

  Tlv t;
  t.tag = tag;
  t.value = data.subspan(pos, length);
  t.raw = data.subspan(0, pos + length);
  if (consumed) *consumed = pos + length;
  return t;
}

Tlv Reader::next() {
  size_t used = 0;
  Tlv t = parse_prefix(data_.subspan(pos_), &used);
  pos_ += used;
  return t;
}

Tlv parse_one(ByteView data) {
  size_t used = 0;
  Tlv t = parse_prefix(data, &used);
  if (used != data.size())
    malformed(std::to_string(data.size() - used) + " trailing bytes after tag " + tag_hex(t.tag));
  return t;
}

std::vector<Tlv> parse_all(ByteView data) {
  std::vector<Tlv> out;
  Reader r(data);
  while (!r.at_end()) out.push_back(r.next());
  return out;
}

std::vector<Tlv> Tlv::children() const {
  if (!constructed()) malformed("tag " + tag_hex(tag) + " is primitive, children were expected");
  return parse_all(value);
}

std::optional<Tlv> Tlv::find(Tag child) const {
  Reader r(value);
  while (!r.at_end()) {
    Tlv t = r.next();
    if (t.tag == child) return t;
  }
  return std::nullopt;
}

Tlv Tlv::require(Tag child, std::string_view what) const {
  auto t = find(child);
  if (!t)
    malformed(std::string(what) + " (tag " + tag_hex(child) + ") missing in tag " + tag_hex(tag));
  return *t;
}

void append_tag(Bytes& out, Tag tag) {
  bool started = false;
  for (int shift = 24; shift >= 0; shift -= 8) {
    uint8_t b = static_cast<uint8_t>(tag >> shift);
    if (b || started || shift == 0) {
      out.push_back(b);
      started = true;
    }
  }
}

void append_length(Bytes& out, size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<uint8_t>(length));
    return;
  }
  int n = 0;
  for (size_t l = length; l; l >>= 8) ++n;
  out.push_back(static_cast<uint8_t>(0x80 | n));
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(length >> (8 * i)));
}

void append(Bytes& out, Tag tag, ByteView value) {
  append_tag(out, tag);
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

Bytes encode(Tag tag, ByteView value) {
  Bytes out;
  out.reserve(value.size() + 8);
  append(out, tag, value);
  return out;
}

Bytes header(Tag tag, size_t length) {
  Bytes out;
  append_tag(out, tag);
  append_length(out, length);
  return out;
}

Bytes encode_uint(uint64_t value) {
  Bytes out;
  do {
    out.insert(out.begin(), static_cast<uint8_t>(value & 0xFF));
    value >>= 8;
  } while (value);
  if (out.front() & 0x80) out.insert(out.begin(), 0x00);
  return out;
}

uint64_t decode_uint(ByteView value, std::string_view what) {
  if (value.empty()) malformed(std::string(what) + " is an empty integer");
  ByteView v = value;
  if (v.size() > 1 && v[0] == 0x00) v = v.subspan(1);  // sign byte of a positive integer
  if (v.size() > 8) malformed(std::string(what) + " does not fit in 64 bits");
  uint64_t out = 0;
  for (uint8_t b : v) out = out << 8 | b;
  return out;
}

Builder& Builder::add(Tag tag, ByteView value) {
  tlv::append(content_, tag, value);
  return *this;
}

Builder& Builder::add_raw(ByteView complete_tlv) {
  content_.insert(content_.end(), complete_tlv.begin(), complete_tlv.end());
  return *this;
}

}  // namespace euiccd::tlv
