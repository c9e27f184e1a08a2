// The mobile-broadband-provider-info reader, on the file Debian ships and on broken ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "topup/provider_db.h"
#include "topup/settings.h"

namespace euiccd::topup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = ProviderMethod::Kind;

const ProviderDatabase& debian() {
  static const ProviderDatabase db = ProviderDatabase::load(kDefaultProviderInfoPath);
  return db;
}

const Provider& only(const std::string& mcc_mnc) {
  const auto found = debian().find(mcc_mnc);
  EXPECT_EQ(found.size(), 1U) << mcc_mnc;
  return *found.at(0);
}

const Provider& named(const std::string& mcc_mnc, const std::string& name) {
  for (const Provider* provider : debian().find(mcc_mnc)) {
    if (provider->names.at(0) == name) return *provider;
  }
  throw std::runtime_error(name + " not on " + mcc_mnc);
}

std::string wrap(const std::string& countries) {
  return "<?xml version=\"1.0\"?>\n<serviceproviders format=\"2.0\">\n" + countries +
         "</serviceproviders>\n";
}

Error parse_error(const std::string& xml) {
  try {
    ProviderDatabase::parse(xml, "test.xml");
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error";
  return Error(Errc::Internal, "");
}

TEST(TopupProviderDb, DebianFileParsesWithoutDiagnostics) {
  EXPECT_GT(debian().providers().size(), 500U);
  EXPECT_THAT(debian().diagnostics(), ::testing::IsEmpty());
  size_t with_balance = 0;
  size_t with_top_up = 0;
  for (const Provider& provider : debian().providers()) {
    with_balance += !provider.balance_check.empty();
    with_top_up += !provider.balance_top_up.empty();
  }
  EXPECT_GT(with_balance, 100U);
  EXPECT_GT(with_top_up, 50U);
}

TEST(TopupProviderDb, UssdBalanceAndTopUp) {
  const Provider& karabakh = only("28304");
  EXPECT_EQ(karabakh.names.at(0), "Karabakh Telecom");
  EXPECT_EQ(karabakh.country, "am");
  ASSERT_EQ(karabakh.balance_check.size(), 1U);
  EXPECT_EQ(karabakh.balance_check[0].kind, Kind::Ussd);
  EXPECT_EQ(karabakh.balance_check[0].value, "*122#");
  ASSERT_EQ(karabakh.balance_top_up.size(), 1U);
  EXPECT_EQ(karabakh.balance_top_up[0].kind, Kind::Ussd);
  EXPECT_EQ(karabakh.balance_top_up[0].value, "*123*CODE#");
  EXPECT_EQ(karabakh.balance_top_up[0].replacement, "CODE");
}

TEST(TopupProviderDb, SmsBalanceAfterDtmf) {
  const Provider& elisa = only("24405");
  EXPECT_EQ(elisa.names.at(0), "Elisa");
  ASSERT_EQ(elisa.balance_check.size(), 3U);
  EXPECT_EQ(elisa.balance_check[0].kind, Kind::Dtmf);
  EXPECT_EQ(elisa.balance_check[1].kind, Kind::Sms);
  EXPECT_EQ(elisa.balance_check[1].value, "18258");
  EXPECT_EQ(elisa.balance_check[1].sms_text, "SALDO");
  EXPECT_EQ(elisa.balance_check[2].sms_text, "PAKETTI");
  // Kolbi (712 03) sends an empty SMS: text="" is a value, not a missing attribute.
  const Provider& kolbi = only("71203");
  ASSERT_EQ(kolbi.balance_check.size(), 1U);
  EXPECT_EQ(kolbi.balance_check[0].kind, Kind::Sms);
  EXPECT_EQ(kolbi.balance_check[0].sms_text, "");
  EXPECT_EQ(kolbi.balance_check[0].value, "1150");
}

TEST(TopupProviderDb, UssdResponseBothForms) {
  // 505 01 also lists Aldi Mobile AU, an MVNO on Telstra's network.
  const Provider& telstra = named("50501", "Telstra");
  ASSERT_EQ(telstra.balance_check.size(), 3U);
  EXPECT_EQ(telstra.balance_check[2].kind, Kind::UssdResponse);
  EXPECT_EQ(telstra.balance_check[2].value, "*100#");
  const Provider& glo = only("62150");
  EXPECT_EQ(glo.network_ids, (std::vector<std::string>{"62150", "62170"}));
  ASSERT_EQ(glo.balance_check.size(), 2U);
  EXPECT_EQ(glo.balance_check[0].kind, Kind::Ussd);
  EXPECT_EQ(glo.balance_check[0].value, "#124#");
  EXPECT_EQ(glo.balance_check[1].kind, Kind::UssdResponse);
  EXPECT_EQ(glo.balance_check[1].value, "4");
}

TEST(TopupProviderDb, OperatorWithoutCodes) {
  const Provider& batelco = only("42601");
  EXPECT_EQ(batelco.names.at(0), "Batelco");
  EXPECT_TRUE(batelco.balance_check.empty());
  EXPECT_TRUE(batelco.balance_top_up.empty());
}

TEST(TopupProviderDb, SeveralProvidersOnOneNetwork) {
  const auto found = debian().find("26002");
  ASSERT_GE(found.size(), 3U);
  EXPECT_EQ(found[0]->names.at(0), "T-Mobile");
  EXPECT_TRUE(found[0]->primary);
  EXPECT_EQ(found[1]->names.at(0), "Heyah");
  EXPECT_FALSE(found[1]->primary);
  EXPECT_TRUE(debian().find("99999").empty());
}

TEST(TopupProviderDb, ThreeDigitMnc) {
  const auto found = debian().find("310260");
  ASSERT_FALSE(found.empty());
}

TEST(TopupProviderDb, MissingFile) {
  try {
    ProviderDatabase::load("/nonexistent/serviceproviders.xml");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::NotFound);
    EXPECT_THAT(error.what(), HasSubstr("mobile-broadband-provider-info"));
  }
}

