// euiccd.conf loading: values, drop-in layering, and that each kind of bad line is reported
// with its file and line while the rest of the file still applies.
#include "daemon/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace euiccd::daemon {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "euiccd-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    main_ = dir_ / "euiccd.conf";
    dropins_ = dir_ / "euiccd.conf.d";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const fs::path& path, std::string_view text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  fs::path dropin(const std::string& name, std::string_view text) {
    return write(dropins_ / name, text);
  }
  LoadedConfig load() { return load_config(main_, dropins_); }
  // Loads `text` as the main file and expects exactly one diagnostic, on `line`.
  ConfigDiagnostic single_problem(std::string_view text, unsigned line) {
    write(main_, text);
    LoadedConfig loaded = load();
    EXPECT_EQ(loaded.diagnostics.size(), 1u) << text;
    if (loaded.diagnostics.empty()) return {};
    EXPECT_EQ(loaded.diagnostics[0].file, main_.string());
    EXPECT_EQ(loaded.diagnostics[0].line, line) << loaded.diagnostics[0].to_string();
    return loaded.diagnostics[0];
  }

  fs::path dir_, main_, dropins_;
};

constexpr const char* kIccid1 = "8944476500001224158";
constexpr const char* kIccid2 = "89000123456789012341";
constexpr const char* kIccid3 = "894447650000122415";

TEST_F(ConfigTest, NoFilesMeansDefaults) {
  LoadedConfig loaded = load();
  EXPECT_THAT(loaded.diagnostics, IsEmpty());
  const Config& c = loaded.config;
  EXPECT_THAT(c.readers.allow, IsEmpty());
  EXPECT_EQ(c.readers.segment_size, 255u);
  EXPECT_EQ(c.network.connect_timeout, seconds(15));
  EXPECT_EQ(c.network.total_timeout, seconds(120));
  EXPECT_TRUE(c.notifications.auto_process);
  EXPECT_EQ(c.notifications.retry_interval, seconds(3600));
  EXPECT_THAT(c.boot.preferred_iccids, IsEmpty());
  EXPECT_EQ(c.boot.registration_timeout, seconds(120));
  EXPECT_TRUE(c.boot.fallback);
  EXPECT_EQ(c.topup.provider_info_path,
            "/usr/share/mobile-broadband-provider-info/serviceproviders.xml");
  EXPECT_EQ(c.topup.ussd_timeout, seconds(60));
  EXPECT_EQ(c.topup.sms_reply_timeout, seconds(120));
  EXPECT_THAT(c.profiles, IsEmpty());
  EXPECT_EQ(c.profile(kIccid1), nullptr);
}

