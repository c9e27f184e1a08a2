// Byte buffers and hex helpers shared by every layer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace euiccd {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// Upper-case hex, no separators ("BF2E00").
std::string to_hex(ByteView data);

// Parses hex (upper or lower case, no separators). Throws Error(InvalidArgument) on odd length
// or a non-hex character.
Bytes from_hex(std::string_view hex);

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string as_string(ByteView b) { return {b.begin(), b.end()}; }

inline void append(Bytes& out, ByteView more) { out.insert(out.end(), more.begin(), more.end()); }

}  // namespace euiccd