TEST(TopupProviderDb, DocumentLevelErrorsAreMalformed) {
  const Error not_xml = parse_error("this is not xml");
  EXPECT_EQ(not_xml.code(), Errc::Malformed);
  EXPECT_THAT(not_xml.what(), HasSubstr("test.xml"));

  const Error truncated = parse_error(wrap("<country code=\"de\"><provider><name>X</name>"));
  EXPECT_EQ(truncated.code(), Errc::Malformed);
  EXPECT_THAT(truncated.what(), HasSubstr("not well-formed XML"));
  EXPECT_THAT(truncated.what(), HasSubstr("line"));

  EXPECT_THAT(parse_error("").what(), HasSubstr("not well-formed"));
  EXPECT_THAT(parse_error("<apns version=\"8\"></apns>").what(),
              HasSubstr("root element is <apns>"));
  EXPECT_THAT(parse_error("<serviceproviders></serviceproviders>").what(),
              HasSubstr("format \"\""));
  EXPECT_THAT(parse_error("<serviceproviders format=\"3.0\"></serviceproviders>").what(),
              HasSubstr("format \"3.0\""));
}

TEST(TopupProviderDb, TooDeepNestingIsMalformed) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "<a>";
  for (int i = 0; i < 1000; ++i) deep += "</a>";
  EXPECT_EQ(parse_error(wrap(deep)).code(), Errc::Malformed);
}