TEST_F(ConfigTest, ReadsEverySection) {
  write(main_, std::string(R"(# euiccd test configuration
[Readers]
Allow=Virtual PCD*
Allow=Foo Reader ??
Deny=*Yubikey*
IsdRAid=A0000005591010FFFFFFFF8900050500 a0000005591010ffffffff8900000177
SegmentSize=120

[Network]
CAFile=/etc/euiccd/ca/test-ci.pem
CADirectory=/etc/euiccd/ca.d
Resolve=smdp.example.com:443:127.0.0.1
Resolve=smdp6.example.com:8443:[::1]
ConnectTimeoutSec=5
TimeoutSec=1min 30s

[Notifications]
AutoProcess=no
RetryIntervalSec=10min

[Boot]
PreferredProfiles=)") +
                   kIccid1 + " " + kIccid2 + R"(
PreferredProfiles=)" +
                   kIccid3 + R"(
RegistrationTimeoutSec=45
Fallback=off

[TopUp]
ProviderInfo=/opt/spi.xml
UssdTimeoutSec=1.5
SmsReplyTimeoutSec=5min

[TopUp:310260]
BalanceUssd=*225#
TopUpUssd=*123*PIN#
TopUpReplacement=PIN
VoucherCharset=0123456789ABCDEF

[Profile:)" + kIccid1 +
                   R"(]
Nickname=Travel data
BalanceUssd=*100#
BalanceSmsNumber=+4412345
BalanceSmsText=BAL
TopUpSmsNumber=2020
TopUpSmsText=TOPUP CODE
LowBalanceThreshold=2.50
BalanceCheckIntervalSec=1d
PlanExpiryReminderDays=7
)");
  LoadedConfig loaded = load();
  ASSERT_THAT(loaded.diagnostics, IsEmpty()) << loaded.diagnostics[0].to_string();
  const Config& c = loaded.config;

  EXPECT_THAT(c.readers.allow, ElementsAre("Virtual PCD*", "Foo Reader ??"));
  EXPECT_THAT(c.readers.deny, ElementsAre("*Yubikey*"));
  ASSERT_EQ(c.readers.extra_isd_r_aids.size(), 2u);
  EXPECT_EQ(to_hex(c.readers.extra_isd_r_aids[1]), "A0000005591010FFFFFFFF8900000177");
  EXPECT_EQ(c.readers.segment_size, 120u);

  EXPECT_THAT(c.network.ca_files, ElementsAre("/etc/euiccd/ca/test-ci.pem"));
  EXPECT_THAT(c.network.ca_dirs, ElementsAre("/etc/euiccd/ca.d"));
  EXPECT_THAT(c.network.resolve,
              ElementsAre("smdp.example.com:443:127.0.0.1", "smdp6.example.com:8443:[::1]"));
  EXPECT_EQ(c.network.connect_timeout, seconds(5));
  EXPECT_EQ(c.network.total_timeout, seconds(90));

  EXPECT_FALSE(c.notifications.auto_process);
  EXPECT_EQ(c.notifications.retry_interval, seconds(600));

  EXPECT_THAT(c.boot.preferred_iccids, ElementsAre(kIccid1, kIccid2, kIccid3));
  EXPECT_EQ(c.boot.registration_timeout, seconds(45));
  EXPECT_FALSE(c.boot.fallback);

  EXPECT_EQ(c.topup.provider_info_path, "/opt/spi.xml");
  EXPECT_EQ(c.topup.ussd_timeout, milliseconds(1500));
  EXPECT_EQ(c.topup.sms_reply_timeout, seconds(300));
  const OperatorCodes* op = c.operator_codes("310260");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->balance_ussd, "*225#");
  EXPECT_EQ(op->topup_ussd, "*123*PIN#");
  EXPECT_EQ(op->topup_replacement, "PIN");
  EXPECT_EQ(op->voucher_charset, "0123456789ABCDEF");
  EXPECT_FALSE(op->balance_sms_number.has_value());
  EXPECT_EQ(c.operator_codes("310410"), nullptr);

  const ProfileConfig* p = c.profile(kIccid1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->nickname, "Travel data");
  EXPECT_EQ(p->codes.balance_ussd, "*100#");
  EXPECT_EQ(p->codes.balance_sms_number, "+4412345");
  EXPECT_EQ(p->codes.balance_sms_text, "BAL");
  EXPECT_EQ(p->codes.topup_sms_number, "2020");
  EXPECT_EQ(p->codes.topup_sms_text, "TOPUP CODE");
  EXPECT_EQ(p->low_balance_threshold, 2.5);
  EXPECT_EQ(p->balance_check_interval, seconds(86400));
  EXPECT_EQ(p->plan_expiry_reminder_days, 7u);
}

TEST_F(ConfigTest, OperatorSectionsWithGid1AndUssdMenus) {
  write(main_,
        "[TopUp:26201/0aff]\nBalanceUssd=*100#\nBalanceUssdResponses=1,3\n"
        "BalanceUssdResponses=2\nSmsReplyFrom=*\n"
        "[TopUp:26201]\nBalanceUssd=*101#\nBalanceUssdResponses=1 2\nBalanceUssdResponses=\n"
        "[TopUp:26201/0G]\nBalanceUssd=*1#\n"
        "[TopUp:26201/ABC]\n");
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 2u);
  EXPECT_EQ(loaded.diagnostics[0].line, 10u);
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("'26201/0G' is not an MCC/MNC"));
  EXPECT_EQ(loaded.diagnostics[1].line, 12u);  // odd number of hex digits
  const OperatorCodes* brand = loaded.config.operator_codes("26201/0A");
  ASSERT_NE(brand, nullptr);
  EXPECT_EQ(brand->balance_ussd, "*100#");
  EXPECT_THAT(brand->balance_ussd_responses, ElementsAre("1", "3", "2"));
  EXPECT_EQ(brand->sms_reply_from, "*");
  const OperatorCodes* plain = loaded.config.operator_codes("26201");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->balance_ussd, "*101#");
  EXPECT_THAT(plain->balance_ussd_responses, IsEmpty());
  EXPECT_EQ(loaded.config.topup.operators.size(), 2u);
}

