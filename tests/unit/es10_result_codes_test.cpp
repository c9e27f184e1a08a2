// Every ES10 result code (RSPDefinitions v2.2.2/v2.5) → the Errc a caller can act on, and a
// message that names the profile / notification concerned.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "base/error.h"
#include "lpa/result_codes.h"

using namespace euiccd;
using namespace euiccd::lpa;

namespace {

struct Thrown {
  Errc code = Errc::Internal;
  std::string message;
  bool thrown = false;
};

Thrown run(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what(), true};
  }
  return {};
}

Thrown from(const Error& e) {
  return {e.code(), e.what(), true};
}

const ProfileIdentifier kProfile = ProfileIdentifier::from_iccid("8944476500001224158");

struct Case {
  uint64_t result;
  Errc expected;
};

}  // namespace

TEST(Es10ResultCodes, Describe) {
  EXPECT_EQ(describe(kProfile), "profile 8944476500001224158");
  auto aid = ProfileIdentifier::from_isdp_aid(from_hex("A0000005591010FFFFFFFF8900001100"));
  EXPECT_EQ(describe(aid), "profile in ISD-P A0000005591010FFFFFFFF8900001100");
}

// enableResult: ok 0, iccidOrAidNotFound 1, profileNotInDisabledState 2,
// disallowedByPolicy 3, wrongProfileReenabling 4, catBusy 5, undefinedError 127.
TEST(Es10ResultCodes, Enable) {
  EXPECT_FALSE(run([] { check_enable_result(0, kProfile); }).thrown);
  for (Case c : {Case{1, Errc::NotFound}, Case{2, Errc::WrongState}, Case{3, Errc::NotAllowed},
                 Case{4, Errc::WrongState}, Case{5, Errc::Busy}, Case{127, Errc::CardError},
                 Case{6, Errc::CardError}, Case{255, Errc::CardError}}) {
    Thrown t = run([&] { check_enable_result(c.result, kProfile); });
    ASSERT_TRUE(t.thrown) << c.result;
    EXPECT_EQ(t.code, c.expected) << c.result;
    EXPECT_NE(t.message.find("8944476500001224158"), std::string::npos) << t.message;
  }
  EXPECT_NE(run([] { check_enable_result(2, kProfile); }).message.find("not disabled"),
            std::string::npos);
  EXPECT_NE(run([] { check_enable_result(5, kProfile); }).message.find("try again"),
            std::string::npos);
  EXPECT_NE(run([] { check_enable_result(6, kProfile); }).message.find("6"), std::string::npos);
}

// disableResult: ok 0, iccidOrAidNotFound 1, profileNotInEnabledState 2, disallowedByPolicy 3,
// catBusy 5, undefinedError 127 (4 is not defined for disable).
TEST(Es10ResultCodes, Disable) {
  EXPECT_FALSE(run([] { check_disable_result(0, kProfile); }).thrown);
  for (Case c : {Case{1, Errc::NotFound}, Case{2, Errc::WrongState}, Case{3, Errc::NotAllowed},
                 Case{4, Errc::CardError}, Case{5, Errc::Busy}, Case{127, Errc::CardError}}) {
    Thrown t = run([&] { check_disable_result(c.result, kProfile); });
    ASSERT_TRUE(t.thrown) << c.result;
    EXPECT_EQ(t.code, c.expected) << c.result;
    EXPECT_NE(t.message.find("8944476500001224158"), std::string::npos) << t.message;
  }
  EXPECT_NE(run([] { check_disable_result(2, kProfile); }).message.find("not enabled"),
            std::string::npos);
}

