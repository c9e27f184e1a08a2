// Balance checks and top-ups end to end through TopupService: Debian's real
// serviceproviders.xml, our sd-bus ModemManager client, a private dbus-daemon, and
// python-dbusmock standing in for ModemManager (tests/support/dbusmock_modemmanager.py) with a
// scripted network behind it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/cancel_token.h"
#include "base/error.h"
#include "tests/support/dbusmock_modemmanager.h"
#include "topup/modem_manager.h"
#include "topup/topup_service.h"

namespace euiccd::topup {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::ModemManagerMock;
using ::testing::Not;
using testing::PrivateBus;

constexpr const char* kIccid = "8937404000000000012";
constexpr const char* kOtherIccid = "8949000000000000034";

ProfileOperator profile(const std::string& mcc_mnc, const std::string& spn = {},
                        bool enabled = true) {
  ProfileOperator op;
  op.iccid = kIccid;
  op.enabled = enabled;
  op.service_provider_name = spn;
  op.mcc_mnc = mcc_mnc;
  return op;
}

// One modem carrying kIccid; `extra` is more JSON members of the modem object.
std::string one_modem(const std::string& extra = {}) {
  return R"({"modems": [{"sim": ")" + std::string(kIccid) + R"(", "model": "EG25")" +
         (extra.empty() ? "" : ", " + extra) + "}]}";
}

class TopupModemManagerTest : public ::testing::Test {
 protected:
  TopupModemManagerTest() {
    settings.bus_address = bus.address();
    settings.call_timeout = 3s;
    settings.ussd_timeout = 3s;
    settings.sms_send_timeout = 3s;
    settings.sms_reply_timeout = 3s;
  }

  void start_mock(const std::string& json) { mm = std::make_unique<ModemManagerMock>(bus, json); }

  // Runs `action`, expects an euiccd::Error and returns it.
  template <typename Action>
  Error error_of(Action&& action) {
    try {
      action();
    } catch (const Error& error) {
      return error;
    }
    ADD_FAILURE() << "no error thrown";
    return Error(Errc::Internal, "");
  }

