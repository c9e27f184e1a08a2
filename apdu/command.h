// Command APDUs (ISO 7816-4 short form) and the CLA byte for logical channels.
#pragma once

#include <cstdint>
#include <optional>

#include "apdu/layering.h"
#include "base/bytes.h"

namespace euiccd::apdu {

struct Command {
  uint8_t cla = 0x00;  // class byte WITHOUT channel bits: 0x00 (ISO) or 0x80 (proprietary)
  uint8_t ins = 0;
  uint8_t p1 = 0;
  uint8_t p2 = 0;
  Bytes data;                 // 0..255 bytes (Lc is written when not empty)
  std::optional<uint8_t> le;  // expected length as on the wire: 0x00 means 256

  // CLA INS P1 P2 [Lc data] [Le], with the channel put into CLA. Throws Error(InvalidArgument)
  // when the data does not fit a short APDU or the channel is out of range.
  Bytes encode(uint8_t channel = 0) const;
};

// Puts a logical channel number into a class byte, ETSI TS 102 221 §10.1.1 / ISO 7816-4 §5.4.1:
// channels 0-3 go into the low two bits (0x0N, 0x8N); channels 4-19 use the further
// interindustry coding 0x4M / 0xCM with M = channel - 4 (0x80 class becomes the 0xC0 family).
// `class_byte` must carry no channel bits. Throws Error(InvalidArgument) for channel > 19.
uint8_t cla_for_channel(uint8_t class_byte, uint8_t channel);

// Highest logical channel number a CLA byte can address.
inline constexpr uint8_t kMaxLogicalChannel = 19;

}  // namespace euiccd::apdu
