// daemon/card_changes.h against the virtual eUICC's card logic in process (veuicc::Card under
// the real LogicalChannel + Es10Channel, no pcscd): after every change the updated cache equals
// a full fresh read_snapshot(), and the change sent only its own command and the re-reads the
// header lists for it.
#include "daemon/card_changes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "apdu/card.h"
#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "lpa/es10_client.h"
#include "veuicc/state.h"
#include "veuicc_fixture.h"

using namespace euiccd;
using namespace euiccd::daemon;
using ::testing::ElementsAre;
using json = nlohmann::json;

namespace {

constexpr char kHome[] = "8944476500001224158";     // enabled
constexpr char kTravel[] = "89012600000000000013";  // disabled
constexpr char kLab[] = "891000000000000004";       // disabled, test class

veuicc::CardState seeded_state() {
  const json events = json::array({{{"event", "enable"}, {"address", "smdp.example.com"}},
                                   {{"event", "disable"}, {"address", "smdp.example.com"}},
                                   {{"event", "delete"}, {"address", "smdp.example.com"}}});
  return veuicc::state_from_json({{"default_dp_address", "smdp.example.com"},
                                  {"root_ds_address", "lpa.ds.example.com"},
                                  {"memory", {{"nvm_bytes", 1048576}, {"free_ram_bytes", 65536}}},
                                  {"profiles",
                                   {{{"iccid", kHome},
                                     {"state", "enabled"},
                                     {"nickname", "Home"},
                                     {"service_provider_name", "Veuicc Mobile"},
                                     {"profile_class", "operational"},
                                     {"size", 120000},
                                     {"notification_configuration", events}},
                                    {{"iccid", kTravel},
                                     {"service_provider_name", "Roam Anywhere"},
                                     {"profile_class", "operational"},
                                     {"size", 80000},
                                     {"notification_configuration", events}},
                                    {{"iccid", kLab},
                                     {"service_provider_name", "Test Lab"},
                                     {"profile_class", "test"},
                                     {"size", 20000}}}}});
}

// The card logic behind the apdu::Card contract, keeping every command it was sent.
class RecordingCard : public apdu::Card {
 public:
  explicit RecordingCard(veuicc::Card& card) : card_(card) {}
  Bytes transmit(ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    return card_.transmit(command);
  }
  apdu::Protocol protocol() const override { return apdu::Protocol::T1; }
  void reconnect() override {}

  // The ES10 functions of the STORE DATA commands since the last clear ("BF31"), in order.
  std::vector<std::string> functions() const {
    std::vector<std::string> out;
    for (const Bytes& c : commands)
      if (c.size() > 6 && c[1] == 0xE2 && c[5] == 0xBF) out.push_back(to_hex(Bytes{c[5], c[6]}));
    return out;
  }
  std::vector<Bytes> commands;

 private:
  veuicc::Card& card_;
};

// Everything the daemon serves from the snapshot, as text (a failure shows the difference).
std::string describe(const EuiccSnapshot& s) {
  std::ostringstream out;
  out << "eid " << s.eid << "\nfree " << s.free_nvm << "\nsvn " << s.svn << "\nsmdp "
      << s.default_smdp_address << "\nsmds " << s.root_smds_address << "\npending "
      << s.pending_notifications << "\n";
  for (const auto& p : s.profiles) {
    out << p.iccid << " aid=" << to_hex(p.isdp_aid)
        << " state=" << (p.state ? static_cast<int>(*p.state) : -1) << " nick=" << p.nickname
        << " spn=" << p.service_provider_name << " name=" << p.profile_name
        << " class=" << (p.profile_class ? static_cast<int>(*p.profile_class) : -1)
        << " owner=" << (p.profile_owner ? p.profile_owner->mcc_mnc : "")
        << " notify=" << p.notification_configuration.size() << "\n";
  }
  return out.str();
}

class CardChanges : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = read_snapshot(client_);
    card_.commands.clear();
  }

  // The cache equals what the card says now (read without recording).
  void expect_fresh() {
    const size_t sent = card_.commands.size();
    EXPECT_EQ(describe(cache_), describe(read_snapshot(client_)));
    card_.commands.resize(sent);
  }

  veuicc::testing::CardHarness harness_{seeded_state(), veuicc::CardConfig{}, "",
                                        veuicc::testing::test_credentials()};
  RecordingCard card_{harness_.card()};
  apdu::LogicalChannel channel_{card_};
  apdu::Es10Channel es10_{channel_};
  lpa::Es10Client client_{es10_};
  CardSettings settings_;
  EuiccSnapshot cache_;
};

