// Helpers shared by the ES10 codec files (es10*_codec.cpp). Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "lpa/es10_types.h"
#include "lpa/tlv.h"

namespace euiccd::lpa::es10_detail {

[[noreturn]] void malformed(std::string_view message, std::string_view what);

// Parses the whole response as one TLV and checks that it is the constructed `tag`.
// `message` names the function for error texts ("EnableProfile response").
tlv::Tlv expect_outer(ByteView response, tlv::Tag tag, std::string_view message);

// Copies of values (Tlv values are views into the response buffer).
inline Bytes copy(ByteView v) {
  return {v.begin(), v.end()};
}
inline std::string text(ByteView v) {
  return as_string(v);
}

// A VersionType: exactly 3 bytes.
Bytes version(const tlv::Tlv& t, std::string_view what);

// The value of `outer`'s member `tag`, which must have 16 bytes (a challenge, an EID); `noun`
// names it in the message otherwise ("an EID").
ByteView sixteen_byte_member(const tlv::Tlv& outer, tlv::Tag tag, const char* name,
                             std::string_view message, std::string_view noun);

// SEQUENCE OF OCTET STRING (04 ...), e.g. the CI public key identifier lists.
std::vector<Bytes> octet_string_list(const tlv::Tlv& seq, std::string_view what);

// `outer { 80 INTEGER }`: the result code of the simple ES10 responses.
uint64_t result_code(ByteView response, tlv::Tag tag, std::string_view message);

// The shape of the ES10 list responses, `tag { A0 { item... } | 81 INTEGER }` (a SEQUENCE OF
// and an error code as untagged CHOICE alternatives): each item decoded from its whole TLV, or
// `on_error(code)`, which throws or returns the list to answer with. `list_name` says what the
// list holds, for the message when the response has neither.
template <typename DecodeItem, typename OnError>
auto decode_list_or_error(ByteView response, tlv::Tag tag, std::string_view message,
                          std::string_view list_name, DecodeItem decode_item, OnError on_error)
    -> std::vector<decltype(decode_item(ByteView{}))> {
  tlv::Tlv outer = expect_outer(response, tag, message);
  if (auto list = outer.find(0xA0)) {
    std::vector<decltype(decode_item(ByteView{}))> out;
    for (const tlv::Tlv& item : list->children()) out.push_back(decode_item(item.raw));
    return out;
  }
  if (auto error = outer.find(0x81)) return on_error(tlv::decode_uint(error->value, message));
  malformed(message, "neither " + std::string(list_name) + " (A0) nor an error (81)");
}

NotificationEvent single_event(ByteView bit_string_content, std::string_view what);

// The content of a BIT STRING `tag` with one named bit set.
Bytes event_bits(NotificationEvent event);

}  // namespace euiccd::lpa::es10_detail
