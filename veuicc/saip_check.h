// The card's check of a SAIP profile package (TCA "eUICC Profile Package: Interoperable Format",
// module PEDefinitions) before it is installed: the decrypted 86 segments of a bound profile
// package are outside input, so a real eUICC refuses a package whose profile elements do not
// decode, are out of order or contradict the header (SGP.22 §5.5.1 loadProfileElements; the
// order rules are those pySim's saip CheckBasicStructure applies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::veuicc {

enum class SaipProblem {
  NotDer,                   // a TLV is truncated, indefinite, not minimal, or a value left over
  TooDeep,                  // constructed values nested deeper than any PE_Definitions type
  UnknownElement,           // a top-level tag that is no ProfileElement alternative
  BadProfileHeader,         // ProfileHeader fields missing, misplaced, mis-sized or unsupported
  BadElementHeader,         // a PE does not start with PEHeader { [mandated], identification }
  HeaderNotFirst,           // the first element is not the ProfileHeader, or a second one follows
  MfNotSecond,              // PE-MF is not the second element, or occurs twice
  EndNotLast,               // PE-End is not the last element, or occurs twice
  DuplicateElement,         // a PE allowed once (usim, opt-usim, telecom, ...) occurs twice
  MissingBaseElement,       // e.g. opt-usim without a usim before it
  MissingMandatoryService,  // the header mandates usim/isim/csim and the profile has none
  DuplicateIdentification,  // two PEs with the same identification number
};

// The problem's name as used in messages ("EndNotLast").
const char* saip_problem_name(SaipProblem problem);

class SaipError : public Error {
 public:
  SaipError(SaipProblem problem, const std::string& detail);
  SaipProblem problem() const { return problem_; }

 private:
  SaipProblem problem_;
};

struct SaipSummary {
  std::string iccid;    // the ProfileHeader's ICCID (digits; BCD in digit order, F-padded)
  size_t elements = 0;  // profile elements, header and end included
};

// Checks a profile package as it arrives, element by element, as a card processes the profile
// segments: a bad element is refused as soon as it is complete, not only at the end. Throws
// SaipError (code Malformed) naming the first problem. Bounded: linear in the input, nesting at
// most kSaipMaxDepth.
class SaipChecker {
 public:
  // `received` is the package so far (it only grows); checks the elements completed since the
  // last call, keeps an incomplete one for later.
  void check_available(ByteView received);
  // The ProfileHeader's ICCID once the header has been checked, else empty.
  const std::string& iccid() const { return iccid_; }
  // The whole package: everything checked, nothing incomplete, PE-End last, NAAs present.
  SaipSummary finish(ByteView package);

 private:
  void check_element(uint32_t tag, bool constructed, ByteView value);

  size_t checked_ = 0;  // bytes of complete, checked elements
  size_t count_ = 0;
  std::string_view last_;
  std::set<std::string_view> seen_;  // a set: 32768 identification numbers bound the count
  std::set<uint32_t> identifications_;
  std::set<uint32_t> services_;  // ServicesList component numbers the header mandates
  std::string iccid_;
};

// The same for a complete package.
SaipSummary check_saip(ByteView package);

inline constexpr int kSaipMaxDepth = 12;

}  // namespace euiccd::veuicc
