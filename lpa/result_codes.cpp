#include "lpa/result_codes.h"

namespace euiccd::lpa {
namespace {

Error undefined(const std::string& what) {
  return Error(Errc::CardError, "the eUICC reported an undefined error for " + what +
                                    "; if it persists, reset the card (remove power) and retry");
}

Error unknown(uint64_t code, const std::string& what) {
  return Error(Errc::CardError,
               "the eUICC answered " + what + " with unknown result code " + std::to_string(code));
}

const char kCatBusy[] = "the card is busy with a SIM toolkit session; try again";

}  // namespace

std::string describe(const ProfileIdentifier& profile) {
  if (profile.kind == ProfileIdentifier::Kind::IsdpAid)
    return "profile in ISD-P " + to_hex(profile.isdp_aid);
  return "profile " + profile.iccid;
}

// enableResult: ok 0, iccidOrAidNotFound 1, profileNotInDisabledState 2, disallowedByPolicy 3,
// wrongProfileReenabling 4, catBusy 5, undefinedError 127.
void check_enable_result(uint64_t code, const ProfileIdentifier& profile) {
  const std::string p = describe(profile);
  switch (code) {
    case 0: return;
    case 1: throw Error(Errc::NotFound, "no " + p + " on this eUICC");
    case 2: throw Error(Errc::WrongState, p + " is not disabled (it is already enabled)");
    case 3:
      throw Error(Errc::NotAllowed,
                  "enabling " + p +
                      " is forbidden by profile policy rules (the enabled profile may not be "
                      "disabled); ask its operator");
    case 4:
      throw Error(
          Errc::WrongState,
          "the eUICC refused to enable " + p +
              " again before the previous profile switch finished (wrongProfileReenabling); "
              "let the modem re-read the card, then retry");
    case 5: throw Error(Errc::Busy, std::string(kCatBusy) + " (enabling " + p + ")");
    case 127: throw undefined("enabling " + p);
    default: throw unknown(code, "EnableProfile for " + p);
  }
}

// disableResult: ok 0, iccidOrAidNotFound 1, profileNotInEnabledState 2, disallowedByPolicy 3,
// catBusy 5, undefinedError 127.
void check_disable_result(uint64_t code, const ProfileIdentifier& profile) {
  const std::string p = describe(profile);
  switch (code) {
    case 0: return;
    case 1: throw Error(Errc::NotFound, "no " + p + " on this eUICC");
    case 2: throw Error(Errc::WrongState, p + " is not enabled (it is already disabled)");
    case 3:
      throw Error(Errc::NotAllowed,
                  "the profile's policy rules forbid disabling " + p + " (PPR1); ask its operator");
    case 5: throw Error(Errc::Busy, std::string(kCatBusy) + " (disabling " + p + ")");
    case 127: throw undefined("disabling " + p);
    default: throw unknown(code, "DisableProfile for " + p);
  }
}

// deleteResult: ok 0, iccidOrAidNotFound 1, profileNotInDisabledState 2, disallowedByPolicy 3,
// undefinedError 127.
void check_delete_result(uint64_t code, const ProfileIdentifier& profile) {
  const std::string p = describe(profile);
  switch (code) {
    case 0: return;
    case 1: throw Error(Errc::NotFound, "no " + p + " on this eUICC");
    case 2: throw Error(Errc::WrongState, p + " is enabled; disable it (or enable another) first");
    case 3:
      throw Error(Errc::NotAllowed,
                  "the profile's policy rules forbid deleting " + p + " (PPR2); ask its operator");
    case 127: throw undefined("deleting " + p);
    default: throw unknown(code, "DeleteProfile for " + p);
  }
}

// setNicknameResult: ok 0, iccidNotFound 1, undefinedError 127.
void check_set_nickname_result(uint64_t code, std::string_view iccid) {
  const std::string p = "profile " + std::string(iccid);
  switch (code) {
    case 0: return;
    case 1: throw Error(Errc::NotFound, "no " + p + " on this eUICC");
    case 127: throw undefined("setting the nickname of " + p);
    default: throw unknown(code, "SetNickname for " + p);
  }
}

// resetResult: ok 0, nothingToDelete 1, catBusy 5, undefinedError 127.
void check_memory_reset_result(uint64_t code) {
  switch (code) {
    case 0: return;
    case 1:
      throw Error(Errc::NotFound,
                  "nothing to reset: the eUICC holds nothing the chosen reset options delete");
    case 5: throw Error(Errc::Busy, std::string(kCatBusy) + " (memory reset)");
    case 127: throw undefined("the memory reset");
    default: throw unknown(code, "eUICCMemoryReset");
  }
}

// deleteNotificationStatus: ok 0, nothingToDelete 1, undefinedError 127.
void check_remove_notification_result(uint64_t code, uint64_t seq_number) {
  const std::string n = "notification " + std::to_string(seq_number);
  switch (code) {
    case 0: return;
    case 1: throw Error(Errc::NotFound, "no pending " + n + " on this eUICC (already removed?)");
    case 127: throw undefined("removing " + n);
    default: throw unknown(code, "RemoveNotificationFromList for " + n);
  }
}

// setDefaultDpAddressResult: ok 0, undefinedError 127.
void check_set_default_dp_address_result(uint64_t code, std::string_view address) {
  const std::string what = "setting the default SM-DP+ address to \"" + std::string(address) + "\"";
  switch (code) {
    case 0: return;
    case 127: throw undefined(what);
    default: throw unknown(code, "SetDefaultDpAddress (" + what + ")");
  }
}

// ProfileInfoListError: incorrectInputValues 1, undefinedError 127.
Error profile_info_list_error(uint64_t code) {
  switch (code) {
    case 1:
      return Error(Errc::InvalidArgument,
                   "the eUICC rejected the search criteria of the profile list "
                   "(incorrectInputValues)");
    case 127: return undefined("listing profiles");
    default: return unknown(code, "GetProfilesInfo");
  }
}

// listNotificationsResultError: undefinedError 127.
Error list_notification_error(uint64_t code) {
  if (code == 127) return undefined("listing notifications");
  return unknown(code, "ListNotification");
}

// notificationsListResultError: noResultAvailable 1 (up to v2.2.2), undefinedError 127.
Error retrieve_notifications_error(uint64_t code) {
  switch (code) {
    case 1: return Error(Errc::NotFound, "no pending notification matches the request");
    case 127: return undefined("retrieving notifications");
    default: return unknown(code, "RetrieveNotificationsList");
  }
}

}  // namespace euiccd::lpa
