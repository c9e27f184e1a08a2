// The device IMEI (15 digits) or IMEISV (16 digits) that AuthenticateServer may tell the SM-DP+
// (SGP.22 DeviceInfo). The rule lives here once: the bus option and the ES10b codec use it.
#pragma once

#include <string>
#include <string_view>

namespace euiccd::lpa {

class Imei {
 public:
  // 15 or 16 decimal digits; throws Error(InvalidArgument) saying which rule the text breaks.
  static Imei parse(std::string_view digits);

  const std::string& digits() const { return digits_; }
  bool operator==(const Imei&) const = default;

 private:
  explicit Imei(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;
};

}  // namespace euiccd::lpa