// deleteResult: ok 0, iccidOrAidNotFound 1, profileNotInDisabledState 2, disallowedByPolicy 3,
// undefinedError 127 (no catBusy for delete).
TEST(Es10ResultCodes, Delete) {
  EXPECT_FALSE(run([] { check_delete_result(0, kProfile); }).thrown);
  for (Case c : {Case{1, Errc::NotFound}, Case{2, Errc::WrongState}, Case{3, Errc::NotAllowed},
                 Case{5, Errc::CardError}, Case{127, Errc::CardError}}) {
    Thrown t = run([&] { check_delete_result(c.result, kProfile); });
    ASSERT_TRUE(t.thrown) << c.result;
    EXPECT_EQ(t.code, c.expected) << c.result;
    EXPECT_NE(t.message.find("8944476500001224158"), std::string::npos) << t.message;
  }
  EXPECT_NE(run([] { check_delete_result(2, kProfile); }).message.find("disable it"),
            std::string::npos);
}

// setNicknameResult: ok 0, iccidNotFound 1, undefinedError 127.
TEST(Es10ResultCodes, SetNickname) {
  EXPECT_FALSE(run([] { check_set_nickname_result(0, "8944476500001224158"); }).thrown);
  Thrown missing = run([] { check_set_nickname_result(1, "8944476500001224158"); });
  EXPECT_EQ(missing.code, Errc::NotFound);
  EXPECT_NE(missing.message.find("8944476500001224158"), std::string::npos);
  EXPECT_EQ(run([] { check_set_nickname_result(127, "8944476500001224158"); }).code,
            Errc::CardError);
  EXPECT_EQ(run([] { check_set_nickname_result(2, "8944476500001224158"); }).code, Errc::CardError);
}

// resetResult: ok 0, nothingToDelete 1, catBusy 5, undefinedError 127.
TEST(Es10ResultCodes, MemoryReset) {
  EXPECT_FALSE(run([] { check_memory_reset_result(0); }).thrown);
  EXPECT_EQ(run([] { check_memory_reset_result(1); }).code, Errc::NotFound);
  EXPECT_EQ(run([] { check_memory_reset_result(5); }).code, Errc::Busy);
  EXPECT_EQ(run([] { check_memory_reset_result(127); }).code, Errc::CardError);
  EXPECT_EQ(run([] { check_memory_reset_result(2); }).code, Errc::CardError);
}

// deleteNotificationStatus: ok 0, nothingToDelete 1, undefinedError 127.
TEST(Es10ResultCodes, RemoveNotification) {
  EXPECT_FALSE(run([] { check_remove_notification_result(0, 42); }).thrown);
  Thrown missing = run([] { check_remove_notification_result(1, 42); });
  EXPECT_EQ(missing.code, Errc::NotFound);
  EXPECT_NE(missing.message.find("42"), std::string::npos);
  EXPECT_EQ(run([] { check_remove_notification_result(127, 42); }).code, Errc::CardError);
}

// setDefaultDpAddressResult: ok 0, undefinedError 127.
TEST(Es10ResultCodes, SetDefaultDpAddress) {
  EXPECT_FALSE(run([] { check_set_default_dp_address_result(0, "smdp.example.com"); }).thrown);
  Thrown t = run([] { check_set_default_dp_address_result(127, "smdp.example.com"); });
  EXPECT_EQ(t.code, Errc::CardError);
  EXPECT_NE(t.message.find("smdp.example.com"), std::string::npos);
  EXPECT_EQ(run([] { check_set_default_dp_address_result(1, "x"); }).code, Errc::CardError);
}

// ProfileInfoListError: incorrectInputValues 1, undefinedError 127;
// listNotificationsResultError: undefinedError 127;
// notificationsListResultError: noResultAvailable 1, undefinedError 127.
TEST(Es10ResultCodes, ListErrors) {
  EXPECT_EQ(from(profile_info_list_error(1)).code, Errc::InvalidArgument);
  EXPECT_EQ(from(profile_info_list_error(127)).code, Errc::CardError);
  EXPECT_EQ(from(profile_info_list_error(9)).code, Errc::CardError);
  EXPECT_EQ(from(list_notification_error(127)).code, Errc::CardError);
  EXPECT_EQ(from(list_notification_error(1)).code, Errc::CardError);
  EXPECT_EQ(from(retrieve_notifications_error(1)).code, Errc::NotFound);
  EXPECT_EQ(from(retrieve_notifications_error(127)).code, Errc::CardError);
}
