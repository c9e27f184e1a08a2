// Activation codes (lpa/activation_code.h): the text of an eSIM QR code, pasted or scanned.
// The input is the text. A code that parses must print (to_string) to a text that parses back
// to the same code, and its SM-DP+ address must pass the address check on its own; the input
// is also tried as a bare server address.
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/activation_code.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(ByteView(data, size));
  try {
    const ActivationCode code = parse_activation_code(text);
    check(!code.smdp_address.empty());
    check(code.matching_id.reveal().find('$') == std::string::npos);
    ActivationCode again;
    try {
      again = parse_activation_code(code.to_string());
      validate_server_address(code.smdp_address, "SM-DP+ address");
    } catch (const Error&) {
      fuzz::violated();  // what we accepted and printed must be accepted again
    }
    check(again == code);
  } catch (const Error& e) {
    check(e.code() == Errc::InvalidArgument);
  }
  try {
    validate_server_address(text, "server address");
    check(!text.empty() && text.find('/') == std::string_view::npos);
  } catch (const Error& e) {
    check(e.code() == Errc::InvalidArgument);
  }
  return 0;
}
