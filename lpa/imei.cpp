#include "lpa/imei.h"

#include "base/error.h"

namespace euiccd::lpa {

Imei Imei::parse(std::string_view digits) {
  if (digits.size() != 15 && digits.size() != 16)
    throw Error(Errc::InvalidArgument, "an IMEI has 15 digits (16 for an IMEISV), got " +
                                           std::to_string(digits.size()) + " characters");
  if (digits.find_first_not_of("0123456789") != std::string_view::npos)
    throw Error(Errc::InvalidArgument, "the IMEI must be decimal digits only");
  return Imei(std::string(digits));
}

}  // namespace euiccd::lpa
