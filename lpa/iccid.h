// ICCID coding. On the card an ICCID is 10 bytes of BCD with the two digits of each byte
// swapped (as in EF.ICCID) and padded with F: "8944476500001224158" (19 digits) is
// 98 44 74 56 00 00 21 42 51 F8. Other LPAs lose the F pad or the swap for 18/19-digit
// ICCIDs, which shows up as "ICCID not found"; every path here round-trips 18, 19 and 20 digits.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

namespace euiccd::lpa {

// True for 18..20 decimal digits (ITU-T E.118 allows 19 or 20; some issuers use 18).
bool is_valid_iccid(std::string_view digits);

// Digits → 10 swapped-BCD bytes. Throws Error(InvalidArgument) for an invalid ICCID.
Bytes encode_iccid(std::string_view digits);

// Swapped-BCD bytes → digits, stopping at the F pad. Throws Error(Malformed) on a non-decimal
// nibble before the pad, a digit after the pad, or a length other than 10 bytes.
std::string decode_iccid(ByteView bcd);

}  // namespace euiccd::lpa