  PrivateBus bus;
  std::unique_ptr<ModemManagerMock> mm;
  TopupSettings settings;
  TopupService service;
};

// Karabakh Telecom (283 04) in Debian's file: balance *122#, top-up *123*CODE#.
TEST_F(TopupModemManagerTest, BalanceByUssdFromProviderInfo) {
  start_mock(one_modem(R"("ussd_script": {"*122#": {"reply": "Balance 1500 AMD", "state": 1}})"));
  const TopupReply reply = service.check_balance(profile("28304"), settings);
  EXPECT_EQ(reply.text, "Balance 1500 AMD");
  EXPECT_EQ(reply.method, "USSD *122#");
  EXPECT_THAT(reply.source, HasSubstr("Karabakh Telecom"));
  EXPECT_EQ(reply.operator_description, "Karabakh Telecom (MCC 283, MNC 04)");
  EXPECT_EQ(reply.modem, "modem 0 (Mock EG25)");
  EXPECT_EQ(mm->calls({"Initiate", "Respond", "Cancel"}),
            std::vector<std::string>{"Initiate \"*122#\""});
}

TEST_F(TopupModemManagerTest, TopUpByUssdFillsTheTemplateAndHidesTheVoucher) {
  start_mock(one_modem(
      R"("ussd_script": {"*123*123456789012#": {"reply": "Top-up OK, new balance 2500 AMD"}})"));
  const TopupReply reply = service.top_up(profile("28304"), "1234 5678-9012", settings);
  EXPECT_EQ(reply.text, "Top-up OK, new balance 2500 AMD");
  EXPECT_EQ(reply.method, "USSD *123*CODE#");
  EXPECT_THAT(reply.method + reply.source + reply.operator_description + reply.modem,
              Not(HasSubstr("123456789012")));
  EXPECT_EQ(mm->calls({"Initiate"}), std::vector<std::string>{"Initiate \"*123*123456789012#\""});
}

TEST_F(TopupModemManagerTest, FollowsAMultiStepMenuWithConfiguredResponses) {
  start_mock(one_modem(R"("ussd_script": {
      "*100#":      {"reply": "1 Balance\n2 Data", "state": 3},
      "*100#>1":    {"reply": "1 Main\n3 Bonus", "state": 3},
      "*100#>1>3":  {"reply": "Bonus: 2.00 EUR", "state": 1}})"));
  settings.profiles[kIccid].balance_ussd = "*100#";
  settings.profiles[kIccid].balance_ussd_responses = {"1", "3"};
  const TopupReply reply = service.check_balance(profile("28304"), settings);
  EXPECT_EQ(reply.text, "Bonus: 2.00 EUR");
  EXPECT_EQ(reply.method, "USSD *100# → 1 → 3");
  EXPECT_EQ(reply.source, std::string("[Profile:") + kIccid + "]");
  EXPECT_EQ(mm->calls({"Initiate", "Respond", "Cancel"}),
            (std::vector<std::string>{"Initiate \"*100#\"", "Respond \"1\"", "Respond \"3\""}));
}

// Glo Mobile (621 50): <ussd>#124#</ussd><ussd-response>4</ussd-response>.
TEST_F(TopupModemManagerTest, ProviderInfoUssdResponseAnswersTheMenu) {
  start_mock(one_modem(R"("ussd_script": {
      "#124#":   {"reply": "1 Buy\n4 Balance", "state": 3},
      "#124#>4": {"reply": "Your balance is N500.00", "state": 1}})"));
  const TopupReply reply = service.check_balance(profile("62150"), settings);
  EXPECT_EQ(reply.text, "Your balance is N500.00");
  EXPECT_EQ(mm->calls({"Initiate", "Respond", "Cancel"}),
            (std::vector<std::string>{"Initiate \"#124#\"", "Respond \"4\""}));
}

// Telstra (505 01): <ussd-response>*100#</ussd-response> opens a menu whose choices the file
// does not give; the menu comes back as the answer and the open session is cancelled.
TEST_F(TopupModemManagerTest, MenuLeftOpenIsCancelled) {
  start_mock(
      one_modem(R"("ussd_script": {"*100#": {"reply": "1 Balance 2 Recharge", "state": 3}})"));
  const TopupReply reply = service.check_balance(profile("50501", "Telstra"), settings);
  EXPECT_EQ(reply.text, "1 Balance 2 Recharge");
  EXPECT_EQ(mm->calls({"Initiate", "Respond", "Cancel"}),
            (std::vector<std::string>{"Initiate \"*100#\"", "Cancel"}));
}

TEST_F(TopupModemManagerTest, CancelsASessionAlreadyOpenFirst) {
  start_mock(one_modem(
      R"("ussd_state": 3, "ussd_script": {"*122#": {"reply": "Balance 10 AMD", "state": 1}})"));
  const TopupReply reply = service.check_balance(profile("28304"), settings);
  EXPECT_EQ(reply.text, "Balance 10 AMD");
  EXPECT_EQ(mm->calls({"Initiate", "Cancel"}),
            (std::vector<std::string>{"Cancel", "Initiate \"*122#\""}));
}

// Elisa (244 05): <dtmf> first (not ours), then <sms text="SALDO">18258</sms>. The answer
// arrives in two parts (RECEIVING, then RECEIVED), after an unrelated SMS from elsewhere.
TEST_F(TopupModemManagerTest, BalanceBySmsWaitsForTheOperatorsAnswer) {
  start_mock(one_modem(R"("sms_replies": {"18258": [
      {"from": "+358401234567", "text": "Hi, dinner at 8?", "delay": 0.1},
      {"from": "18258", "text": "Saldo 5,20 EUR", "delay": 0.3, "receiving": 0.3}]})"));
  const auto start = std::chrono::steady_clock::now();
  const TopupReply reply = service.check_balance(profile("24405", "Elisa"), settings);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(reply.text, "Saldo 5,20 EUR");
  EXPECT_EQ(reply.method, "SMS \"SALDO\" to 18258");
  EXPECT_EQ(
      mm->calls({"Create", "Send"}),
      (std::vector<std::string>{"Create {\"number\": \"18258\", \"text\": \"SALDO\"}", "Send"}));
}

TEST_F(TopupModemManagerTest, SmsTopUpFromConfigWithAnswerFromAnotherSender) {
  start_mock(one_modem(R"("ussd": false, "sms_replies": {"5555": [
      {"from": "MyOperator", "text": "Voucher accepted", "delay": 0.2}]})"));
  settings.operators["24405"].topup_sms_number = "5555";
  settings.operators["24405"].topup_sms_text = "LOAD PIN";
  settings.operators["24405"].topup_replacement = "PIN";
  settings.operators["24405"].sms_reply_from = "myoperator";
  const TopupReply reply = service.top_up(profile("24405"), "987654", settings);
  EXPECT_EQ(reply.text, "Voucher accepted");
  EXPECT_EQ(reply.method, "SMS \"LOAD PIN\" to 5555");
  EXPECT_EQ(mm->calls({"Create"}),
            std::vector<std::string>{"Create {\"number\": \"5555\", \"text\": \"LOAD 987654\"}"});
}

TEST_F(TopupModemManagerTest, UssdTimeoutIsNamedAndTheSessionCancelled) {
  start_mock(one_modem(R"("ussd_script": {"*122#": {"reply": "late", "delay": 1.5}})"));
  settings.ussd_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::Timeout);
  EXPECT_THAT(error.what(), HasSubstr("USSD *122#"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  // The mock answers Cancel once its delayed Initiate returns.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (mm->calls({"Cancel"}).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(mm->calls({"Initiate", "Cancel"}),
            (std::vector<std::string>{"Initiate \"*122#\"", "Cancel"}));
}

TEST_F(TopupModemManagerTest, SmsAnswerTimeout) {
  start_mock(one_modem());
  settings.sms_reply_timeout = 400ms;
  const auto start = std::chrono::steady_clock::now();
  const Error error = error_of([&] { service.check_balance(profile("24405"), settings); });
  EXPECT_EQ(error.code(), Errc::Timeout);
  EXPECT_THAT(error.what(), HasSubstr("no SMS from 18258"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(TopupModemManagerTest, CancelStopsTheWaitForAnSmsAnswer) {
  start_mock(one_modem());
  settings.sms_reply_timeout = 10s;
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    cancel.cancel(CancelReason::Postponed);
  });
  const auto start = std::chrono::steady_clock::now();
  const Error error = error_of([&] { service.check_balance(profile("24405"), settings, &cancel); });
  canceller.join();
  EXPECT_EQ(error.code(), Errc::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(TopupModemManagerTest, NoModemCarriesTheProfile) {
  start_mock(R"({"modems": [{"sim": ")" + std::string(kOtherIccid) + R"("}, {"sim": ""}]})");
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::NoModem);
  EXPECT_THAT(error.what(),
              HasSubstr(std::string("No modem carries the SIM of profile ") + kIccid));
  EXPECT_THAT(error.what(), HasSubstr(kOtherIccid));
}

TEST_F(TopupModemManagerTest, PicksTheModemWhoseSimIsTheProfile) {
  // ModemManager may pad a 19-digit ICCID with F; the second modem carries the profile.
  start_mock(R"({"modems": [{"sim": ")" + std::string(kOtherIccid) +
             R"(", "ussd_script": {"*122#": {"reply": "wrong modem"}}}, {"sim": ")" + kIccid +
             R"(F", "model": "EM7455", "ussd_script": {"*122#": {"reply": "Balance 7 AMD"}}}]})");
  ProfileOperator info = profile("28304");
  info.enabled.reset();  // not read from the card: the modem's SIM decides
  const TopupReply reply = service.check_balance(info, settings);
  EXPECT_EQ(reply.text, "Balance 7 AMD");
  EXPECT_EQ(reply.modem, "modem 1 (Mock EM7455)");
}

TEST_F(TopupModemManagerTest, ProfileInAnInactiveSimSlotIsNotTheEnabledOne) {
  start_mock(R"({"modems": [{"sim": ")" + std::string(kOtherIccid) + R"(", "other_slots": [")" +
             kIccid + R"("]}]})");
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::WrongState);
  EXPECT_THAT(error.what(), HasSubstr("SIM slot 2"));
}

TEST_F(TopupModemManagerTest, NoModemManagerOnTheBus) {
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::NoModem);
  EXPECT_THAT(error.what(), HasSubstr("ModemManager is not available"));
}

