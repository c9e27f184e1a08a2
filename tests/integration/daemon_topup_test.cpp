// Prepaid balance and top-up through the daemon, driven over D-Bus the way a shell or euiccctl
// does, on the shared daemon rig (tests/support/daemon_rig.h): a real dbus-daemon,
// python-dbusmock as polkit and as ModemManager (tests/support/dbusmock_modemmanager.py) on
// that same private bus, the virtual eUICC behind the sandbox's pcscd + vpcd, and the euiccd
// binary with its state directory. Its enabled profile belongs to Karabakh Telecom (MCC 283,
// MNC 04), whose codes come from Debian's mobile-broadband-provider-info: balance *122#,
// top-up *123*CODE#. Runs inside tests/integration/pcsc-sandbox.sh; skipped elsewhere.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kPrepaidIccid[] = "8937404000000000012";
constexpr char kPrepaid[] = "/org/euiccd1/euicc/0/profile/8937404000000000012";  // enabled
constexpr char kSpare[] = "/org/euiccd1/euicc/0/profile/8937404000000000020";    // disabled
constexpr char kCheckBalance[] = "org.euiccd1.check-balance";
constexpr char kTopup[] = "org.euiccd1.topup";
constexpr char kConfigure[] = "org.euiccd1.configure";
constexpr char kModem0[] = "/org/freedesktop/ModemManager1/Modem/0";

// Owner 82F340 is MCC 283, MNC 04 in TS 24.008's BCD.
constexpr char kSeed[] = R"({
  "default_dp_address": "smdp.example.com",
  "memory": {"nvm_bytes": 1048576, "free_ram_bytes": 65536},
  "profiles": [
    {"iccid": "8937404000000000012", "state": "enabled", "nickname": "Prepaid",
     "service_provider_name": "Karabakh Telecom", "profile_name": "Prepaid",
     "profile_class": "operational", "size": 90000, "profile_owner": {"mcc_mnc": "82F340"}},
    {"iccid": "8937404000000000020", "state": "disabled",
     "service_provider_name": "Karabakh Telecom", "profile_name": "Spare",
     "profile_class": "operational", "size": 90000, "profile_owner": {"mcc_mnc": "82F340"}}
  ]
})";

// One modem whose active SIM is `sim`, answering USSD as `ussd_script` (JSON object) says.
std::string modem_with(const std::string& ussd_script, const std::string& sim = kPrepaidIccid) {
  return R"({"modems": [{"sim": ")" + sim + R"(", "model": "EG25", "ussd_script": )" + ussd_script +
         "}]}";
}

// One modem without USSD (SMS only) whose network answers SMS as `sms_replies` (JSON object,
// keyed by the number written to) says.
std::string sms_only_modem(const std::string& sms_replies) {
  return std::string(R"({"modems": [{"sim": ")") + kPrepaidIccid +
         R"(", "model": "EG25", "ussd": false, "sms_replies": )" + sms_replies + "}]}";
}

uint64_t now_usec() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// The signals one Profile object sent, as they arrive on the test's connection.
struct Signals {
  std::vector<std::string> balance_low;
  std::vector<uint64_t> plan_expiring;
};

int on_balance_low(sd_bus_message* m, void* userdata, sd_bus_error*) {
  const char* text = nullptr;
  if (sd_bus_message_read(m, "s", &text) >= 0)
    static_cast<Signals*>(userdata)->balance_low.push_back(text);
  return 0;
}

int on_plan_expiring(sd_bus_message* m, void* userdata, sd_bus_error*) {
  uint64_t at = 0;
  if (sd_bus_message_read(m, "t", &at) >= 0)
    static_cast<Signals*>(userdata)->plan_expiring.push_back(at);
  return 0;
}

class DaemonTopupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    make_rig(kSeed);
  }

  // The bus and the polkit mock (refusing everything) with `seed` for the card; card, daemon
  // and ModemManager start when the test says.
  void make_rig(const std::string& seed) {
    rig_.reset();
    rig_ = std::make_unique<DaemonRig>(RigOptions{.card_seed = seed, .start = false});
    write_config("");
    sd_bus_match_signal(rig_->client().bus(), nullptr, nullptr, kPrepaid, kProfileIface,
                        "BalanceLow", on_balance_low, &signals_);
    sd_bus_match_signal(rig_->client().bus(), nullptr, nullptr, kPrepaid, kProfileIface,
                        "PlanExpiring", on_plan_expiring, &signals_);
  }

  void write_config(const std::string& profile_section) {
    rig_->write_daemon_config(std::string("[Profile:") + kPrepaidIccid + "]\n" + profile_section);
  }

  void start_all() {
    rig_->start_card();
    rig_->start_daemon();
    ASSERT_TRUE(rig_->wait_for_euicc(15s)) << log();
  }

  void restart_daemon() {
    ASSERT_EQ(rig_->stop_daemon(SIGTERM), 0) << log();
    rig_->start_daemon();
    ASSERT_TRUE(rig_->wait_for_euicc(15s)) << log();
  }

  void start_modem_manager(const std::string& parameters) { rig_->start_modem_manager(parameters); }
  ModemManagerMock& mm() { return *rig_->modem_manager(); }

  void allow(const std::vector<std::string>& actions) { rig_->allow(actions); }

  // Generous: the daemon waits for ModemManager, not the other way round.
  BusReply call(const char* path, const char* member, const char* voucher = nullptr) {
    euiccd::sdbus::Message m = rig_->client().new_call(kEuiccdBus, path, kProfileIface, member);
    if (voucher) sd_bus_message_append(m, "s", voucher);
    return rig_->client().call_message(m, 30'000'000);
  }

  BusReply set_plan_expires_at(uint64_t usec) {
    euiccd::sdbus::Message m =
        rig_->client().new_call(kEuiccdBus, kPrepaid, "org.freedesktop.DBus.Properties", "Set");
    sd_bus_message_append(m, "ssv", kProfileIface, "PlanExpiresAt", "t", usec);
    return rig_->client().call_message(m);
  }

  std::string get(const char* path, const char* name) {
    return rig_->get_string(path, kProfileIface, name);
  }
  uint64_t get_t(const char* path, const char* name) {
    return rig_->get<uint64_t>(path, kProfileIface, name, 't');
  }

  // Dispatches what arrives on the test's connection (signals) for `span`, or until
  // `condition` holds.
  void pump(std::chrono::milliseconds span) {
    rig_->pump_until([] { return false; }, span);
  }
  bool pump_until(const std::function<bool()>& condition,
                  std::chrono::milliseconds deadline = 10s) {
    return rig_->pump_until(condition, deadline);
  }

  std::vector<std::string> ussd_sent() {
    return rig_->modem_manager() ? mm().calls({"Initiate", "Respond"}) : std::vector<std::string>{};
  }

  std::string prepaid_state_file() const {
    return read_text_file(rig_->state_dir() + "/prepaid.json");
  }
  std::string log() const { return "--- euiccd log ---\n" + rig_->daemon_log(); }

  std::unique_ptr<DaemonRig> rig_;
  Signals signals_;
};

