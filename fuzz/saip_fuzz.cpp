// SAIP profile packages as the virtual eUICC receives them (veuicc/saip_check.h): the decrypted
// profile segments of a bound profile package, outside input for the card. The check either
// refuses with a SaipError (code Malformed, its problem's name in the message) or accepts a
// package whose header ICCID is digits and that has a header, an MF and an end at least; fed in
// pieces it reaches the same verdict.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "veuicc/saip_check.h"

using namespace euiccd;
using euiccd::fuzz::check;

namespace {

// The verdict on the whole package, or on it arriving in pieces of `step` bytes.
std::string verdict(ByteView package, size_t step) {
  try {
    veuicc::SaipChecker checker;
    for (size_t n = step; step && n < package.size(); n += step)
      checker.check_available(package.first(n));
    const veuicc::SaipSummary s = checker.finish(package);
    check(!s.iccid.empty() && s.iccid.size() <= 20);
    check(std::all_of(s.iccid.begin(), s.iccid.end(), [](char c) { return c >= '0' && c <= '9'; }));
    check(s.elements >= 3);
    return "ok " + s.iccid + " " + std::to_string(s.elements);
  } catch (const veuicc::SaipError& e) {
    check(e.code() == Errc::Malformed);
    check(std::string(e.what()).find(veuicc::saip_problem_name(e.problem())) != std::string::npos);
    return veuicc::saip_problem_name(e.problem());
  }
}

}  // namespace

// Streaming gives the same verdict as the whole package (the card checks segment by segment).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView package(data, size);
  check(verdict(package, 0) == verdict(package, size % 61 + 1));
  return 0;
}