TEST_F(TopupModemManagerTest, NetworkRejectsTheUssd) {
  start_mock(one_modem(R"("ussd_script": {"*122#": {
      "error": "org.freedesktop.ModemManager1.Error.MobileEquipment.Unknown",
      "message": "USSD terminated by network"}})"));
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::Rejected);
  EXPECT_THAT(error.what(), HasSubstr("rejected the USSD *122#"));
  EXPECT_THAT(error.what(), HasSubstr("USSD terminated by network"));
}

TEST_F(TopupModemManagerTest, PolkitRefusalNamesTheAction) {
  start_mock(one_modem(R"("ussd_script": {"*122#": {
      "error": "org.freedesktop.ModemManager1.Error.Core.Unauthorized",
      "message": "PolicyKit authorization failed"}})"));
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::NotAllowed);
  EXPECT_THAT(error.what(), HasSubstr("org.freedesktop.ModemManager1.USSD"));
}

TEST_F(TopupModemManagerTest, RejectedTopUpDoesNotRepeatTheVoucher) {
  start_mock(one_modem(R"("ussd_script": {"*123*55512345#": {
      "error": "org.freedesktop.ModemManager1.Error.Core.Failed",
      "message": "invalid request *123*55512345#"}})"));
  const Error error = error_of([&] { service.top_up(profile("28304"), "55512345", settings); });
  EXPECT_EQ(error.code(), Errc::Rejected);
  EXPECT_THAT(error.what(), Not(HasSubstr("55512345")));
  EXPECT_THAT(error.what(), HasSubstr("*123*<voucher>#"));
}

