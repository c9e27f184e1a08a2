// Standard base64 (RFC 4648 §4, with padding) as the ES9+/ES11 JSON binding uses it for every
// binary field. Decoding is strict about the alphabet and padding but, like other LPAs, skips
// whitespace and line breaks that some servers insert.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

namespace euiccd::lpa {

std::string base64_encode(ByteView data);

// Throws Error(Malformed, "<what>: ...") when the text is not valid base64.
Bytes base64_decode(std::string_view text, std::string_view what);

}  // namespace euiccd::lpa