TEST_F(DaemonTopupTest, CheckBalanceReturnsTheNetworkReplyAndKeepsItAcrossRestarts) {
  start_modem_manager(modem_with(R"({"*122#": {"reply": "Balance 1500 AMD", "state": 1}})"));
  start_all();
  allow({kCheckBalance});
  EXPECT_EQ(get(kPrepaid, "Balance"), "");
  EXPECT_EQ(get_t(kPrepaid, "BalanceCheckedAt"), 0U);

  const uint64_t before = now_usec();
  BusReply reply = call(kPrepaid, "CheckBalance");
  const uint64_t after = now_usec();
  ASSERT_TRUE(reply.ok()) << reply.error_name() << ": " << reply.error_message() << log();
  EXPECT_EQ(reply.read_string(), "Balance 1500 AMD");
  EXPECT_EQ(ussd_sent(), std::vector<std::string>{"Initiate \"*122#\""});

  EXPECT_EQ(get(kPrepaid, "Balance"), "Balance 1500 AMD");
  EXPECT_EQ(get(kPrepaid, "BalanceAmount"), "1500 AMD");
  const uint64_t checked_at = get_t(kPrepaid, "BalanceCheckedAt");
  EXPECT_GE(checked_at, before);
  EXPECT_LE(checked_at, after);
  EXPECT_TRUE(std::filesystem::exists(rig_->state_dir() + "/prepaid.json"));

  restart_daemon();
  EXPECT_EQ(get(kPrepaid, "Balance"), "Balance 1500 AMD");
  EXPECT_EQ(get(kPrepaid, "BalanceAmount"), "1500 AMD");
  EXPECT_EQ(get_t(kPrepaid, "BalanceCheckedAt"), checked_at);
}

TEST_F(DaemonTopupTest, TopUpSendsTheTemplateWithTheVoucherAndNeverLogsIt) {
  start_modem_manager(
      modem_with(R"({"*123*987654321098#": {"reply": "Top-up accepted, thank you"}})"));
  start_all();
  allow({kTopup});

  BusReply reply = call(kPrepaid, "TopUp", "9876 5432-1098");
  ASSERT_TRUE(reply.ok()) << reply.error_name() << ": " << reply.error_message() << log();
  EXPECT_EQ(reply.read_string(), "Top-up accepted, thank you");
  EXPECT_EQ(ussd_sent(), std::vector<std::string>{"Initiate \"*123*987654321098#\""});

  // A top-up confirmation is not a balance, and the voucher is nowhere but in the USSD.
  EXPECT_EQ(get(kPrepaid, "Balance"), "");
  EXPECT_EQ(log().find("987654321098"), std::string::npos) << log();
  EXPECT_EQ(log().find("9876 5432"), std::string::npos) << log();
  EXPECT_EQ(prepaid_state_file().find("987654321098"), std::string::npos);
}

// Another program left a USSD session open on the modem: it is cancelled first (ModemManager
// refuses Initiate while one is active), then the balance code goes out.
TEST_F(DaemonTopupTest, BusyUssdSessionIsCancelledFirst) {
  start_modem_manager(
      std::string(R"({"modems": [{"sim": ")") + kPrepaidIccid +
      R"(", "ussd_state": 2, "ussd_script": {"*122#": {"reply": "Balance 90 AMD"}}}]})");
  start_all();
  allow({kCheckBalance});
  BusReply reply = call(kPrepaid, "CheckBalance");
  ASSERT_TRUE(reply.ok()) << reply.error_name() << ": " << reply.error_message() << log();
  EXPECT_EQ(reply.read_string(), "Balance 90 AMD");
  EXPECT_EQ(mm().calls({"Initiate", "Cancel"}),
            (std::vector<std::string>{"Cancel", "Initiate \"*122#\""}));
}

// The operator's codes from the config: top-up by SMS to 5555 with the voucher in the text,
// the answer from another sender ("MyOperator"), after an unrelated SMS. The reply is the
// method's answer; the voucher is only in the SMS.
TEST_F(DaemonTopupTest, SmsTopUpWaitsForTheOperatorsReplySms) {
  write_config(
      "TopUpSmsNumber=5555\nTopUpSmsText=LOAD PIN\nTopUpReplacement=PIN\n"
      "SmsReplyFrom=MyOperator\n");
  start_modem_manager(sms_only_modem(R"({"5555": [
      {"from": "+37412345678", "text": "Hi, dinner at 8?", "delay": 0.1},
      {"from": "MyOperator", "text": "Voucher accepted, new balance 2500 AMD", "delay": 0.3,
       "receiving": 0.2}]})"));
  start_all();
  allow({kTopup});

  BusReply reply = call(kPrepaid, "TopUp", "987654321098");
  ASSERT_TRUE(reply.ok()) << reply.error_name() << ": " << reply.error_message() << log();
  EXPECT_EQ(reply.read_string(), "Voucher accepted, new balance 2500 AMD");
  EXPECT_EQ(mm().calls({"Create", "Send"}),
            (std::vector<std::string>{R"(Create {"number": "5555", "text": "LOAD 987654321098"})",
                                      "Send"}));
  EXPECT_TRUE(ussd_sent().empty());
  EXPECT_EQ(log().find("987654321098"), std::string::npos) << log();
  // The SMS with the voucher and the operator's answer are deleted; the other SMS is not ours.
  EXPECT_EQ(mm().message_texts(kModem0), std::vector<std::string>{"Hi, dinner at 8?"});
}