TEST(TopupProviderDb, HugeFileIsRefusedBeforeParsing) {
  const std::string huge(ProviderDatabase::kMaxFileSize + 1, ' ');
  const Error error = parse_error(huge);
  EXPECT_EQ(error.code(), Errc::Malformed);
  EXPECT_THAT(error.what(), HasSubstr("more than"));

  const auto path = std::filesystem::temp_directory_path() / "euiccd-topup-huge.xml";
  {
    std::ofstream out(path);
    out << wrap("");
  }
  std::filesystem::resize_file(path, ProviderDatabase::kMaxFileSize + 4096);
  try {
    ProviderDatabase::load(path);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_THAT(e.what(), HasSubstr(path.string()));
  }
  std::filesystem::remove(path);
}

TEST(TopupProviderDb, BadEntriesAreLeftOutWithALineNumber) {
  const std::string xml = wrap(R"(<country code="xx">
  <provider>
    <gsm><network-id mcc="001" mnc="01"/></gsm>
  </provider>
  <provider primary="maybe">
    <name>Good</name>
    <gsm>
      <network-id mcc="001" mnc="02"/>
      <network-id mcc="01" mnc="02"/>
      <network-id mcc="001"/>
      <network-id mcc="00A" mnc="1"/>
      <balance-check>
        <ussd></ussd>
        <ussd>*100*abc#</ussd>
        <sms>1234</sms>
        <sms text="BAL">12-34</sms>
        <carrier-pigeon/>
        <ussd>*100#</ussd>
      </balance-check>
      <balance-top-up>
        <ussd>*101*1234#</ussd>
        <ussd replacement="PIN">*102*CODE#</ussd>
        <ussd replacement="CODE">*103*CODE#</ussd>
      </balance-top-up>
    </gsm>
  </provider>
</country>
<country><provider><name>Nowhere</name></provider></country>
)");
  const ProviderDatabase db = ProviderDatabase::parse(xml, "test.xml");
  ASSERT_EQ(db.providers().size(), 1U);
  const Provider& good = db.providers()[0];
  EXPECT_EQ(good.names[0], "Good");
  EXPECT_FALSE(good.primary);
  EXPECT_EQ(good.network_ids, std::vector<std::string>{"00102"});
  ASSERT_EQ(good.balance_check.size(), 1U);
  EXPECT_EQ(good.balance_check[0].value, "*100#");
  ASSERT_EQ(good.balance_top_up.size(), 1U);
  EXPECT_EQ(good.balance_top_up[0].value, "*103*CODE#");

  const auto& notes = db.diagnostics();
  auto has = [&](const std::string& needle) {
    return std::any_of(notes.begin(), notes.end(),
                       [&](const std::string& n) { return n.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("test.xml:4: <provider> without a <name>")) << ::testing::PrintToString(notes);
  EXPECT_TRUE(has("primary=\"maybe\""));
  EXPECT_TRUE(has("mcc=\"01\" mnc=\"02\""));
  EXPECT_TRUE(has("without mcc or mnc"));
  EXPECT_TRUE(has("mcc=\"00A\" mnc=\"1\""));
  EXPECT_TRUE(has("<ussd> is empty"));
  EXPECT_TRUE(has("\"*100*abc#\" has characters other than digits"));
  EXPECT_TRUE(has("without the text attribute"));
  EXPECT_TRUE(has("\"12-34\" is not a phone number"));
  EXPECT_TRUE(has("<carrier-pigeon> is not a known method"));
  EXPECT_TRUE(has("has no replacement token"));
  EXPECT_TRUE(has("replacement=\"PIN\" does not occur"));
  EXPECT_TRUE(has("<country> without a code"));
  EXPECT_EQ(notes.size(), 13U) << ::testing::PrintToString(notes);
}

TEST(TopupProviderDb, CdmaOnlyProvidersAreSkipped) {
  const ProviderDatabase db = ProviderDatabase::parse(
      wrap(R"(<country code="us"><provider><name>CDMA Co</name><cdma><sid value="1"/></cdma>)"
           R"(</provider></country>)"),
      "test.xml");
  EXPECT_TRUE(db.providers().empty());
  EXPECT_TRUE(db.diagnostics().empty());
}

}  // namespace
}  // namespace euiccd::topup
