#include "veuicc/es10.h"

#include <algorithm>

#include "base/error.h"
#include "lpa/es10_download.h"
#include "lpa/iccid.h"

namespace euiccd::veuicc {

namespace {

// The ES10 functions the card knows (LoadBoundProfilePackage aside: see es10.h).
const Es10Function kFunctions[] = {
    {0xBF3C, "GetEuiccConfiguredAddresses", get_configured_addresses},
    {0xBF3F, "SetDefaultDpAddress", set_default_dp_address},
    {0xBF2E, "GetEUICCChallenge", get_euicc_challenge},
    {0xBF20, "GetEUICCInfo1", get_euicc_info1},
    {0xBF22, "GetEUICCInfo2", get_euicc_info2},
    {0xBF43, "GetRAT", get_rat},
    {0xBF28, "ListNotification", list_notification},
    {0xBF2B, "RetrieveNotificationsList", retrieve_notifications_list},
    {0xBF30, "RemoveNotificationFromList", remove_notification_from_list},
    {0xBF38, "AuthenticateServer", authenticate_server},
    {0xBF21, "PrepareDownload", prepare_download},
    {0xBF41, "CancelSession", cancel_session},
    {0xBF2D, "GetProfilesInfo", get_profiles_info},
    {0xBF31, "EnableProfile", enable_profile},
    {0xBF32, "DisableProfile", disable_profile},
    {0xBF33, "DeleteProfile", delete_profile},
    {0xBF34, "EuiccMemoryReset", euicc_memory_reset},
    {0xBF3E, "GetEID", get_eid},
    {0xBF29, "SetNickname", set_nickname},
};

}  // namespace

const Es10Function* find_es10_function(tlv::Tag tag) {
  for (const auto& f : kFunctions) {
    if (f.tag == tag) return &f;
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