// Balance by SMS: the answer is kept like a USSD one, with its amount.
TEST_F(DaemonTopupTest, SmsBalanceCheckKeepsTheReplySms) {
  write_config("BalanceSmsNumber=18258\nBalanceSmsText=SALDO\n");
  start_modem_manager(sms_only_modem(R"({"18258": [
      {"from": "18258", "text": "Balance 320 AMD", "delay": 0.2}]})"));
  start_all();
  allow({kCheckBalance});

  BusReply reply = call(kPrepaid, "CheckBalance");
  ASSERT_TRUE(reply.ok()) << reply.error_name() << ": " << reply.error_message() << log();
  EXPECT_EQ(reply.read_string(), "Balance 320 AMD");
  EXPECT_EQ(mm().calls({"Create"}),
            std::vector<std::string>{R"(Create {"number": "18258", "text": "SALDO"})"});
  EXPECT_EQ(get(kPrepaid, "Balance"), "Balance 320 AMD");
  EXPECT_EQ(get(kPrepaid, "BalanceAmount"), "320 AMD");
  EXPECT_TRUE(mm().message_texts(kModem0).empty());  // the request and its answer are deleted
}

// A modem that will not delete the SMS: the balance still comes, and the journal says what was
// left behind.
TEST_F(DaemonTopupTest, SmsThatCannotBeDeletedIsLoggedNotAFailure) {
  write_config("BalanceSmsNumber=18258\nBalanceSmsText=SALDO\n");
  start_modem_manager(std::string(R"({"modems": [{"sim": ")") + kPrepaidIccid +
                      R"(", "ussd": false,
      "sms_delete_error": "org.freedesktop.ModemManager1.Error.Core.Failed",
      "sms_replies": {"18258": [{"from": "18258", "text": "Balance 320 AMD", "delay": 0.2}]}}]})");
  start_all();
  allow({kCheckBalance});

  BusReply reply = call(kPrepaid, "CheckBalance");
  ASSERT_TRUE(reply.ok()) << reply.error_name() << ": " << reply.error_message() << log();
  EXPECT_EQ(reply.read_string(), "Balance 320 AMD");
  EXPECT_TRUE(rig_->daemon_log_has("could not delete SMS")) << log();
  EXPECT_EQ(mm().message_texts(kModem0).size(), 2u);
}

// The network refuses the SMS: Rejected, and no answer is waited for.
TEST_F(DaemonTopupTest, SmsRefusedByTheNetworkIsRejected) {
  write_config("TopUpSmsNumber=5555\nTopUpSmsText=LOAD CODE\n");
  start_modem_manager(std::string(R"({"modems": [{"sim": ")") + kPrepaidIccid +
                      R"(", "ussd": false, "sms_send_error":
                      "org.freedesktop.ModemManager1.Error.MessageError.NetworkTimeout"}]})");
  start_all();
  allow({kTopup});
  const auto start = std::chrono::steady_clock::now();
  BusReply reply = call(kPrepaid, "TopUp", "1234");
  EXPECT_EQ(reply.error_name(), "org.euiccd1.Error.Rejected") << reply.error_message() << log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// The network does not answer within [TopUp] UssdTimeoutSec: Timeout, and the session is
