#include "apdu/command.h"

#include <string>

#include "base/error.h"

namespace euiccd::apdu {

uint8_t cla_for_channel(uint8_t class_byte, uint8_t channel) {
  if (channel > kMaxLogicalChannel) {
    throw Error(Errc::InvalidArgument, "logical channel " + std::to_string(channel) +
                                           " cannot be addressed (a CLA byte reaches 0..19)");
  }
  if ((class_byte & 0x43) != 0) {
    throw Error(Errc::InvalidArgument,
                "class byte " + to_hex(ByteView(&class_byte, 1)) +
                    " already carries channel or further-interindustry bits");
  }
  if (channel <= 3) return static_cast<uint8_t>(class_byte | channel);
  if ((class_byte & 0x0C) != 0) {
    // Secure messaging has a different bit position in the further interindustry class.
    throw Error(Errc::InvalidArgument,
                "secure messaging bits are not supported on logical channels above 3");
  }
  return static_cast<uint8_t>((class_byte & 0x80) | 0x40 | (channel - 4));
}

Bytes Command::encode(uint8_t channel) const {
  if (data.size() > 255) {
    throw Error(Errc::InvalidArgument, "command data of " + std::to_string(data.size()) +
                                           " bytes does not fit a short APDU (255 at most)");
  }
  Bytes out{cla_for_channel(cla, channel), ins, p1, p2};
  if (!data.empty()) {
    out.push_back(static_cast<uint8_t>(data.size()));
    append(out, data);
  }
  if (le) out.push_back(*le);
  return out;
}

}  // namespace euiccd::apdu
