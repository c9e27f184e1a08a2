// The sizes a modem codec bounds the ISD-R channel's data by, the same over QMI and MBIM: AIDs
// are 5..16 bytes (ISO 7816-4), command APDUs at most a short APDU with 255 bytes of data and
// Le (ES10 uses no extended lengths).
#pragma once

#include <cstddef>

namespace euiccd::modem {

constexpr size_t kMinAidBytes = 5;
constexpr size_t kMaxAidBytes = 16;
constexpr size_t kMaxCommandApduBytes = 5 + 255 + 1;

}  // namespace euiccd::modem
