// Es10Client against a fake Es10Transport that records each command and answers with canned
// responses (hand-derived from the SGP.22 ASN.1, see the codec tests for the derivations).
#include "lpa/es10_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "base/error.h"
#include "test_bytes.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::testing::ascii;
using euiccd::testing::code_of;
using euiccd::testing::h;

namespace {

class FakeCard : public Es10Transport {
 public:
  void answer(std::string_view hex) { responses_.push_back(h(hex)); }
  void fail_with(Errc code) { failure_ = code; }

  Bytes transceive(ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    if (failure_) throw Error(*failure_, "card went away");
    if (responses_.empty()) throw Error(Errc::Internal, "test gave no response for this command");
    Bytes r = responses_.front();
    responses_.pop_front();
    return r;
  }

  std::vector<Bytes> commands;

 private:
  std::deque<Bytes> responses_;
  std::optional<Errc> failure_;
};

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

constexpr std::string_view kIccid = "8944476500001224158";
constexpr std::string_view kIccidBcd = "98 44 74 56 00 00 21 42 51 F8";

class Es10ClientTest : public ::testing::Test {
 protected:
  FakeCard card;
  Es10Client client{card};
  ProfileIdentifier profile = ProfileIdentifier::from_iccid(kIccid);
};

}  // namespace

TEST_F(Es10ClientTest, GetEid) {
  card.answer("BF3E 12 5A 10 89049032123451234512345678901235");
  EXPECT_EQ(client.get_eid(), "89049032123451234512345678901235");
  ASSERT_EQ(card.commands.size(), 1U);
  EXPECT_EQ(card.commands[0], h("BF3E 03 5C 01 5A"));
}

TEST_F(Es10ClientTest, GetProfilesInfoAsksForAllFields) {
  card.answer("BF2D 14 A0 12 E3 10 5A 0A " + std::string(kIccidBcd) + " 9F70 01 01");
  auto profiles = client.get_profiles_info();
  ASSERT_EQ(profiles.size(), 1U);
  EXPECT_EQ(profiles[0].iccid, kIccid);
  EXPECT_EQ(profiles[0].state, ProfileState::Enabled);
  EXPECT_EQ(card.commands.at(0), h("BF2D 10 5C 0E 5A 4F 9F 70 90 91 92 93 94 95 B6 B7 B8 99"));
}

TEST_F(Es10ClientTest, GetProfilesInfoWithFilterAndError) {
  card.answer("BF2D 03 81 01 01");
  EXPECT_EQ(run([&] { client.get_profiles_info(ProfileSearchCriteria{profile}); }).code,
            Errc::InvalidArgument);
  EXPECT_EQ(card.commands.at(0), h("BF2D 1E A0 0C 5A 0A " + std::string(kIccidBcd) +
                                   " 5C 0E 5A 4F 9F 70 90 91 92 93 94 95 B6 B7 B8 99"));
}

TEST_F(Es10ClientTest, EnableProfile) {
  card.answer("BF31 03 80 01 00");
  client.enable_profile(profile, true);
  EXPECT_EQ(card.commands.at(0), h("BF31 11 A0 0C 5A 0A " + std::string(kIccidBcd) + " 81 01 FF"));

  card.answer("BF31 03 80 01 02");
  Thrown t = run([&] { client.enable_profile(profile, false); });
  EXPECT_EQ(t.code, Errc::WrongState);
  EXPECT_NE(t.message.find(kIccid), std::string::npos);
  EXPECT_EQ(card.commands.at(1), h("BF31 11 A0 0C 5A 0A " + std::string(kIccidBcd) + " 81 01 00"));

  card.answer("BF31 03 80 01 05");
  EXPECT_EQ(run([&] { client.enable_profile(profile, true); }).code, Errc::Busy);
}

TEST_F(Es10ClientTest, DisableAndDeleteProfile) {
  card.answer("BF32 03 80 01 03");
  EXPECT_EQ(run([&] { client.disable_profile(profile, true); }).code, Errc::NotAllowed);
  EXPECT_EQ(card.commands.at(0), h("BF32 11 A0 0C 5A 0A " + std::string(kIccidBcd) + " 81 01 FF"));

  card.answer("BF33 03 80 01 01");
  EXPECT_EQ(run([&] { client.delete_profile(profile); }).code, Errc::NotFound);
  EXPECT_EQ(card.commands.at(1), h("BF33 0C 5A 0A " + std::string(kIccidBcd)));

  card.answer("BF33 03 80 01 00");
  EXPECT_FALSE(run([&] { client.delete_profile(profile); }).thrown);
}

TEST_F(Es10ClientTest, SetNicknameValidatesBeforeSending) {
  EXPECT_EQ(run([&] { client.set_nickname(kIccid, std::string(65, 'x')); }).code,
            Errc::InvalidArgument);
  EXPECT_TRUE(card.commands.empty());

  card.answer("BF29 03 80 01 00");
  client.set_nickname(kIccid, "Work");
  EXPECT_EQ(card.commands.at(0),
            h("BF29 12 5A 0A " + std::string(kIccidBcd) + " 90 04" + ascii("Work")));

  card.answer("BF29 03 80 01 01");
  EXPECT_EQ(run([&] { client.set_nickname(kIccid, "Work"); }).code, Errc::NotFound);
}