TEST_F(TopupModemManagerTest, VoucherWithForbiddenCharactersNeverReachesTheModem) {
  start_mock(one_modem());
  const Error error = error_of([&] { service.top_up(profile("28304"), "1234#*100", settings); });
  EXPECT_EQ(error.code(), Errc::InvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("only digits"));
  EXPECT_THAT(error.what(), Not(HasSubstr("1234")));
  EXPECT_TRUE(mm->calls({"Initiate", "GetManagedObjects"}).empty());
}

TEST_F(TopupModemManagerTest, DisabledProfileIsRefusedBeforeAnyBusTraffic) {
  start_mock(one_modem());
  const Error error =
      error_of([&] { service.check_balance(profile("28304", {}, /*enabled=*/false), settings); });
  EXPECT_EQ(error.code(), Errc::WrongState);
  EXPECT_THAT(error.what(), HasSubstr("is not the enabled one"));
  EXPECT_TRUE(mm->calls({"GetManagedObjects", "Initiate"}).empty());
}

// Batelco (426 01) is in Debian's file with APNs only.
TEST_F(TopupModemManagerTest, OperatorWithoutCodesGetsAConfigHint) {
  start_mock(one_modem());
  const Error error = error_of([&] { service.check_balance(profile("42601"), settings); });
  EXPECT_EQ(error.code(), Errc::NotSupported);
  EXPECT_THAT(error.what(), HasSubstr("Batelco"));
  EXPECT_THAT(error.what(), HasSubstr("[TopUp:42601]"));
  EXPECT_THAT(error.what(), HasSubstr("BalanceUssd="));
  const Error top_up = error_of([&] { service.top_up(profile("42601"), "123", settings); });
  EXPECT_EQ(top_up.code(), Errc::NotSupported);
  EXPECT_THAT(top_up.what(), HasSubstr("TopUpUssd="));
}

TEST_F(TopupModemManagerTest, ConfigCodeAddsAMethodForAnOperatorWithoutOne) {
  start_mock(one_modem(R"("ussd_script": {"*141#": {"reply": "Balance: BD 3.250"}})"));
  settings.operators["42601"].balance_ussd = "*141#";
  const TopupReply reply = service.check_balance(profile("42601"), settings);
  EXPECT_EQ(reply.text, "Balance: BD 3.250");
  EXPECT_EQ(reply.source, "[TopUp:42601]");
}

TEST_F(TopupModemManagerTest, DisabledModemIsNotReady) {
  start_mock(one_modem(R"("state": 3)"));
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::WrongState);
  EXPECT_THAT(error.what(), HasSubstr("not enabled"));
}

TEST_F(TopupModemManagerTest, ModemWithoutUssdCannotUseAUssdOnlyOperator) {
  start_mock(one_modem(R"("ussd": false)"));
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::NotSupported);
  EXPECT_THAT(error.what(), HasSubstr("USSD *122#"));
  EXPECT_THAT(error.what(), HasSubstr("SMS only"));
}