TEST_F(ConfigTest, ModemSectionsNameEndpointsAndDropinsChangeThem) {
  write(main_,
        "[Modem:wwan]\nTransport=qmi\nDevice=/dev/cdc-wdm0\nSlot=2\n"
        "[Modem:router]\nTransport=at\nDevice=/dev/ttyUSB2\nTimeoutSec=1500ms\n");
  dropin("50-wwan.conf", "[Modem:wwan]\nSlot=\n");  // back to slot 1
  LoadedConfig loaded = load();
  ASSERT_THAT(loaded.diagnostics, IsEmpty()) << loaded.diagnostics[0].to_string();
  ASSERT_EQ(loaded.config.modems.size(), 2u);
  const ModemConfig& wwan = loaded.config.modems.at("wwan");
  EXPECT_EQ(wwan.endpoint(), (ModemEndpoint{ModemTransport::Qmi, "/dev/cdc-wdm0", 1, {}}));
  EXPECT_EQ(wwan.timeout, std::nullopt);
  const ModemConfig& router = loaded.config.modems.at("router");
  EXPECT_EQ(router.endpoint()->key(), "at:/dev/ttyUSB2#1");
  EXPECT_EQ(router.timeout, std::optional<milliseconds>(1500));
}

TEST_F(ConfigTest, BadModemValuesAreReportedOnTheirLine) {
  const char* head = "[Modem:m]\nTransport=at\nDevice=/dev/ttyUSB2\n";
  EXPECT_THAT(single_problem(std::string(head) + "Transport=usb\n", 4).message,
              HasSubstr("'usb' is not a modem transport (qmi, mbim or at)"));
  EXPECT_THAT(single_problem(std::string(head) + "Device=ttyUSB2\n", 4).message,
              HasSubstr("is not a device path"));
  EXPECT_THAT(single_problem(std::string(head) + "Slot=0\n", 4).message,
              HasSubstr("'0' is not a SIM slot (1..16)"));
  EXPECT_THAT(single_problem(std::string(head) + "TimeoutSec=soon\n", 4).message,
              HasSubstr("is not a time span"));
  EXPECT_THAT(single_problem(std::string(head) + "Port=/dev/x\n", 4).message,
              HasSubstr("unknown key 'Port' in [Modem:m]"));
  EXPECT_THAT(single_problem("[Modem:]\nTransport=at\n", 1).message, HasSubstr("needs a name"));
}

TEST_F(ConfigTest, AModemWithoutTransportOrDeviceIsDroppedWithAReason) {
  ConfigDiagnostic d = single_problem("[Boot]\nFallback=yes\n[Modem:half]\nTransport=qmi\n", 3);
  EXPECT_THAT(d.message, HasSubstr("[Modem:half] has no Device="));
  EXPECT_TRUE(load().config.modems.empty());
  // The missing key may come from a drop-in.
  dropin("10-device.conf", "[Modem:half]\nDevice=/dev/cdc-wdm0\n");
  LoadedConfig loaded = load();
  EXPECT_THAT(loaded.diagnostics, IsEmpty());
  EXPECT_EQ(loaded.config.modems.size(), 1u);
}

