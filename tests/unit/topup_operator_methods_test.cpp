// Which methods a profile gets: config layers first, then Debian's serviceproviders.xml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "topup/operator_methods.h"

namespace euiccd::topup {
namespace {

using ::testing::HasSubstr;

const ProviderDatabase& debian() {
  static const ProviderDatabase db = ProviderDatabase::load(kDefaultProviderInfoPath);
  return db;
}

ProfileOperator op(const std::string& mcc_mnc, const std::string& spn = {},
                   const std::string& gid1 = {}) {
  return {"8948000000000000001", mcc_mnc, gid1, spn};
}

TEST(TopupOperatorMethods, PrefersTheNameMatchThenPrimary) {
  const auto candidates = debian().find("26002");
  EXPECT_EQ(choose_provider(candidates, "Heyah")->names[0], "Heyah");
  EXPECT_EQ(choose_provider(candidates, "heyah ")->names[0], "Heyah");
  EXPECT_EQ(choose_provider(candidates, "Virgin Mobile PL")->names[0], "Virgin Mobile");
  EXPECT_EQ(choose_provider(candidates, "")->names[0], "T-Mobile");           // primary
  EXPECT_EQ(choose_provider(candidates, "Some MVNO")->names[0], "T-Mobile");  // primary
  // 262 03: E-Plus is the primary among four; blau.de is matched by name.
  const auto german = debian().find("26203");
  EXPECT_EQ(choose_provider(german, "")->names[0], "E-Plus");
  EXPECT_EQ(choose_provider(german, "BLAU.DE")->names[0], "blau.de");
  EXPECT_EQ(choose_provider({}, "x"), nullptr);
}

TEST(TopupOperatorMethods, ShortNamesMatchOnlyWhole) {
  // Sweden 240 04: "3" (primary), Telenor, Com Hem. An SPN of "3" must not pick "Com Hem 3G".
  const auto swedish = debian().find("24004");
  EXPECT_EQ(choose_provider(swedish, "3")->names[0], "3");
  EXPECT_EQ(choose_provider(swedish, "Telenor SE")->names[0], "Telenor");
}

TEST(TopupOperatorMethods, ProviderInfoMethods) {
  const OperatorMethods heyah = resolve_methods(op("26002", "Heyah"), {}, &debian());
  EXPECT_EQ(heyah.provider_name, "Heyah");
  EXPECT_EQ(heyah.operator_description, "Heyah (MCC 260, MNC 02)");
  ASSERT_EQ(heyah.balance.size(), 1U);
  EXPECT_EQ(heyah.balance[0].describe(), "USSD *108#");
  ASSERT_EQ(heyah.top_up.size(), 1U);
  EXPECT_EQ(heyah.top_up[0].describe(), "USSD *109*CODE#");
  EXPECT_EQ(heyah.top_up[0].token, "CODE");
  EXPECT_THAT(heyah.top_up[0].source, HasSubstr("mobile-broadband-provider-info (Heyah, line "));

  const OperatorMethods elisa = resolve_methods(op("24405"), {}, &debian());
  ASSERT_EQ(elisa.balance.size(), 2U);  // the <dtmf> is not ours
  EXPECT_EQ(elisa.balance[0].channel, Channel::Sms);
  EXPECT_EQ(elisa.balance[0].describe(), "SMS \"SALDO\" to 18258");
  EXPECT_TRUE(elisa.top_up.empty());

  const OperatorMethods glo = resolve_methods(op("62170"), {}, &debian());
  ASSERT_EQ(glo.balance.size(), 1U);
  EXPECT_EQ(glo.balance[0].ussd, "#124#");
  EXPECT_EQ(glo.balance[0].responses, std::vector<std::string>{"4"});

  const OperatorMethods telstra = resolve_methods(op("50501", "Telstra"), {}, &debian());
  ASSERT_EQ(telstra.balance.size(), 1U);
  EXPECT_EQ(telstra.balance[0].ussd, "*100#");
  EXPECT_TRUE(telstra.balance[0].responses.empty());

  // No name match and no primary among Aldi Mobile AU and Telstra: the first listed, and no
  // guess at another operator's codes.
  const OperatorMethods aldi = resolve_methods(op("50501"), {}, &debian());
  EXPECT_EQ(aldi.provider_name, "Aldi Mobile AU");
  EXPECT_TRUE(aldi.balance.empty());
}

TEST(TopupOperatorMethods, MenuChoicesFromConfigFillTheProviderInfoMenu) {
  TopupSettings settings;
  settings.operators["50501"].balance_ussd_responses = {"1", "3"};
  const OperatorMethods telstra = resolve_methods(op("50501", "Telstra"), settings, &debian());
  ASSERT_EQ(telstra.balance.size(), 1U);
  EXPECT_EQ(telstra.balance[0].describe(), "USSD *100# → 1 → 3");
}

TEST(TopupOperatorMethods, ConfigLayersOverrideInOrder) {
  TopupSettings settings;
  settings.operators["26002"].balance_ussd = "*200#";
  settings.operators["26002"].topup_ussd = "*300*PIN#";
  settings.operators["26002"].topup_replacement = "PIN";
  settings.operators["26002/0a"].balance_ussd = "*201#";
  settings.profiles["8948000000000000001"].balance_sms_number = "1234";
  settings.profiles["8948000000000000001"].voucher_charset = "0123456789ABCDEF";

  const OperatorMethods methods = resolve_methods(op("26002", "Heyah", "0A"), settings, &debian());
  ASSERT_EQ(methods.balance.size(), 3U);
  EXPECT_EQ(methods.balance[0].describe(), "USSD *201#");  // GID1 entry beats MCC/MNC entry
  EXPECT_EQ(methods.balance[0].source, "[TopUp:26002/0a]");
  EXPECT_EQ(methods.balance[1].describe(), "SMS \"\" to 1234");
  EXPECT_EQ(methods.balance[1].source, "[Profile:8948000000000000001]");
  EXPECT_EQ(methods.balance[2].describe(), "USSD *108#");  // provider-info stays a fallback
  ASSERT_EQ(methods.top_up.size(), 2U);
  EXPECT_EQ(methods.top_up[0].describe(), "USSD *300*PIN#");
  EXPECT_EQ(methods.top_up[0].token, "PIN");
  EXPECT_EQ(methods.top_up[0].voucher_charset, "0123456789ABCDEF");
  EXPECT_EQ(methods.top_up[1].token, "CODE");
  EXPECT_EQ(methods.top_up[1].voucher_charset, "0123456789ABCDEF");

  // Another GID1: the GID1 entry does not apply.
  const OperatorMethods other = resolve_methods(op("26002", "Heyah", "0B"), settings, &debian());
  EXPECT_EQ(other.balance[0].describe(), "USSD *200#");
}

TEST(TopupOperatorMethods, NothingKnownLeavesNotesAndHints) {
  const OperatorMethods batelco = resolve_methods(op("42601"), {}, &debian());
  EXPECT_TRUE(batelco.balance.empty());
  EXPECT_TRUE(batelco.top_up.empty());
  EXPECT_EQ(batelco.operator_description, "Batelco (MCC 426, MNC 01)");
  ASSERT_EQ(batelco.notes.size(), 1U);
  EXPECT_THAT(batelco.notes[0], HasSubstr("no balance or top-up codes"));
  EXPECT_THAT(balance_config_hint(op("42601")), HasSubstr("[TopUp:42601]"));
  EXPECT_THAT(top_up_config_hint(op("42601")), HasSubstr("TopUpUssd="));

  const OperatorMethods unknown = resolve_methods(op("99901"), {}, &debian());
  EXPECT_THAT(unknown.notes.at(0), HasSubstr("has no provider with MCC 999, MNC 01"));

  const OperatorMethods no_db = resolve_methods(op("28304"), {}, nullptr, "file is gone");
  EXPECT_TRUE(no_db.balance.empty());
  EXPECT_EQ(no_db.notes, std::vector<std::string>{"file is gone"});

  const OperatorMethods no_owner = resolve_methods(op(""), {}, &debian());
  EXPECT_THAT(no_owner.operator_description, HasSubstr("owner MCC/MNC is not known"));
  EXPECT_THAT(balance_config_hint(op("")), HasSubstr("[Profile:8948000000000000001]"));
}

}  // namespace
}  // namespace euiccd::topup