TEST_F(TopupModemManagerTest, SmsRefusedByTheNetwork) {
  start_mock(one_modem(
      R"("sms_send_error": "org.freedesktop.ModemManager1.Error.MessageError.NetworkFailure")"));
  const Error error = error_of([&] { service.check_balance(profile("24405"), settings); });
  EXPECT_EQ(error.code(), Errc::Rejected);
  EXPECT_THAT(error.what(), HasSubstr("NetworkFailure"));
}

// ---- the modem that holds the eUICC (issue 13) --------------------------------------------

constexpr const char* kModem0 = "/org/freedesktop/ModemManager1/Modem/0";

ProfileOperator in_modem(const std::string& mcc_mnc, const std::string& modem_object) {
  ProfileOperator op = profile(mcc_mnc);
  op.modem_object = modem_object;
  return op;
}

// An eUICC inside a modem: the enabled profile goes through that modem, whatever ICCID
// ModemManager's SIM object shows (still the previous profile, or no SIM object at all), even
// when another modem's SIM reports the profile's ICCID.
TEST_F(TopupModemManagerTest, TheModemHoldingTheEuiccIsUsedWithoutMatchingTheIccid) {
  start_mock(R"({"modems": [
      {"sim": ")" +
             std::string(kOtherIccid) +
             R"(", "model": "EG25", "ussd_script": {"*122#": {"reply": "Balance 3 AMD"}}},
      {"sim": ")" +
             kIccid + R"(", "ussd_script": {"*122#": {"reply": "wrong modem"}}},
      {"sim": "", "model": "EM7455", "ussd_script": {"*122#": {"reply": "Balance 4 AMD"}}}]})");
  TopupReply reply = service.check_balance(in_modem("28304", kModem0), settings);
  EXPECT_EQ(reply.text, "Balance 3 AMD");
  EXPECT_EQ(reply.modem, "modem 0 (Mock EG25)");
  reply =
      service.check_balance(in_modem("28304", "/org/freedesktop/ModemManager1/Modem/2"), settings);
  EXPECT_EQ(reply.text, "Balance 4 AMD");
  // Without a modem object the ICCID decides, as for an eUICC in a PC/SC reader.
  EXPECT_EQ(service.check_balance(profile("28304"), settings).text, "wrong modem");
}

TEST_F(TopupModemManagerTest, TheModemHoldingTheEuiccGoneIsNoModem) {
  start_mock(one_modem(R"("ussd_script": {"*122#": {"reply": "Balance 3 AMD"}})"));
  const Error error = error_of([&] {
    service.check_balance(in_modem("28304", "/org/freedesktop/ModemManager1/Modem/7"), settings);
  });
  EXPECT_EQ(error.code(), Errc::NoModem);
  EXPECT_THAT(error.what(), HasSubstr("no longer lists /org/freedesktop/ModemManager1/Modem/7"));
  EXPECT_TRUE(mm->calls({"Initiate"}).empty());
}

// "Enabled" still means the card's state: a disabled profile on a modem's eUICC is refused,
// and so is one whose ICCID the modem reports in a slot it is not using.
TEST_F(TopupModemManagerTest, TheModemHoldingTheEuiccServesOnlyTheEnabledProfile) {
  start_mock(R"({"modems": [{"sim": ")" + std::string(kOtherIccid) + R"(", "other_slots": [")" +
             kIccid + R"("], "ussd_script": {"*122#": {"reply": "other line"}}}]})");
  ProfileOperator disabled = in_modem("28304", kModem0);
  disabled.enabled = false;
  EXPECT_EQ(error_of([&] { service.check_balance(disabled, settings); }).code(), Errc::WrongState);
  const Error inactive =
      error_of([&] { service.check_balance(in_modem("28304", kModem0), settings); });
  EXPECT_EQ(inactive.code(), Errc::WrongState);
  EXPECT_THAT(inactive.what(), HasSubstr("SIM slot 2"));
  EXPECT_TRUE(mm->calls({"Initiate"}).empty());
}

