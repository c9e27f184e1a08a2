// ICCIDs (lpa/iccid.h): 10 bytes of swapped BCD from the card (ProfileInfo, notifications,
// profile metadata), and ICCID text from a user. BCD that decodes must encode back to the same
// 10 bytes (the card is later addressed with what we encode); digits that encode must decode
// back to themselves.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/iccid.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  try {
    const std::string digits = decode_iccid(input);
    check(is_valid_iccid(digits));
    const Bytes again = encode_iccid(digits);
    check(std::equal(again.begin(), again.end(), input.begin(), input.end()));
  } catch (const Error& e) {
    check(e.code() == Errc::Malformed);
  }
  const std::string_view text = fuzz::as_text(input);
  try {
    const Bytes bcd = encode_iccid(text);
    check(is_valid_iccid(text) && bcd.size() == 10);
    check(decode_iccid(bcd) == text);
  } catch (const Error& e) {
    check(e.code() == Errc::InvalidArgument && !is_valid_iccid(text));
  }
  return 0;
}