// cancelled so the next code can go out.
TEST_F(DaemonTopupTest, UnansweredUssdIsATimeoutAndTheSessionIsCancelled) {
  rig_->write_daemon_config("[TopUp]\nUssdTimeoutSec=0.5\n");
  start_modem_manager(modem_with(R"({"*122#": {"reply": "late", "delay": 2.0}})"));
  start_all();
  allow({kCheckBalance});
  const auto start = std::chrono::steady_clock::now();
  BusReply reply = call(kPrepaid, "CheckBalance");
  EXPECT_EQ(reply.error_name(), "org.euiccd1.Error.Timeout") << reply.error_message() << log();
  EXPECT_NE(reply.error_message().find("*122#"), std::string::npos) << reply.error_message();
  // The mock answers one call at a time: the Cancel after the timeout waits for its delayed
  // Initiate (2 s). Without the timeout the call would wait for "late" and succeed.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_TRUE(eventually([&] { return !mm().calls({"Cancel"}).empty(); }, 5s)) << log();
  EXPECT_EQ(get(kPrepaid, "Balance"), "");
}

// A top-up whose answer did not come in time may still have used the voucher: the error says
// so, and how to check, before anyone tries the same voucher again.
TEST_F(DaemonTopupTest, TimedOutTopUpSaysTheVoucherMayAlreadyBeUsed) {
  rig_->write_daemon_config("[TopUp]\nUssdTimeoutSec=0.5\n");
  start_modem_manager(modem_with(R"({"*123*987654321098#": {"reply": "late", "delay": 3.0}})"));
  start_all();
  allow({kTopup});
  BusReply reply = call(kPrepaid, "TopUp", "987654321098");
  EXPECT_EQ(reply.error_name(), "org.euiccd1.Error.Timeout") << reply.error_message() << log();
  EXPECT_NE(reply.error_message().find("the voucher may already have been used"), std::string::npos)
      << reply.error_message();
  EXPECT_NE(reply.error_message().find("CheckBalance"), std::string::npos) << reply.error_message();
  EXPECT_EQ(reply.error_message().find("987654321098"), std::string::npos);
}

// The modem leaves (unplugged, reset) while the network's answer is awaited: the call ends at
// once with NoModem, not after [TopUp] UssdTimeoutSec=5.
TEST_F(DaemonTopupTest, ModemRemovedDuringAUssdCallEndsItAtOnce) {
  rig_->write_daemon_config("[TopUp]\nUssdTimeoutSec=5\n");
  start_modem_manager(modem_with(R"({"*122#": {"reply": "late", "delay": 30}})"));
  start_all();
  allow({kCheckBalance});
  std::chrono::steady_clock::time_point removed_at{};
  std::thread remover([&] {
    eventually([&] { return !ussd_sent().empty(); }, 10s);
    std::this_thread::sleep_for(100ms);  // the Initiate is waiting for the network
    removed_at = std::chrono::steady_clock::now();
    mm().remove_modem(kModem0);
  });
  BusReply reply = call(kPrepaid, "CheckBalance");
  const auto ended = std::chrono::steady_clock::now();
  remover.join();
  EXPECT_EQ(reply.error_name(), "org.euiccd1.Error.NoModem") << reply.error_message() << log();
  EXPECT_NE(reply.error_message().find("went away"), std::string::npos) << reply.error_message();
  EXPECT_LT(ended - removed_at, 2s);
  EXPECT_EQ(get(kPrepaid, "Balance"), "");
}

// Bahrain's Batelco (426 01) is in Debian's database with APNs only: a named error that says
// how to add the codes.
TEST_F(DaemonTopupTest, OperatorWithoutCodesSaysHowToAddThem) {
  std::string seed = kSeed;
  for (size_t at = seed.find("82F340"); at != std::string::npos; at = seed.find("82F340"))
    seed.replace(at, 6, "24F610");  // MCC 426, MNC 01
  make_rig(seed);
  start_modem_manager(modem_with(R"({})"));
  start_all();
  allow({kCheckBalance, kTopup});

  BusReply balance = call(kPrepaid, "CheckBalance");
  EXPECT_EQ(balance.error_name(), "org.euiccd1.Error.NotSupported") << balance.error_message();
  EXPECT_NE(balance.error_message().find("[TopUp:42601]"), std::string::npos)
      << balance.error_message();
  // Where to add them: the configuration this daemon reads (--config), not a fixed path.
  EXPECT_NE(
      balance.error_message().find("Add one in " + rig_->dir().file("euiccd.conf") +
                                   " (or a drop-in in " + rig_->dir().file("euiccd.conf.d") + "/)"),
      std::string::npos)
      << balance.error_message();
  EXPECT_EQ(balance.error_message().find("/etc/euiccd"), std::string::npos)
      << balance.error_message();
  BusReply top_up = call(kPrepaid, "TopUp", "1234");
  EXPECT_EQ(top_up.error_name(), "org.euiccd1.Error.NotSupported") << top_up.error_message();
  EXPECT_TRUE(ussd_sent().empty());
}

TEST_F(DaemonTopupTest, DisabledProfileGetsAClearError) {
  start_modem_manager(modem_with(R"({"*122#": {"reply": "Balance 1500 AMD"}})"));
  start_all();
  allow({kCheckBalance, kTopup});

  BusReply balance = call(kSpare, "CheckBalance");
  EXPECT_EQ(balance.error_name(), "org.euiccd1.Error.WrongState");
  EXPECT_NE(balance.error_message().find("is not the enabled one"), std::string::npos)
      << balance.error_message();
  BusReply top_up = call(kSpare, "TopUp", "1234");
  EXPECT_EQ(top_up.error_name(), "org.euiccd1.Error.WrongState");
  EXPECT_TRUE(ussd_sent().empty());
}

TEST_F(DaemonTopupTest, MissingModemManagerOrModemIsNoModem) {
  start_all();
  allow({kCheckBalance});

  BusReply no_mm = call(kPrepaid, "CheckBalance");
  EXPECT_EQ(no_mm.error_name(), "org.euiccd1.Error.NoModem") << no_mm.error_message();
  EXPECT_NE(no_mm.error_message().find("ModemManager"), std::string::npos) << no_mm.error_message();

  // ModemManager runs, but its only modem carries another SIM.
  start_modem_manager(modem_with(R"({})", "8949000000000000034"));
  BusReply no_modem = call(kPrepaid, "CheckBalance");
  EXPECT_EQ(no_modem.error_name(), "org.euiccd1.Error.NoModem") << no_modem.error_message();
  EXPECT_NE(no_modem.error_message().find(kPrepaidIccid), std::string::npos)
      << no_modem.error_message();
  EXPECT_EQ(get(kPrepaid, "Balance"), "");
}

TEST_F(DaemonTopupTest, NetworkRefusalIsRejected) {
  start_modem_manager(modem_with(R"({"*122#": {
      "error": "org.freedesktop.ModemManager1.Error.MobileEquipment.Unknown",
      "message": "USSD terminated by network"}})"));
  start_all();
  allow({kCheckBalance});
  BusReply reply = call(kPrepaid, "CheckBalance");
  EXPECT_EQ(reply.error_name(), "org.euiccd1.Error.Rejected") << reply.error_message();
  EXPECT_NE(reply.error_message().find("USSD terminated by network"), std::string::npos);
}

TEST_F(DaemonTopupTest, BadVouchersAreRefusedAndNeverSent) {
  start_modem_manager(modem_with(R"({})"));
  start_all();
  allow({kTopup});

  for (const char* voucher : {"12*34#", "", "1234\n5678", "1234abcd"}) {
    BusReply reply = call(kPrepaid, "TopUp", voucher);
    EXPECT_EQ(reply.error_name(), "org.euiccd1.Error.InvalidArgument") << voucher;
    EXPECT_NE(reply.error_message().find("voucher"), std::string::npos) << reply.error_message();
    if (*voucher) {
      EXPECT_EQ(reply.error_message().find(voucher), std::string::npos) << reply.error_message();
    }
  }
  EXPECT_TRUE(ussd_sent().empty());
}

TEST_F(DaemonTopupTest, UnauthorizedCallersAreRefused) {
  start_modem_manager(modem_with(R"({"*122#": {"reply": "Balance 1500 AMD"}})"));
  start_all();  // the polkit mock allows nothing

  BusReply top_up = call(kPrepaid, "TopUp", "1234");
  EXPECT_EQ(top_up.error_name(), "org.euiccd1.Error.NotAuthorized");
  EXPECT_NE(top_up.error_message().find(kTopup), std::string::npos) << top_up.error_message();
  BusReply balance = call(kPrepaid, "CheckBalance");
  EXPECT_EQ(balance.error_name(), "org.euiccd1.Error.NotAuthorized");
  EXPECT_TRUE(ussd_sent().empty());
}

TEST_F(DaemonTopupTest, BalanceLowOnceWhenTheAmountFallsBelowTheThreshold) {
  write_config("LowBalanceThreshold=1000\n");
  start_modem_manager(modem_with(R"({"*122#": {"reply": "Balance 500 AMD"}})"));
  start_all();
  allow({kCheckBalance});

  ASSERT_TRUE(call(kPrepaid, "CheckBalance").ok()) << log();
  ASSERT_TRUE(pump_until([&] { return !signals_.balance_low.empty(); })) << log();
  EXPECT_EQ(signals_.balance_low, std::vector<std::string>{"Balance 500 AMD"});

  // Still below: no second signal (it is sent before the reply, so none is on its way).
  ASSERT_TRUE(call(kPrepaid, "CheckBalance").ok());
  pump(300ms);
  EXPECT_EQ(signals_.balance_low.size(), 1U);

  // Topped up above the threshold, then down again across a daemon restart: a new crossing.
  start_modem_manager(modem_with(R"({"*122#": {"reply": "Balance 1500 AMD"}})"));
  ASSERT_TRUE(call(kPrepaid, "CheckBalance").ok());
  restart_daemon();
  start_modem_manager(modem_with(R"({"*122#": {"reply": "Balance 200 AMD"}})"));
  ASSERT_TRUE(call(kPrepaid, "CheckBalance").ok());
  ASSERT_TRUE(pump_until([&] { return signals_.balance_low.size() == 2; })) << log();
  EXPECT_EQ(signals_.balance_low.back(), "Balance 200 AMD");
}

TEST_F(DaemonTopupTest, PlanExpiresAtNeedsPolkitRemindsAndIsKept) {
  write_config("PlanExpiryReminderDays=3\n");
  start_all();
  const uint64_t expiry = now_usec() + 2ULL * 24 * 3600 * 1'000'000;

  BusReply refused = set_plan_expires_at(expiry);
  EXPECT_EQ(refused.error_name(), "org.euiccd1.Error.NotAuthorized");
  EXPECT_EQ(get_t(kPrepaid, "PlanExpiresAt"), 0U);

  allow({kConfigure});
  BusReply seconds = set_plan_expires_at(expiry / 1'000'000);
  EXPECT_EQ(seconds.error_name(), "org.euiccd1.Error.InvalidArgument");
  EXPECT_NE(seconds.error_message().find("microseconds"), std::string::npos);

  BusReply set = set_plan_expires_at(expiry);
  ASSERT_TRUE(set.ok()) << set.error_name() << ": " << set.error_message() << log();
  EXPECT_EQ(get_t(kPrepaid, "PlanExpiresAt"), expiry);
  // Two days left, reminders three days ahead: due at once.
  ASSERT_TRUE(pump_until([&] { return !signals_.plan_expiring.empty(); })) << log();
  EXPECT_EQ(signals_.plan_expiring, std::vector<uint64_t>{expiry});

  // Kept, and not repeated after a restart.
  restart_daemon();
  EXPECT_EQ(get_t(kPrepaid, "PlanExpiresAt"), expiry);
  pump(500ms);
  EXPECT_EQ(signals_.plan_expiring.size(), 1U);

  // 0 clears it.
  ASSERT_TRUE(set_plan_expires_at(0).ok());
  EXPECT_EQ(get_t(kPrepaid, "PlanExpiresAt"), 0U);
}

TEST_F(DaemonTopupTest, PeriodicCheckRunsByItselfWhenConfigured) {
  write_config("BalanceCheckIntervalSec=1\n");
  start_modem_manager(modem_with(R"({"*122#": {"reply": "Balance 700 AMD"}})"));
  start_all();
  // No call: the timer checks, polkit is not involved.
  ASSERT_TRUE(eventually([&] { return get(kPrepaid, "Balance") == "Balance 700 AMD"; }, 10s))
      << log();
  EXPECT_NE(get_t(kPrepaid, "BalanceCheckedAt"), 0U);
}

// ---- an eUICC inside a modem (issue 13) -------------------------------------------------------

// The card behind an emulated AT modem (veuicc --modem at on a pty) that the ModemManager
// stand-in lists with that pty as its AT port: the daemon's ModemManager watch finds the eUICC
// there and publishes the modem as the Euicc's Modem property. No PC/SC reader is used.
class ModemEuiccTopupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    rig_ = std::make_unique<DaemonRig>(RigOptions{.card_seed = kSeed, .start = false});
    device_ = rig_->dir().file("ttyUSB2");
    rig_->start_card({"--modem", "at", "--pty-link", device_});
    ASSERT_TRUE(eventually([&] { return access(device_.c_str(), F_OK) == 0; }, 5s)) << rig_->logs();
    rig_->write_daemon_config("[Readers]\nDeny=*\n[Notifications]\nAutoProcess=no\n");
  }

  // ModemManager with the modem (whose SIM object reports `sim`, "" = none), then the daemon.
  void start(const std::string& sim, const std::string& modem_json) {
    rig_->start_modem_manager(R"({"modems": [{"sim": ")" + sim + R"(", "model": "EG25",
        "ports": [[")" + device_ +
                              R"(", 3]], "primary_port": ")" + device_ + "\", " + modem_json +
                              "}]}");
    rig_->start_daemon();
    ASSERT_TRUE(rig_->wait_for_euicc(20s)) << rig_->logs();
    ASSERT_EQ(rig_->get_path("/org/euiccd1/euicc/0", kEuiccIface, "Modem"), kModem0)
        << rig_->logs();
    rig_->allow({kCheckBalance, kTopup});
  }

  BusReply call(const char* path, const char* member, const char* voucher = nullptr) {
    euiccd::sdbus::Message m = rig_->client().new_call(kEuiccdBus, path, kProfileIface, member);
    if (voucher) sd_bus_message_append(m, "s", voucher);
    return rig_->client().call_message(m, 30'000'000);
  }

  std::unique_ptr<DaemonRig> rig_;
  std::string device_;
};

// ModemManager's SIM object still shows another profile (the modem has not re-read the SIM, or
// reports it differently): balance and top-up go through the modem that holds the eUICC.
TEST_F(ModemEuiccTopupTest, BalanceAndTopUpGoThroughItsModemWhateverItsSimReports) {
  start("8949000000000000034", R"("ussd_script": {
      "*122#": {"reply": "Balance 1500 AMD"},
      "*123*987654321098#": {"reply": "Top-up accepted"}})");
  BusReply balance = call(kPrepaid, "CheckBalance");
  ASSERT_TRUE(balance.ok()) << balance.error_name() << ": " << balance.error_message()
                            << rig_->logs();
  EXPECT_EQ(balance.read_string(), "Balance 1500 AMD");
  BusReply top_up = call(kPrepaid, "TopUp", "987654321098");
  ASSERT_TRUE(top_up.ok()) << top_up.error_name() << ": " << top_up.error_message();
  EXPECT_EQ(top_up.read_string(), "Top-up accepted");
  EXPECT_EQ(rig_->modem_manager()->calls({"Initiate"}),
            (std::vector<std::string>{"Initiate \"*122#\"", "Initiate \"*123*987654321098#\""}));
  EXPECT_EQ(rig_->get_string(kPrepaid, kProfileIface, "Balance"), "Balance 1500 AMD");
  // Only the enabled profile: the disabled one is refused before anything is sent.
  BusReply spare = call(kSpare, "CheckBalance");
  EXPECT_EQ(spare.error_name(), "org.euiccd1.Error.WrongState") << spare.error_message();
  EXPECT_EQ(rig_->modem_manager()->calls({"Initiate"}).size(), 2u);
}

TEST_F(ModemEuiccTopupTest, ModemWithoutASimObjectStillCarriesIt) {
  start("", R"("ussd_script": {"*122#": {"reply": "Balance 90 AMD"}})");
  BusReply balance = call(kPrepaid, "CheckBalance");
  ASSERT_TRUE(balance.ok()) << balance.error_name() << ": " << balance.error_message()
                            << rig_->logs();
  EXPECT_EQ(balance.read_string(), "Balance 90 AMD");
}

}  // namespace