TEST_F(TopupModemManagerTest, TheModemHoldingTheEuiccMustBeReady) {
  start_mock(R"({"modems": [{"sim": "", "state": 2}]})");
  const Error error =
      error_of([&] { service.check_balance(in_modem("28304", kModem0), settings); });
  EXPECT_EQ(error.code(), Errc::WrongState);
  EXPECT_THAT(error.what(), HasSubstr("locked"));
}

// ---- what is left on the modem; modems that leave ------------------------------------------

// The SMS euiccd sent and the operator's answer are deleted once read; the unrelated SMS that
// came meanwhile stays.
TEST_F(TopupModemManagerTest, SmsSentAndItsAnswerAreDeletedFromTheModem) {
  start_mock(one_modem(R"("sms_replies": {"18258": [
      {"from": "+358401234567", "text": "Hi, dinner at 8?", "delay": 0.1},
      {"from": "18258", "text": "Saldo 5,20 EUR", "delay": 0.3}]})"));
  EXPECT_EQ(service.check_balance(profile("24405", "Elisa"), settings).text, "Saldo 5,20 EUR");
  EXPECT_EQ(mm->message_texts(kModem0), std::vector<std::string>{"Hi, dinner at 8?"});
  EXPECT_EQ(mm->calls({"Delete"}).size(), 2u);
}

// A top-up SMS holds the voucher: it goes also when no answer comes.
TEST_F(TopupModemManagerTest, SmsSentIsDeletedAlsoWhenNoAnswerComes) {
  start_mock(one_modem(R"("ussd": false)"));
  settings.operators["24405"].topup_sms_number = "5555";
  settings.operators["24405"].topup_sms_text = "LOAD CODE";
  settings.sms_reply_timeout = 300ms;
  const Error error = error_of([&] { service.top_up(profile("24405"), "987654", settings); });
  EXPECT_EQ(error.code(), Errc::Timeout);
  EXPECT_TRUE(mm->message_texts(kModem0).empty());
}

TEST_F(TopupModemManagerTest, SmsThatCannotBeDeletedIsAWarningNotAFailure) {
  start_mock(one_modem(R"("sms_delete_error": "org.freedesktop.ModemManager1.Error.Core.Failed",
      "sms_replies": {"18258": [{"from": "18258", "text": "Saldo 5,20 EUR", "delay": 0.1}]})"));
  std::vector<std::string> warnings;
  TopupService warned([&](const std::string& message) { warnings.push_back(message); });
  EXPECT_EQ(warned.check_balance(profile("24405", "Elisa"), settings).text, "Saldo 5,20 EUR");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[0], HasSubstr("could not delete SMS"));
  EXPECT_THAT(warnings[0], HasSubstr("Core.Failed"));
  EXPECT_EQ(mm->message_texts(kModem0).size(), 2u);
}

