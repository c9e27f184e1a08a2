#include "veuicc/faults.h"

#include "base/error.h"

namespace euiccd::veuicc {

std::pair<uint64_t, uint16_t> parse_sw_at(const std::string& spec) {
  const auto eq = spec.find('=');
  const auto bad = [&] {
    return Error(Errc::InvalidArgument,
                 "--sw-at wants N=XXXX (APDU number = 4 hex digits), not \"" + spec + "\"");
  };
  if (eq == std::string::npos || eq == 0 || spec.size() - eq - 1 != 4) throw bad();
  const std::string n = spec.substr(0, eq);
  if (n.find_first_not_of("0123456789") != std::string::npos) throw bad();
  Bytes sw;
  try {
    sw = from_hex(spec.substr(eq + 1));
  } catch (const Error&) {
    throw bad();
  }
  return {std::stoull(n), static_cast<uint16_t>((sw[0] << 8) | sw[1])};
}

Bytes garble_response(ByteView response) {
  if (response.size() <= 2) return from_hex("BF2283FFFFFF9000");
  const size_t data = response.size() - 2;
  Bytes out(response.begin(),
            response.begin() + static_cast<std::ptrdiff_t>(std::max<size_t>(1, data / 2)));
  out.push_back(response[data]);
  out.push_back(response[data + 1]);
  return out;
}

}  // namespace euiccd::veuicc
