// SAIP profile packages as the virtual eUICC receives them (veuicc/saip_check.h): the decrypted
// profile segments of a bound profile package, outside input for the card. The check either
// refuses with a SaipError (code Malformed, its problem's name in the message) or accepts a
// package whose header ICCID is digits and that has a header, an MF and an end at least.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"
#include "lpa/error.h"
#include "veuicc/saip_check.h"

using namespace euiccd;
using euiccd::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const veuicc::SaipSummary s = veuicc::check_saip(ByteView(data, size));
    check(!s.iccid.empty() && s.iccid.size() <= 20);
    check(std::all_of(s.iccid.begin(), s.iccid.end(), [](char c) { return c >= '0' && c <= '9'; }));
    check(s.elements >= 3);
  } catch (const veuicc::SaipError& e) {
    check(e.code() == Errc::Malformed);
    check(std::string(e.what()).find(veuicc::saip_problem_name(e.problem())) != std::string::npos);
  }
  return 0;
}