TEST_F(CardChanges, EnableSetsTheStatesAndReadsOnlyTheNotificationCount) {
  card_changes::enable(client_, settings_, cache_, kTravel);
  EXPECT_THAT(card_.functions(), ElementsAre("BF31", "BF28"));
  EXPECT_EQ(cache_.enabled_profile()->iccid, kTravel);
  EXPECT_EQ(cache_.pending_notifications, 2U);  // Home's disable, Travel's enable
  expect_fresh();
  // Behind PC/SC without the refresh flag: BF31 { A0 { 5A iccid } 81 01 00 }.
  EXPECT_THAT(to_hex(card_.commands.at(card_.commands.size() - 2)), ::testing::HasSubstr("8101"
                                                                                         "00"));
}

TEST_F(CardChanges, RefreshFlagWhereTheBackendWantsIt) {
  settings_.refresh_on_switch = true;
  card_changes::enable(client_, settings_, cache_, kLab);
  EXPECT_THAT(to_hex(card_.commands.at(card_.commands.size() - 2)), ::testing::HasSubstr("8101"
                                                                                         "FF"));
  expect_fresh();
}

TEST_F(CardChanges, DisableSetsTheStateAndReadsOnlyTheNotificationCount) {
  card_changes::disable(client_, settings_, cache_, kHome);
  EXPECT_THAT(card_.functions(), ElementsAre("BF32", "BF28"));
  EXPECT_EQ(cache_.enabled_profile(), nullptr);
  EXPECT_EQ(cache_.pending_notifications, 1U);
  expect_fresh();
}

TEST_F(CardChanges, RemoveDropsTheProfileAndReadsTheFreeMemory) {
  const uint64_t free_before = cache_.free_nvm;
  card_changes::remove(client_, cache_, kTravel);
  EXPECT_THAT(card_.functions(), ElementsAre("BF33", "BF22", "BF28"));
  EXPECT_EQ(cache_.find_profile(kTravel), nullptr);
  EXPECT_EQ(cache_.free_nvm, free_before + 80000);
  expect_fresh();
}

TEST_F(CardChanges, NicknameIsSetWithoutAnyRead) {
  card_changes::set_nickname(client_, cache_, kLab, "Lab bench");
  EXPECT_THAT(card_.functions(), ElementsAre("BF29"));
  EXPECT_EQ(cache_.find_profile(kLab)->nickname, "Lab bench");
  expect_fresh();
}

TEST_F(CardChanges, DefaultSmdpAddressReadsTheAddressesOnly) {
  card_changes::set_default_smdp_address(client_, cache_, "other.example.com");
  EXPECT_THAT(card_.functions(), ElementsAre("BF3F", "BF3C"));
  EXPECT_EQ(cache_.default_smdp_address, "other.example.com");
  expect_fresh();
}

TEST_F(CardChanges, MemoryResetReadsEverything) {
  lpa::MemoryResetOptions options;
  options.delete_operational_profiles = true;
  card_changes::reset_memory(client_, cache_, options);
  EXPECT_EQ(card_.functions().front(), "BF34");
  EXPECT_EQ(cache_.profiles.size(), 1U);  // the test profile stays
  expect_fresh();
}

// A sequence of changes, each building on the cache the previous one left.
TEST_F(CardChanges, ASequenceStaysEqualToAFreshRead) {
  card_changes::enable(client_, settings_, cache_, kTravel);
  card_changes::set_nickname(client_, cache_, kTravel, "Away");
  card_changes::enable(client_, settings_, cache_, kHome);
  card_changes::remove(client_, cache_, kTravel);
  card_changes::disable(client_, settings_, cache_, kHome);
  expect_fresh();
  EXPECT_EQ(cache_.pending_notifications, 6U);  // Lab notifies nobody
}

// A profile the cache does not know (another program installed it): the list is read again.
TEST_F(CardChanges, UnknownProfileMakesTheListBeReadAgain) {
  std::erase_if(cache_.profiles, [](const lpa::ProfileInfo& p) { return p.iccid == kLab; });
  card_changes::enable(client_, settings_, cache_, kLab);
  EXPECT_THAT(card_.functions(), ElementsAre("BF31", "BF2D", "BF28"));
  expect_fresh();
}

TEST_F(CardChanges, DeliveredNotificationsLowerTheCount) {
  lpa::NotificationReport report;
  report.on_card = 5;
  report.sent = 3;
  report.failed = 1;
  card_changes::notifications_delivered(cache_, report);
  EXPECT_EQ(cache_.pending_notifications, 2U);
}

}  // namespace