// SimRestart= (issue 13): per [Modem:] and [ModemOverride:] section; a way the section's
// transport cannot do is reported at the key's own line, once every file is read (a drop-in
// may change the transport), and the transport's default applies.
TEST_F(ConfigTest, SimRestartIsCheckedAgainstTheTransportAtItsLine) {
  const ConfigDiagnostic d = single_problem(
      "[Modem:wwan]\nTransport=qmi\nDevice=/dev/cdc-wdm0\nSimRestart=refresh\n"
      "[Modem:router]\nTransport=at\nDevice=/dev/ttyUSB2\nSimRestart=uicc-reset\n"
      "[ModemOverride:/sys/devices/usb1/1-1]\nSimRestart=cfun\n"
      "[ModemOverride:861234567890123]\nTransport=mbim\nSimRestart=uicc-reset\n",
      8);
  EXPECT_THAT(d.message, HasSubstr("SimRestart=uicc-reset in [Modem:router] is not a way of at "
                                   "modems (refresh or cfun); the default cfun applies"));
  LoadedConfig loaded = load();
  EXPECT_EQ(loaded.config.modems.at("wwan").endpoint()->sim_restart, SimRestart::Refresh);
  EXPECT_EQ(loaded.config.modems.at("router").endpoint()->sim_restart, std::nullopt);
  // Without Transport= the override is checked against the port ModemManager's modem gets.
  EXPECT_EQ(loaded.config.modem_overrides.at("/sys/devices/usb1/1-1").sim_restart,
            SimRestart::Cfun);
  EXPECT_EQ(loaded.config.modem_overrides.at("861234567890123").sim_restart, SimRestart::UiccReset);

  // A drop-in that changes the transport makes the way possible; an empty value unsets it.
  dropin("50-router.conf", "[Modem:router]\nTransport=mbim\n[Modem:wwan]\nSimRestart=\n");
  loaded = load();
  ASSERT_THAT(loaded.diagnostics, IsEmpty()) << loaded.diagnostics[0].to_string();
  EXPECT_EQ(loaded.config.modems.at("router").endpoint()->sim_restart, SimRestart::UiccReset);
  EXPECT_EQ(loaded.config.modems.at("wwan").sim_restart, std::nullopt);

  fs::remove(dropins_ / "50-router.conf");
  EXPECT_THAT(single_problem("[Modem:m]\nTransport=at\nDevice=/dev/ttyUSB2\nSimRestart=reboot\n", 4)
                  .message,
              HasSubstr("'reboot' is not a way to restart a SIM (refresh, power-cycle, "
                        "uicc-reset or cfun)"));
}

TEST_F(ConfigTest, ReaderPatterns) {
  ReadersConfig readers;
  EXPECT_TRUE(readers.reader_allowed("Anything 00 00"));
  readers.allow = {"Virtual PCD*"};
  readers.deny = {"*01"};
  EXPECT_TRUE(readers.reader_allowed("Virtual PCD 00 00"));
  EXPECT_FALSE(readers.reader_allowed("Virtual PCD 00 01"));
  EXPECT_FALSE(readers.reader_allowed("Yubico YubiKey 00 00"));
  readers.allow.clear();
  EXPECT_TRUE(readers.reader_allowed("Yubico YubiKey 00 00"));
}

TEST_F(ConfigTest, DropinsOverrideAppendAndResetInLexicalOrder) {
  write(main_, std::string("[Boot]\nPreferredProfiles=") + kIccid1 +
                   "\nRegistrationTimeoutSec=30\n[Network]\nCAFile=/a.pem\nCAFile=/b.pem\n"
                   "TimeoutSec=10\n[Profile:" +
                   kIccid1 + "]\nNickname=Home\nBalanceUssd=*1#\n");
  // 20- sorts after 10-, whatever order the directory lists them in.
  dropin("20-later.conf", std::string("[Boot]\nRegistrationTimeoutSec=90\n") +
                              "[Profile:" + kIccid1 + "]\nNickname=Abroad\n");
  dropin("10-first.conf", std::string("[Boot]\nRegistrationTimeoutSec=60\nPreferredProfiles=") +
                              kIccid2 + " " + kIccid1 +
                              "\n[Network]\nCAFile=\nCAFile=/c.pem\nTimeoutSec=\n");
  dropin("30-not-a-dropin.conf.bak", "[Boot]\nFallback=no\n");
  dropin(".hidden.conf", "[Boot]\nFallback=no\n");
  dropin("README", "not ini at all\n");

  LoadedConfig loaded = load();
  ASSERT_THAT(loaded.diagnostics, IsEmpty()) << loaded.diagnostics[0].to_string();
  const Config& c = loaded.config;
  EXPECT_EQ(c.boot.registration_timeout, seconds(90));
  // Appended, and the ICCID already listed keeps its first position.
  EXPECT_THAT(c.boot.preferred_iccids, ElementsAre(kIccid1, kIccid2));
  // `CAFile=` reset the list before the drop-in's own entry.
  EXPECT_THAT(c.network.ca_files, ElementsAre("/c.pem"));
  // An empty scalar goes back to the default.
  EXPECT_EQ(c.network.total_timeout, seconds(120));
  EXPECT_TRUE(c.boot.fallback);
  // Profile sections merge key by key across files.
  ASSERT_NE(c.profile(kIccid1), nullptr);
  EXPECT_EQ(c.profile(kIccid1)->nickname, "Abroad");
  EXPECT_EQ(c.profile(kIccid1)->codes.balance_ussd, "*1#");
}

