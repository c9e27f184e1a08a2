// ES10a GetEuiccConfiguredAddresses (BF3C) and SetDefaultDpAddress (BF3F).
#include "base/error.h"
#include "veuicc/es10.h"

namespace euiccd::veuicc {
Bytes get_configured_addresses(const tlv::Tlv&, Es10Context& ctx) {
  // Both members are untagged in an automatically tagged SEQUENCE: 80 and 81.
  tlv::Builder b(0xBF3C);
  if (ctx.state().default_dp_address) b.add(0x80, *ctx.state().default_dp_address);
  b.add(0x81, ctx.state().root_ds_address);
  return b.bytes();
}

Bytes set_default_dp_address(const tlv::Tlv& request, Es10Context& ctx) {
  const tlv::Tlv address = request.require(0x80, "defaultDpAddress");
  // An empty address removes the default (what LPAs send to clear it).
  if (address.value.empty()) {
    ctx.state().default_dp_address.reset();
  } else {
    ctx.state().default_dp_address = as_string(address.value);
  }
  ctx.store.commit();
  return result_response(0xBF3F, 0);
}

}  // namespace euiccd::veuicc