// Runs `action` on this thread while another removes `modem` once the mock has seen `call`;
// returns the error and how long after the removal it came.
template <typename Action>
std::pair<Error, std::chrono::steady_clock::duration> error_after_removal(ModemManagerMock& mm,
                                                                          const std::string& call,
                                                                          const std::string& modem,
                                                                          Action&& action) {
  std::chrono::steady_clock::time_point removed_at{};
  std::thread remover([&] {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (mm.calls({call}).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(100ms);
    removed_at = std::chrono::steady_clock::now();
    mm.remove_modem(modem);
  });
  Error error(Errc::Internal, "no error thrown");
  try {
    action();
  } catch (const Error& e) {
    error = e;
  }
  const auto ended = std::chrono::steady_clock::now();
  remover.join();
  return {error, ended - removed_at};
}

TEST_F(TopupModemManagerTest, ModemRemovedDuringAUssdCallEndsTheWaitAtOnce) {
  start_mock(one_modem(R"("ussd_script": {"*122#": {"reply": "late", "delay": 30}})"));
  settings.ussd_timeout = 5s;
  const auto [error, after_removal] = error_after_removal(
      *mm, "Initiate", kModem0, [&] { service.check_balance(profile("28304"), settings); });
  EXPECT_EQ(error.code(), Errc::NoModem) << error.what();
  EXPECT_THAT(error.what(), HasSubstr("went away"));
  EXPECT_THAT(error.what(), HasSubstr("USSD *122#"));
  EXPECT_LT(after_removal, 2s);
}

TEST_F(TopupModemManagerTest, ModemRemovedWhileWaitingForAnSmsAnswerEndsTheWait) {
  start_mock(one_modem());
  settings.sms_reply_timeout = 5s;
  const auto [error, after_removal] = error_after_removal(
      *mm, "Send", kModem0, [&] { service.check_balance(profile("24405"), settings); });
  EXPECT_EQ(error.code(), Errc::NoModem) << error.what();
  EXPECT_THAT(error.what(), HasSubstr("it was sent"));
  EXPECT_LT(after_removal, 2s);
}

TEST_F(TopupModemManagerTest, ModemManagerLeavingDuringAUssdCallEndsTheWait) {
  start_mock(one_modem(R"("ussd_script": {"*122#": {"reply": "late", "delay": 30}})"));
  settings.ussd_timeout = 5s;
  std::thread stopper([&] {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (mm->calls({"Initiate"}).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    mm->stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const Error error = error_of([&] { service.check_balance(profile("28304"), settings); });
  stopper.join();
  EXPECT_EQ(error.code(), Errc::NoModem) << error.what();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

// A top-up whose answer never came may still have used the voucher: the error says so, and
// how to check.
TEST_F(TopupModemManagerTest, TimedOutTopUpSaysTheVoucherMayBeUsed) {
  start_mock(one_modem(R"("ussd_script": {"*123*55512345#": {"reply": "late", "delay": 3}})"));
  settings.ussd_timeout = 300ms;
  const Error error = error_of([&] { service.top_up(profile("28304"), "55512345", settings); });
  EXPECT_EQ(error.code(), Errc::Timeout);
  EXPECT_THAT(error.what(), HasSubstr("voucher may already have been used"));
  EXPECT_THAT(error.what(), HasSubstr("CheckBalance"));
  EXPECT_THAT(error.what(), Not(HasSubstr("55512345")));
  // A balance check that timed out has no voucher to speak of.
  const Error balance = error_of([&] {
    settings.profiles[kIccid].balance_ussd = "*123*55512345#";
    service.check_balance(profile("28304"), settings);
  });
  EXPECT_EQ(balance.code(), Errc::Timeout);
  EXPECT_THAT(balance.what(), Not(HasSubstr("voucher")));
}

TEST_F(TopupModemManagerTest, NoMethodKnownNamesTheConfigurationInUse) {
  start_mock(one_modem());
  settings.config_files = "/run/test/euiccd.conf (or a drop-in in /run/test/euiccd.conf.d/)";
  const Error error = error_of([&] { service.check_balance(profile("42601"), settings); });
  EXPECT_THAT(error.what(), HasSubstr("Add one in /run/test/euiccd.conf (or a drop-in in "
                                      "/run/test/euiccd.conf.d/): a [TopUp:42601] section"));
  EXPECT_THAT(error.what(), Not(HasSubstr("/etc/euiccd")));
}

TEST(TopupModemManagerMatching, Iccids) {
  EXPECT_TRUE(same_iccid("8937404000000000012", "8937404000000000012F"));
  EXPECT_TRUE(same_iccid("8937404000000000012f", "8937404000000000012"));
  EXPECT_FALSE(same_iccid("8937404000000000012", "8937404000000000013"));
  EXPECT_FALSE(same_iccid("", ""));
  EXPECT_FALSE(same_iccid("FFFF", ""));
}

TEST(TopupModemManagerMatching, SmsSenders) {
  EXPECT_TRUE(sender_matches("18258", "18258"));
  EXPECT_TRUE(sender_matches("+35818258", "18258"));  // international form of a short code
  EXPECT_TRUE(sender_matches("Elisa", "elisa"));
  EXPECT_TRUE(sender_matches("anyone", "*"));
  EXPECT_FALSE(sender_matches("+358401234567", "18258"));
  EXPECT_FALSE(sender_matches("58", "18258"));  // too short to be a suffix match
  EXPECT_FALSE(sender_matches("Elisa1", "Elisa"));
  EXPECT_FALSE(sender_matches("18258", "Elisa"));
}

}  // namespace
}  // namespace euiccd::topup