TEST_F(ConfigTest, DropinsWithoutMainFile) {
  dropin("50-boot.conf", std::string("[Boot]\nPreferredProfiles=") + kIccid2 + "\n");
  LoadedConfig loaded = load();
  EXPECT_THAT(loaded.diagnostics, IsEmpty());
  EXPECT_THAT(loaded.config.boot.preferred_iccids, ElementsAre(kIccid2));
}

TEST_F(ConfigTest, EmptyAssignmentResetsListWithinOneFile) {
  write(main_, "[Readers]\nAllow=A*\nAllow=\nAllow=B*\nIsdRAid=A000000559\nIsdRAid=\n");
  LoadedConfig loaded = load();
  EXPECT_THAT(loaded.diagnostics, IsEmpty());
  EXPECT_THAT(loaded.config.readers.allow, ElementsAre("B*"));
  EXPECT_THAT(loaded.config.readers.extra_isd_r_aids, IsEmpty());
}

TEST_F(ConfigTest, UnknownKeyIsReportedWithAHintAndTheRestLoads) {
  auto d = single_problem("[Boot]\nfallback=no\nRegistrationTimeoutSec=5\n", 2);
  EXPECT_THAT(d.message, HasSubstr("unknown key 'fallback' in [Boot]"));
  EXPECT_THAT(d.message, HasSubstr("did you mean 'Fallback'"));
  LoadedConfig loaded = load();
  EXPECT_EQ(loaded.config.boot.registration_timeout, seconds(5));
  EXPECT_TRUE(loaded.config.boot.fallback);
}

TEST_F(ConfigTest, EachKindOfBadValueNamesTheKeyAndLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"[Boot]\nFallback=maybe\n", "Fallback=: 'maybe' is not a boolean"},
      {"[Boot]\nRegistrationTimeoutSec=soon\n", "'soon' is not a time span"},
      {"[Boot]\nRegistrationTimeoutSec=0\n", "is too short"},
      {"[Boot]\nRegistrationTimeoutSec=5 fortnights\n", "is not a time span"},
      {"[Boot]\nPreferredProfiles=8944476500001224158 12345\n", "'12345' is not an ICCID"},
      {"[Readers]\nIsdRAid=A0000005\n", "is not 5 to 16 bytes long"},
      {"[Readers]\nIsdRAid=XYZ123\n", "'XYZ123' is not a hex AID"},
      {"[Readers]\nSegmentSize=256\n", "is not a segment size (1..255)"},
      {"[Readers]\nSegmentSize=-1\n", "is not a segment size"},
      {"[Network]\nResolve=smdp.example.com:127.0.0.1\n", "is not HOST:PORT:ADDRESS"},
      {"[Network]\nResolve=smdp.example.com:http:127.0.0.1\n", "has no valid port"},
      {"[Network]\nConnectTimeoutSec=100000d\n", "is not a time span"},
      {"[TopUp:26201]\nBalanceUssd=*100 #\n", "is not a USSD code"},
      {"[TopUp:26201]\nBalanceUssd=abc\n", "'abc' is not a USSD code"},
      {"[TopUp:26201]\nBalanceSmsNumber=call me\n", "is not a phone number"},
      {"[TopUp:26201]\nVoucherCharset=0123456789#\n", "must not contain '*' or '#'"},
      {"[TopUp:26201]\nTopUpReplacement=A B\n", "must not contain spaces"},
      {std::string("[Profile:") + kIccid1 + "]\nNickname=" + std::string(65, 'n') + "\n",
       "the nickname is longer than 64 bytes"},
      {std::string("[Profile:") + kIccid1 + "]\nLowBalanceThreshold=low\n", "is not a number"},
      {std::string("[Profile:") + kIccid1 + "]\nPlanExpiryReminderDays=400\n",
       "is not a number of days"},
      {"[TravelPolicy]\nEnabled=sometimes\n", "Enabled=: 'sometimes' is not a boolean"},
      {"[TravelPolicy]\nHomeCountries=234 2345\n", "'2345' is not a mobile country code"},
      {"[TravelPolicy]\nCountry=426\n", "'426' is not MCC:profile"},
      {"[TravelPolicy]\nCountry=42:Travel\n", "'42' is not a mobile country code"},
      {"[TravelPolicy]\nCountry=426:\n", "the profile is empty"},
      {"[TravelPolicy]\nCountry=426:12345\n", "'12345' is not an ICCID"},
      {"[TravelPolicy]\nHome=" + std::string(65, 'h') + "\n", "neither an ICCID nor a nickname"},
      {"[TravelPolicy]\nHoldOffSec=soon\n", "'soon' is not a time span"},
      {"[TravelPolicy]\nMaxSwitchesPerHour=0\n", "is not a number of switches per hour (1..60)"},
  };
  for (const Case& c : cases) {
    auto d = single_problem(c.text, 2);
    EXPECT_THAT(d.message, HasSubstr(c.expected)) << c.text;
    EXPECT_THAT(d.message, HasSubstr("the line is ignored")) << c.text;
  }
}

