// ES10a: the eUICC's configured server addresses (SGP.22 §5.7.3, §5.7.4).
#include <string>

#include "lpa/es10_codec.h"
#include "lpa/es10_codec_internal.h"

namespace euiccd::lpa {

using namespace es10_detail;

// EuiccConfiguredAddressesRequest ::= [60] SEQUENCE {}  →  BF3C 00
Bytes encode_get_configured_addresses_request() {
  return tlv::encode(0xBF3C, {});
}

// EuiccConfiguredAddressesResponse ::= [60] SEQUENCE { defaultDpAddress UTF8String OPTIONAL,
// rootDsAddress UTF8String }: both untagged → 80, 81.
ConfiguredAddresses decode_get_configured_addresses_response(ByteView response) {
  static constexpr std::string_view kWhat = "EuiccConfiguredAddresses response";
  tlv::Tlv outer = expect_outer(response, 0xBF3C, kWhat);
  ConfiguredAddresses out;
  bool have_root = false;
  for (const tlv::Tlv& field : outer.children()) {
    if (field.tag == 0x80) {
      out.default_dp_address = text(field.value);
    } else if (field.tag == 0x81) {
      out.root_ds_address = text(field.value);
      have_root = true;
    }
  }
  if (!have_root) malformed(kWhat, "rootDsAddress (tag 81) missing");
  return out;
}

// SetDefaultDpAddressRequest ::= [63] SEQUENCE { defaultDpAddress UTF8String } → BF3F { 80 }
Bytes encode_set_default_dp_address_request(std::string_view address) {
  if (!is_valid_utf8(address))
    throw Error(Errc::InvalidArgument, "the SM-DP+ address is not valid UTF-8");
  return tlv::Builder(0xBF3F).add(0x80, address).bytes();
}

// SetDefaultDpAddressResponse ::= [63] SEQUENCE { setDefaultDpAddressResult INTEGER } → BF3F { 80 }
uint64_t decode_set_default_dp_address_response(ByteView response) {
  return result_code(response, 0xBF3F, "SetDefaultDpAddress response");
}

}  // namespace euiccd::lpa
