#include "veuicc/es10.h"

#include <algorithm>

#include "lpa/error.h"
#include "lpa/es10_download.h"
#include "lpa/iccid.h"

namespace euiccd::veuicc {

const Es10Function* find_es10_function(tlv::Tag tag) {
  for (auto area : {es10a_functions(), es10b_info_functions(), es10b_notification_functions(),
                    es10b_download_functions(), es10c_functions()}) {
    for (const auto& f : area) {
      if (f.tag == tag) return &f;
    }
  }
  return nullptr;
}

Bytes dispatch_es10(ByteView request, Es10Context& ctx) {
  if (lpa::is_bound_profile_package_piece(request)) return load_bound_profile_package(request, ctx);
  const tlv::Tlv tlv = tlv::parse_one(request);
  const Es10Function* f = find_es10_function(tlv.tag);
  if (!f)
    throw Error(Errc::NotSupported, "unknown ES10 function tag " +
                                        to_hex(request.first(std::min<size_t>(request.size(), 2))));
  return f->handler(tlv, ctx);
}

Bytes result_response(tlv::Tag tag, uint64_t result, tlv::Tag result_tag) {
  return tlv::Builder(tag).add(result_tag, tlv::encode_uint(result)).bytes();
}

std::optional<size_t> find_profile(const CardState& state, const tlv::Tlv& identifier) {
  if (identifier.tag != 0x4F && identifier.tag != 0x5A) {
    throw Error(Errc::Malformed, "profile identifier is neither 4F (AID) nor 5A (ICCID)");
  }
  if (identifier.tag == 0x5A && identifier.value.size() != 10) {
    throw Error(Errc::Malformed, "ICCID is not 10 bytes");
  }
  const Bytes wanted(identifier.value.begin(), identifier.value.end());
  const auto& profiles = state.profiles;
  for (size_t i = 0; i < profiles.size(); ++i) {
    const Bytes have =
        identifier.tag == 0x4F ? profiles[i].isdp_aid : lpa::encode_iccid(profiles[i].iccid);
    if (have == wanted) return i;
  }
  return std::nullopt;
}

}  // namespace euiccd::veuicc