TEST_F(ConfigTest, TravelPolicyNamesProfilesByIccidOrNickname) {
  write(main_, std::string("[TravelPolicy]\nEnabled=yes\nHome=") + kIccid1 +
                   "\nHomeCountries=234, 235\nHomeCountries=234\nCountry=426:Bahrain data\n"
                   "Country=206:" +
                   kIccid2 +
                   "\nCountry=426 : Bahrain travel\nHoldOffSec=5min\n"
                   "MaxSwitchesPerHour=2\n");
  dropin("10.conf", "[TravelPolicy]\nHoldOffSec=0\n");
  LoadedConfig loaded = load();
  ASSERT_THAT(loaded.diagnostics, IsEmpty()) << loaded.diagnostics[0].to_string();
  const TravelConfig& travel = loaded.config.travel;
  EXPECT_TRUE(travel.enabled);
  EXPECT_EQ(travel.home, kIccid1);
  EXPECT_THAT(travel.home_countries, ElementsAre("234", "235"));
  EXPECT_EQ(travel.countries.at("426"), "Bahrain travel");  // the later line wins
  EXPECT_EQ(travel.countries.at("206"), kIccid2);
  EXPECT_EQ(travel.hold_off, seconds(0));
  EXPECT_EQ(travel.max_switches_per_hour, 2u);
}

TEST_F(ConfigTest, BadValueLeavesTheEarlierValue) {
  write(main_, "[Readers]\nSegmentSize=64\n");
  dropin("10.conf", "[Readers]\nSegmentSize=1000\n");
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].file, (dropins_ / "10.conf").string());
  EXPECT_EQ(loaded.config.readers.segment_size, 64u);
}

