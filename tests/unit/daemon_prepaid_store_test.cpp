// The prepaid state file (daemon/prepaid_store.h) and the config → top-up settings mapping
// (daemon/prepaid_settings.h): what survives a restart, what a broken file does, and that the
// [Profile:<ICCID>] / [TopUp:<MCCMNC>] keys reach the top-up library unchanged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/prepaid.h"
#include "daemon/prepaid_settings.h"
#include "daemon/prepaid_store.h"

namespace euiccd::daemon {
namespace {

namespace fs = std::filesystem;

class PrepaidStoreTest : public ::testing::Test {
 protected:
  PrepaidStoreTest() {
    char pattern[] = "/tmp/euiccd-prepaid-store.XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  ~PrepaidStoreTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

TEST_F(PrepaidStoreTest, RecordsSurviveASaveAndLoad) {
  const fs::path file = dir_ / "state" / "prepaid.json";  // the directory is made on save
  PrepaidStore store(file);
  EXPECT_EQ(store.load(), std::nullopt);  // no file yet: empty, no warning
  PrepaidRecord& r = store.at("8937404000000000012");
  r.balance = "Ihr Guthaben beträgt 12,34 EUR.";
  r.balance_checked_at = 1'732'000'000'123'456;
  r.amount = topup::BalanceAmount{12.34, "EUR"};
  r.plan_expires_at = 1'735'603'200'000'000;
  r.plan_reminded_at = 1'735'344'000'000'000;
  store.at("8944476500001224158").balance = "Balance 0";
  store.save();
  EXPECT_EQ(fs::status(file.parent_path()).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));

  PrepaidStore again(file);
  EXPECT_EQ(again.load(), std::nullopt);
  ASSERT_NE(again.find("8937404000000000012"), nullptr);
  EXPECT_EQ(*again.find("8937404000000000012"), r);
  ASSERT_NE(again.find("8944476500001224158"), nullptr);
  EXPECT_EQ(again.find("8944476500001224158")->amount, std::nullopt);
  EXPECT_EQ(again.find("8900000000000000000"), nullptr);
}

TEST_F(PrepaidStoreTest, BrokenFileIsMovedAsideAndTheStoreStartsEmpty) {
  const fs::path file = dir_ / "prepaid.json";
  std::ofstream(file) << R"({"version": 1, "profiles": {"8937)";
  PrepaidStore store(file);
  const std::optional<std::string> warning = store.load();
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("prepaid.json.broken"), std::string::npos) << *warning;
  EXPECT_TRUE(store.records().empty());
  EXPECT_TRUE(fs::exists(dir_ / "prepaid.json.broken"));
  EXPECT_FALSE(fs::exists(file));

