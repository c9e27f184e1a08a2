// Pieces shared by all ES10 messages: named-bit BIT STRINGs, OperatorId, UTF-8 checks, the
// outer-tag check and the simple `{ 80 result }` responses.
#include "lpa/es10_codec.h"

#include <string>

#include "lpa/es10_codec_internal.h"
#include "lpa/iccid.h"

namespace euiccd::lpa {

namespace es10_detail {

void malformed(std::string_view message, std::string_view what) {
  throw Error(Errc::Malformed, "malformed " + std::string(message) + ": " + std::string(what));
}

tlv::Tlv expect_outer(ByteView response, tlv::Tag tag, std::string_view message) {
  if (response.empty()) malformed(message, "the card sent no data");
  tlv::Tlv t = tlv::parse_one(response);
  if (t.tag != tag) {
    Bytes want, got;
    tlv::append_tag(want, tag);
    tlv::append_tag(got, t.tag);
    malformed(message, "expected tag " + to_hex(want) + ", got " + to_hex(got));
  }
  return t;
}

Bytes version(const tlv::Tlv& t, std::string_view what) {
  if (t.value.size() != 3)
    throw Error(Errc::Malformed, "malformed " + std::string(what) +
                                     ": a version has 3 bytes, got " +
                                     std::to_string(t.value.size()));
  return copy(t.value);
}

ByteView sixteen_byte_member(const tlv::Tlv& outer, tlv::Tag tag, const char* name,
                             std::string_view message, std::string_view noun) {
  const tlv::Tlv member = outer.require(tag, name);
  if (member.value.size() != 16)
    malformed(message,
              std::string(noun) + " has 16 bytes, got " + std::to_string(member.value.size()));
  return member.value;
}

std::vector<Bytes> octet_string_list(const tlv::Tlv& seq, std::string_view what) {
  std::vector<Bytes> out;
  for (const tlv::Tlv& item : seq.children()) {
    if (item.tag != 0x04) malformed(what, "an entry is not an OCTET STRING (04)");
    out.push_back(copy(item.value));
  }
  return out;
}

uint64_t result_code(ByteView response, tlv::Tag tag, std::string_view message) {
  tlv::Tlv outer = expect_outer(response, tag, message);
  return tlv::decode_uint(outer.require(0x80, "result code").value, message);
}

NotificationEvent single_event(ByteView bit_string_content, std::string_view what) {
  uint64_t mask = decode_named_bits(bit_string_content, what);
  for (unsigned bit = 0; bit <= 3; ++bit) {
    if (mask == uint64_t{1} << bit) return static_cast<NotificationEvent>(bit);
  }
  malformed(what, "the operation must have exactly one of install/enable/disable/delete set");
}

Bytes event_bits(NotificationEvent event) {
  return encode_named_bits(NotificationEvents{}.set(event).mask);
}

}  // namespace es10_detail

using namespace es10_detail;

ProfileIdentifier ProfileIdentifier::from_iccid(std::string_view digits) {
  if (!is_valid_iccid(digits))
    throw Error(Errc::InvalidArgument,
                "\"" + std::string(digits) + "\" is not an ICCID (18 to 20 decimal digits)");
  ProfileIdentifier id;
  id.kind = Kind::Iccid;
  id.iccid = std::string(digits);
  return id;
}

ProfileIdentifier ProfileIdentifier::from_isdp_aid(ByteView aid) {
  if (aid.empty() || aid.size() > 16)
    throw Error(Errc::InvalidArgument,
                "an ISD-P AID has 1 to 16 bytes, got " + std::to_string(aid.size()));
  ProfileIdentifier id;
  id.kind = Kind::IsdpAid;
  id.isdp_aid = copy(aid);
  return id;
}

Bytes encode_named_bits(uint64_t mask) {
  if (mask == 0) return {0x00};
  unsigned highest = 63;
  while (!((mask >> highest) & 1U)) --highest;
  Bytes out(1 + highest / 8 + 1, 0x00);
  out[0] = static_cast<uint8_t>(7 - highest % 8);
  for (unsigned bit = 0; bit <= highest; ++bit) {
    if ((mask >> bit) & 1U) out[1 + bit / 8] |= static_cast<uint8_t>(0x80U >> (bit % 8));
  }
  return out;
}

uint64_t decode_named_bits(ByteView content, std::string_view what) {
  if (content.empty()) malformed(what, "BIT STRING without its unused-bits byte");
  unsigned unused = content[0];
  if (unused > 7) malformed(what, "BIT STRING claims " + std::to_string(unused) + " unused bits");
  if (content.size() == 1 && unused != 0) malformed(what, "empty BIT STRING with unused bits");
  uint64_t mask = 0;
  size_t total_bits = (content.size() - 1) * 8 - unused;
  for (size_t bit = 0; bit < total_bits && bit < 64; ++bit) {
    if (content[1 + bit / 8] & (0x80U >> (bit % 8))) mask |= uint64_t{1} << bit;
  }
  return mask;
}

std::string decode_mcc_mnc(ByteView bytes, bool allow_wildcard) {
  if (bytes.size() != 3)
    throw Error(Errc::Malformed,
                "malformed operator id: mccMnc has 3 bytes, got " + std::to_string(bytes.size()));
  auto digit = [&](unsigned nibble) -> char {
    if (nibble <= 9) return static_cast<char>('0' + nibble);
    if (nibble == 0xE && allow_wildcard) return 'E';
    throw Error(Errc::Malformed,
                "malformed operator id: mccMnc " + to_hex(bytes) + " has a non-decimal digit");
  };
  std::string out;
  out += digit(bytes[0] & 0x0F);                             // MCC digit 1
  out += digit(bytes[0] >> 4);                               // MCC digit 2
  out += digit(bytes[1] & 0x0F);                             // MCC digit 3
  out += digit(bytes[2] & 0x0F);                             // MNC digit 1
  out += digit(bytes[2] >> 4);                               // MNC digit 2
  if ((bytes[1] >> 4) != 0x0F) out += digit(bytes[1] >> 4);  // MNC digit 3, F for 2-digit MNCs
  return out;
}

OperatorId decode_operator_id(ByteView content, bool allow_wildcard) {
  OperatorId op;
  bool have_mcc_mnc = false;
  for (const tlv::Tlv& field : tlv::parse_all(content)) {
    switch (field.tag) {
      case 0x80:
        op.mcc_mnc = decode_mcc_mnc(field.value, allow_wildcard);
        have_mcc_mnc = true;
        break;
      case 0x81: op.gid1 = copy(field.value); break;
      case 0x82: op.gid2 = copy(field.value); break;
      default: break;  // later versions may add fields
    }
  }
  if (!have_mcc_mnc) malformed("operator id", "mccMnc (tag 80) missing");
  return op;
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<uint8_t>(text[i]);
    size_t extra;
    uint32_t cp;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      extra = 1;
      cp = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      extra = 2;
      cp = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      extra = 3;
      cp = byte & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto cont = static_cast<uint8_t>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cont & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace euiccd::lpa