TEST_F(ConfigTest, SyntaxErrorsAreReportedPerLine) {
  write(main_,
        "Orphan=1\n"                 // 1: before any section
        "[Boot]\n"                   // 2
        "this line has no equals\n"  // 3
        "Fallback=no\n"              // 4: still applies
        "[Readers\n"                 // 5: header without ']'
        "SegmentSize=10\n"           // 6: ignored with that section
        "[Frobnicate]\n"             // 7: unknown section
        "Whatever=1\n"               // 8: not reported again
        "[Network] trailing\n"       // 9
        "=value\n"                   // 10: no key
        "[TopUp:12]\n"               // 11
        "[Profile:1234]\n"           // 12
        "[Notifications]\n"          // 13
        "AutoProcess=no\n");         // 14: still applies
  LoadedConfig loaded = load();
  std::vector<unsigned> lines;
  for (const auto& d : loaded.diagnostics) {
    EXPECT_EQ(d.file, main_.string());
    lines.push_back(d.line);
  }
  EXPECT_THAT(lines, ElementsAre(1, 3, 5, 7, 9, 10, 11, 12));
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("outside of a section"));
  EXPECT_THAT(loaded.diagnostics[1].message, HasSubstr("expected Key=Value"));
  EXPECT_THAT(loaded.diagnostics[2].message, HasSubstr("without ']'"));
  EXPECT_THAT(loaded.diagnostics[3].message, HasSubstr("unknown section [Frobnicate]"));
  EXPECT_THAT(loaded.diagnostics[4].message, HasSubstr("text after the section header"));
  EXPECT_THAT(loaded.diagnostics[5].message, HasSubstr("without a key name"));
  EXPECT_THAT(loaded.diagnostics[6].message, HasSubstr("'12' is not an MCC/MNC"));
  EXPECT_THAT(loaded.diagnostics[7].message, HasSubstr("'1234' is not an ICCID"));
  EXPECT_FALSE(loaded.config.boot.fallback);
  EXPECT_FALSE(loaded.config.notifications.auto_process);
  EXPECT_EQ(loaded.config.readers.segment_size, 255u);
  EXPECT_TRUE(loaded.config.topup.operators.empty());
  EXPECT_TRUE(loaded.config.profiles.empty());
  EXPECT_EQ(loaded.diagnostics[0].to_string(),
            main_.string() + ":1: assignment outside of a section");
}

TEST_F(ConfigTest, CommentsWhitespaceCrlfAndBom) {
  write(main_,
        "\xEF\xBB\xBF; a comment\r\n"
        "# another\r\n"
        "   [Boot]   \r\n"
        "\r\n"
        "  Fallback = no ; inline comment\r\n"
        "\tRegistrationTimeoutSec=7\r\n");
  LoadedConfig loaded = load();
  ASSERT_THAT(loaded.diagnostics, IsEmpty()) << loaded.diagnostics[0].to_string();
  EXPECT_FALSE(loaded.config.boot.fallback);
  // An indented line is its own assignment, not a continuation of the previous value.
  EXPECT_EQ(loaded.config.boot.registration_timeout, seconds(7));
}

TEST_F(ConfigTest, LongLineAndNulByteAreReported) {
  std::string text = "[Network]\nCAFile=/" + std::string(400, 'x') + "\nCAFile=/ok.pem\n";
  text += std::string("CAFile=/a\0b", 11) + "\nTimeoutSec=3\n";
  write(main_, text);
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 2u);
  EXPECT_EQ(loaded.diagnostics[0].line, 2u);
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("is longer than"));
  EXPECT_EQ(loaded.diagnostics[1].line, 4u);
  EXPECT_THAT(loaded.diagnostics[1].message, HasSubstr("NUL byte"));
  EXPECT_THAT(loaded.config.network.ca_files, ElementsAre("/ok.pem"));
  EXPECT_EQ(loaded.config.network.total_timeout, seconds(3));
}

TEST_F(ConfigTest, MissingFilesAreNotErrors) {
  LoadedConfig loaded = load_config(dir_ / "nope.conf", dir_ / "nope.d");
  EXPECT_THAT(loaded.diagnostics, IsEmpty());
  loaded = load_config({}, {});
  EXPECT_THAT(loaded.diagnostics, IsEmpty());
}

TEST_F(ConfigTest, DirectoryAsMainFileIsReported) {
  fs::create_directories(main_);
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].line, 0u);
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("is a directory"));
}

TEST_F(ConfigTest, UnreadableFileIsReported) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  write(main_, "[Boot]\nFallback=no\n");
  chmod(main_.c_str(), 0);
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("cannot be read"));
  EXPECT_TRUE(loaded.config.boot.fallback);
}

TEST_F(ConfigTest, ReadErrorIsReported) {
  // Reading /proc/self/mem from offset 0 fails with EIO, for root too.
  LoadedConfig loaded = load_config("/proc/self/mem", {});
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].file, "/proc/self/mem");
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("cannot be read"));
}

TEST_F(ConfigTest, DropinPathThatIsAFileIsReported) {
  write(dropins_, "[Boot]\n");
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].file, dropins_.string());
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("cannot be listed"));
}

