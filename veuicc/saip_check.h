// The card's check of a SAIP profile package (TCA "eUICC Profile Package: Interoperable Format",
// module PEDefinitions) before it is installed: the decrypted 86 segments of a bound profile
// package are outside input, so a real eUICC refuses a package whose profile elements do not
// decode, are out of order or contradict the header (SGP.22 §5.5.1 loadProfileElements; the
// order rules are those pySim's saip CheckBasicStructure applies).
#pragma once

#include <cstddef>
#include <string>

#include "lpa/bytes.h"
#include "lpa/error.h"

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

// Checks a whole profile package; throws SaipError (code Malformed) naming the first problem.
// Bounded: linear in the input, nesting at most kSaipMaxDepth.
SaipSummary check_saip(ByteView package);

inline constexpr int kSaipMaxDepth = 12;

}  // namespace euiccd::veuicc