  std::ofstream(file) << R"({"version": 7, "profiles": {}})";
  EXPECT_TRUE(PrepaidStore(file).load().has_value());  // a format it does not know
}

TEST_F(PrepaidStoreTest, KeysThatAreNoIccidAreIgnored) {
  const fs::path file = dir_ / "prepaid.json";
  std::ofstream(file)
      << R"({"version": 1, "profiles": {"../etc": {"balance": "x"}, "8937404000000000012": {}}})";
  PrepaidStore store(file);
  EXPECT_EQ(store.load(), std::nullopt);
  EXPECT_EQ(store.records().size(), 1U);
  EXPECT_EQ(*store.find("8937404000000000012"), PrepaidRecord{});
}

TEST_F(PrepaidStoreTest, WithoutAFileNothingIsWritten) {
  PrepaidStore store;
  store.at("8937404000000000012").balance = "kept in memory";
  EXPECT_NO_THROW(store.save());
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST(PrepaidSettings, ConfigKeysReachTheTopupLibrary) {
  Config config;
  config.topup.provider_info_path = "/srv/serviceproviders.xml";
  config.topup.operators["42601"].balance_ussd = "*141#";
  config.topup.operators["26201/0A"].topup_ussd = "*103*CODE#";
  ProfileConfig& p = config.profiles["8937404000000000012"];
  p.codes.balance_ussd = "*100#";
  p.codes.balance_ussd_responses = {"1", "3"};
  p.codes.topup_sms_number = "18258";
  p.codes.topup_sms_text = "TOPUP PIN";
  p.codes.topup_replacement = "PIN";
  p.codes.voucher_charset = "0123456789ABCDEF";
  p.codes.sms_reply_from = "*";
  p.low_balance_threshold = 5;
  p.balance_check_interval = std::chrono::hours(6);
  p.plan_expiry_reminder_days = 2;

  const PrepaidSettings s =
      prepaid_settings(config, "unix:path=/tmp/bus", "/srv/euiccd.conf (or a drop-in in /srv/d/)");
  EXPECT_EQ(s.topup.provider_info_path, "/srv/serviceproviders.xml");
  EXPECT_EQ(s.topup.config_files, "/srv/euiccd.conf (or a drop-in in /srv/d/)");
  EXPECT_EQ(s.topup.bus_address, "unix:path=/tmp/bus");
  EXPECT_EQ(s.topup.operators.at("42601").balance_ussd, "*141#");
  EXPECT_EQ(s.topup.operators.at("26201/0A").topup_ussd, "*103*CODE#");
  const topup::OperatorCodes& codes = s.topup.profiles.at("8937404000000000012");
  EXPECT_EQ(codes.balance_ussd, "*100#");
  EXPECT_EQ(codes.balance_ussd_responses, (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(codes.topup_sms_number, "18258");
  EXPECT_EQ(codes.topup_sms_text, "TOPUP PIN");
  EXPECT_EQ(codes.topup_replacement, "PIN");
  EXPECT_EQ(codes.voucher_charset, "0123456789ABCDEF");
  EXPECT_EQ(codes.sms_reply_from, "*");
  EXPECT_EQ(codes.balance_sms_number, std::nullopt);

  const ProfileWatch& w = s.watch_for("8937404000000000012");
  EXPECT_EQ(w.low_balance_threshold, 5.0);
  EXPECT_EQ(w.balance_check_interval, std::chrono::hours(6));
  EXPECT_EQ(w.plan_expiry_reminder_days, 2U);
  // Profiles without a section: no threshold, no periodic check, 3-day reminders.
  const ProfileWatch& other = s.watch_for("8944476500001224158");
  EXPECT_EQ(other.low_balance_threshold, std::nullopt);
  EXPECT_EQ(other.balance_check_interval.count(), 0);
  EXPECT_EQ(other.plan_expiry_reminder_days, 3U);

  EXPECT_EQ(prepaid_settings(config, "system", "").topup.bus_address, "");
}

TEST(PrepaidSettings, BalanceAmountText) {
  EXPECT_EQ(balance_amount_text(std::nullopt), "");
  EXPECT_EQ(balance_amount_text(topup::BalanceAmount{12.5, "EUR"}), "12.5 EUR");
  EXPECT_EQ(balance_amount_text(topup::BalanceAmount{1234.56, ""}), "1234.56");
  EXPECT_EQ(balance_amount_text(topup::BalanceAmount{-5, "$"}), "-5 $");
  EXPECT_EQ(balance_amount_text(topup::BalanceAmount{3.25, "BHD"}), "3.25 BHD");
}

// The profile as the card lists it, as top-up sees it (daemon/prepaid.h).
TEST(TopupOperatorMethods, FromProfileInfo) {
  lpa::ProfileInfo info;
  info.iccid = "8948000000000000001";
  info.service_provider_name = "Heyah";
  info.profile_owner = lpa::OperatorId{"26002", from_hex("0aFFFF"), std::nullopt};
  const topup::ProfileOperator profile = topup_profile(info);
  EXPECT_EQ(profile.mcc_mnc, "26002");
  EXPECT_EQ(profile.gid1_hex, "0A");
  EXPECT_EQ(profile.service_provider_name, "Heyah");
}

}  // namespace
}  // namespace euiccd::daemon