TEST_F(ConfigTest, LargeValidFileLoadsQuickly) {
  // ~900 KiB: 8000 profile sections, just under the size limit.
  std::string text;
  for (int i = 0; i < 8000; ++i) {
    char iccid[32];
    std::snprintf(iccid, sizeof iccid, "8944%015d", i);
    text += "[Profile:" + std::string(iccid) + "]\nNickname=Profile number " + std::to_string(i) +
            "\nBalanceUssd=*100#\nLowBalanceThreshold=1.5\n\n";
  }
  ASSERT_LT(text.size(), 1u << 20);
  write(main_, text);
  auto start = std::chrono::steady_clock::now();
  LoadedConfig loaded = load();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_THAT(loaded.diagnostics, IsEmpty());
  EXPECT_EQ(loaded.config.profiles.size(), 8000u);
  EXPECT_EQ(loaded.config.profile("8944000000000007999")->nickname, "Profile number 7999");
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // ~0.1 s idle; roomy for a busy CI
}

TEST_F(ConfigTest, OversizedFileIsRefusedAsAWhole) {
  std::string text = "[Boot]\nFallback=no\n" + std::string(2 << 20, '#');
  write(main_, text);
  dropin("10.conf", "[Boot]\nRegistrationTimeoutSec=9\n");
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].line, 0u);
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("is larger than 1024 KiB"));
  EXPECT_TRUE(loaded.config.boot.fallback);
  EXPECT_EQ(loaded.config.boot.registration_timeout, seconds(9));  // drop-ins still load
}

TEST_F(ConfigTest, GarbageFileHasABoundedNumberOfDiagnostics) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "garbage line " + std::to_string(i) + "\n";
  write(main_, text);
  LoadedConfig loaded = load();
  ASSERT_EQ(loaded.diagnostics.size(), 50u);
  EXPECT_THAT(loaded.diagnostics.back().message, HasSubstr("too many problems"));
}

// The example installed as /etc/euiccd/euiccd.conf loads cleanly as shipped (all commented
// out) and with every setting uncommented.
TEST_F(ConfigTest, ShippedExampleLoads) {
  const fs::path example = fs::path(EUICCD_SOURCE_DIR) / "systemd" / "euiccd.conf";
  LoadedConfig shipped = load_config(example, {});
  EXPECT_THAT(shipped.diagnostics, IsEmpty());
  std::ifstream in(example);
  std::string text, line;
  while (std::getline(in, line)) {
    bool setting = line.size() > 1 && line[0] == '#' && (std::isupper(line[1]) || line[1] == '[');
    text += (setting ? line.substr(1) : line) + "\n";
  }
  write(main_, text);
  LoadedConfig uncommented = load();
  ASSERT_THAT(uncommented.diagnostics, IsEmpty()) << uncommented.diagnostics[0].to_string();
  EXPECT_EQ(uncommented.config.readers.segment_size, 255u);
  EXPECT_NE(uncommented.config.profile("8944476500001224158"), nullptr);
  EXPECT_NE(uncommented.config.operator_codes("310260"), nullptr);
  EXPECT_EQ(uncommented.config.modems.count("wwan"), 1u);
}

TEST(ParseTimeSpan, Forms) {
  EXPECT_EQ(parse_time_span("90"), seconds(90));
  EXPECT_EQ(parse_time_span("90s"), seconds(90));
  EXPECT_EQ(parse_time_span("5min"), seconds(300));
  EXPECT_EQ(parse_time_span("1h 30min"), seconds(5400));
  EXPECT_EQ(parse_time_span("1h30min"), seconds(5400));
  EXPECT_EQ(parse_time_span("2d"), seconds(172800));
  EXPECT_EQ(parse_time_span("1w"), seconds(604800));
  EXPECT_EQ(parse_time_span("500ms"), milliseconds(500));
  EXPECT_EQ(parse_time_span("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_time_span("0"), milliseconds(0));
  EXPECT_EQ(parse_time_span(""), std::nullopt);
  EXPECT_EQ(parse_time_span("s"), std::nullopt);
  EXPECT_EQ(parse_time_span("-5"), std::nullopt);
  EXPECT_EQ(parse_time_span("5 parsecs"), std::nullopt);
  EXPECT_EQ(parse_time_span("99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace euiccd::daemon
