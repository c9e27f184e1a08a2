#include "lpa/iccid.h"

#include "base/error.h"

namespace euiccd::lpa {

namespace {
constexpr size_t kIccidBytes = 10;
}

bool is_valid_iccid(std::string_view digits) {
  if (digits.size() < 18 || digits.size() > 20) return false;
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  return true;
}

Bytes encode_iccid(std::string_view digits) {
  if (!is_valid_iccid(digits))
    throw Error(Errc::InvalidArgument,
                "\"" + std::string(digits.substr(0, 32)) + "\" is not an ICCID (18 to 20 digits)");
  Bytes out(kIccidBytes, 0xFF);
  for (size_t i = 0; i < digits.size(); ++i) {
    uint8_t d = static_cast<uint8_t>(digits[i] - '0');
    uint8_t& b = out[i / 2];
    b = (i % 2 == 0) ? static_cast<uint8_t>((b & 0xF0) | d) : static_cast<uint8_t>((b & 0x0F) | d << 4);
  }
  return out;
}

std::string decode_iccid(ByteView bcd) {
  if (bcd.size() != kIccidBytes)
    throw Error(Errc::Malformed, "ICCID from the card has " + std::to_string(bcd.size()) +
                                     " bytes, 10 were expected");
  std::string out;
  bool padded = false;
  for (uint8_t b : bcd) {
    for (uint8_t nibble : {static_cast<uint8_t>(b & 0x0F), static_cast<uint8_t>(b >> 4)}) {
      if (nibble == 0x0F) {
        padded = true;
      } else if (padded || nibble > 9) {
        throw Error(Errc::Malformed, "ICCID from the card is not valid BCD: " + to_hex(bcd));
      } else {
        out.push_back(static_cast<char>('0' + nibble));
      }
    }
  }
  if (out.size() < 18)
    throw Error(Errc::Malformed, "ICCID from the card has only " + std::to_string(out.size()) +
                                     " digits: " + to_hex(bcd));
  return out;
}

}  // namespace euiccd::lpa