TEST_F(Es10ClientTest, Notifications) {
  card.answer("BF28 16 A0 14 BF2F 11 80 02 01 00 81 02 04 10 0C 07" + ascii("dp.test"));
  auto list = client.list_notifications(NotificationEvent::Delete);
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].seq_number, 256U);
  EXPECT_EQ(card.commands.at(0), h("BF28 04 81 02 04 10"));

  // By sequence number: an empty answer means the notification is gone.
  card.answer("BF2B 02 A0 00");
  EXPECT_EQ(run([&] { client.retrieve_notifications(256); }).code, Errc::NotFound);
  EXPECT_EQ(card.commands.at(1), h("BF2B 06 A0 04 80 02 01 00"));

  // All: noResultAvailable is just an empty list.
  card.answer("BF2B 03 81 01 01");
  EXPECT_TRUE(client.retrieve_notifications().empty());
  EXPECT_EQ(card.commands.at(2), h("BF2B 00"));

  card.answer("BF30 03 80 01 01");
  Thrown t = run([&] { client.remove_notification(256); });
  EXPECT_EQ(t.code, Errc::NotFound);
  EXPECT_NE(t.message.find("256"), std::string::npos);
  EXPECT_EQ(card.commands.at(3), h("BF30 04 80 02 01 00"));
}

TEST_F(Es10ClientTest, RetrieveOneNotification) {
  // 30 23 { BF2F 11 {...} [20], 5F37 04 <sig> [7], 30 02 0500 [4] x 2 } = 35 + 2; A0 25; BF2B 27.
  std::string other = "30 23 BF2F 11 80 02 01 00 81 02 04 10 0C 07" + ascii("dp.test") +
                      "5F37 04 DEADBEEF 30 02 0500 30 02 0500";
  card.answer("BF2B 27 A0 25 " + other);
  auto found = client.retrieve_notifications(256);
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].der, h(other));
  EXPECT_EQ(found[0].metadata.operation, NotificationEvent::Delete);
}

TEST_F(Es10ClientTest, MemoryResetAndAddresses) {
  card.answer("BF34 03 80 01 00");
  client.memory_reset({true, true, true});
  EXPECT_EQ(card.commands.at(0), h("BF34 04 82 02 05 E0"));

  card.answer("BF34 03 80 01 01");
  EXPECT_EQ(run([&] { client.memory_reset({true, false, false}); }).code, Errc::NotFound);

  card.answer("BF3C 11 81 0F" + ascii("lpa.ds.gsma.com"));
  EXPECT_EQ(client.get_configured_addresses().root_ds_address, "lpa.ds.gsma.com");
  EXPECT_EQ(card.commands.at(2), h("BF3C 00"));

  card.answer("BF3F 03 80 01 7F");
  EXPECT_EQ(run([&] { client.set_default_dp_address("smdp.example.com"); }).code, Errc::CardError);
  EXPECT_EQ(card.commands.at(3), h("BF3F 12 80 10" + ascii("smdp.example.com")));
}

TEST_F(Es10ClientTest, InfoChallengeAndRat) {
  card.answer("BF20 09 82 03 02 02 02 A9 00 AA 00");  // 5 + 2 + 2
  EXPECT_EQ(client.get_euicc_info1().svn, h("020202"));
  card.answer(
      "BF22 22 81 03 020300 82 03 020202 83 03 040200 84 00 85 01 00 88 01 00 A9 00 AA 00"
      " 04 03 000000 0C 00");
  EXPECT_EQ(client.get_euicc_info2().firmware_version, h("040200"));
  card.answer("BF2E 12 80 10 000102030405060708090A0B0C0D0E0F");
  EXPECT_EQ(client.get_euicc_challenge(), h("000102030405060708090A0B0C0D0E0F"));
  card.answer("BF43 02 A0 00");
  EXPECT_TRUE(client.get_rat().empty());
  ASSERT_EQ(card.commands.size(), 4U);
  EXPECT_EQ(card.commands[0], h("BF20 00"));
  EXPECT_EQ(card.commands[1], h("BF22 00"));
  EXPECT_EQ(card.commands[2], h("BF2E 00"));
  EXPECT_EQ(card.commands[3], h("BF43 00"));
}

TEST_F(Es10ClientTest, TransportErrorsPassThrough) {
  card.fail_with(Errc::CardRemoved);
  EXPECT_EQ(run([&] { client.get_eid(); }).code, Errc::CardRemoved);
}

TEST_F(Es10ClientTest, GarbageIsMalformed) {
  card.answer("6A 82");
  EXPECT_EQ(run([&] { client.get_eid(); }).code, Errc::Malformed);
  card.answer("");
  EXPECT_EQ(run([&] { client.enable_profile(profile, true); }).code, Errc::Malformed);
  card.answer("BF32 03 80 01 00");  // answer to another function
  EXPECT_EQ(run([&] { client.enable_profile(profile, true); }).code, Errc::Malformed);
}
