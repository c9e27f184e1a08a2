// ES10a/b/c management responses from the eUICC (lpa/es10_codec.h): the first byte picks the
// decoder, the rest is the card's response. Each decoder must return or throw euiccd::Error;
// what it returns must be what the types promise (valid ICCIDs, 16-byte challenges, ...), and
// result codes must map to an error or to success without anything else escaping.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/es10_codec.h"
#include "lpa/iccid.h"
#include "lpa/result_codes.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

namespace {

enum Decoder : uint8_t {
  kGetEid,
  kEuiccInfo1,
  kEuiccInfo2,
  kChallenge,
  kProfilesInfo,
  kProfileInfo,
  kEnable,
  kDisable,
  kDelete,
  kSetNickname,
  kMemoryReset,
  kListNotification,
  kNotificationMetadata,
  kRetrieveNotifications,
  kPendingNotification,
  kRemoveNotification,
  kConfiguredAddresses,
  kSetDefaultDp,
  kRat,
  kNamedBits,
  kOperatorId,
  kUtf8,
  kCount
};

const ProfileIdentifier& some_profile() {
  static const ProfileIdentifier id = ProfileIdentifier::from_iccid("8944476500001224158");
  return id;
}

void check_iccid(const std::string& iccid) {
  check(is_valid_iccid(iccid));
}

void check_profile(const ProfileInfo& p) {
  if (!p.iccid.empty()) check_iccid(p.iccid);
  if (p.profile_owner)
    check(p.profile_owner->mcc_mnc.size() == 5 || p.profile_owner->mcc_mnc.size() == 6);
}

void check_metadata(const NotificationMetadata& m) {
  check(static_cast<unsigned>(m.operation) <= 3);
  if (m.iccid) check_iccid(*m.iccid);
}

void run(uint8_t selector, ByteView r) {
  switch (selector % kCount) {
    case kGetEid: check(decode_get_eid_response(r).size() == 32); break;
    case kEuiccInfo1: {
      const EuiccInfo1 info = decode_euicc_info1(r);
      check(info.svn.size() == 3);
      break;
    }
    case kEuiccInfo2: {
      const EuiccInfo2 info = decode_euicc_info2(r);
      check(info.profile_version.size() == 3 && info.svn.size() == 3 &&
            info.firmware_version.size() == 3 && info.pp_version.size() == 3);
      break;
    }
    case kChallenge: check(decode_get_euicc_challenge_response(r).size() == 16); break;
    case kProfilesInfo:
      for (const ProfileInfo& p : decode_get_profiles_info_response(r)) check_profile(p);
      break;
    case kProfileInfo: check_profile(decode_profile_info(r)); break;
    case kEnable: check_enable_result(decode_enable_profile_response(r), some_profile()); break;
    case kDisable: check_disable_result(decode_disable_profile_response(r), some_profile()); break;
    case kDelete: check_delete_result(decode_delete_profile_response(r), some_profile()); break;
    case kSetNickname:
      check_set_nickname_result(decode_set_nickname_response(r), "8944476500001224158");
      break;
    case kMemoryReset: check_memory_reset_result(decode_memory_reset_response(r)); break;
    case kListNotification:
      for (const NotificationMetadata& m : decode_list_notification_response(r)) check_metadata(m);
      break;
    case kNotificationMetadata: check_metadata(decode_notification_metadata(r)); break;
    case kRetrieveNotifications:
      for (const PendingNotification& n : decode_retrieve_notifications_response(r)) {
        check_metadata(n.metadata);
        check(!n.der.empty());
      }
      break;
    case kPendingNotification: {
      const PendingNotification n = decode_pending_notification(r);
      check_metadata(n.metadata);
      // The signed notification goes to the server byte for byte: it is the whole input.
      check(n.der.size() == r.size() && std::equal(n.der.begin(), n.der.end(), r.begin()));
      break;
    }
    case kRemoveNotification:
      check_remove_notification_result(decode_remove_notification_response(r), 1);
      break;
    case kConfiguredAddresses: decode_get_configured_addresses_response(r); break;
    case kSetDefaultDp:
      check_set_default_dp_address_result(decode_set_default_dp_address_response(r), "a.example");
      break;
    case kRat:
      for (const RatRule& rule : decode_get_rat_response(r))
        for (const OperatorId& op : rule.allowed_operators)
          check(op.mcc_mnc.size() == 5 || op.mcc_mnc.size() == 6);
      break;
    case kNamedBits: {
      // Decoding what we encode gives the mask back (the encoder is DER-minimal).
      const uint64_t mask = decode_named_bits(r, "fuzz");
      check(decode_named_bits(encode_named_bits(mask), "again") == mask);
      break;
    }
    case kOperatorId: {
      const bool wildcard = !r.empty() && (r[0] & 1);
      decode_operator_id(r.empty() ? r : r.subspan(1), wildcard);
      break;
    }
    case kUtf8: {
      const std::string_view text = fuzz::as_text(r);
      const bool valid = is_valid_utf8(text);
      bool ascii = true;
      for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
      if (ascii) check(valid);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t selector = in.byte();
  try {
    run(selector, in.rest());
  } catch (const Error&) {
    // Refusing bad input with the one error type is the expected outcome.
  }
  return 0;
}
