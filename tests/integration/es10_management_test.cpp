// Every ES10 local management function through the real stack: Es10Client → Es10Channel →
// LogicalChannel → PcscCard → libpcsclite → private pcscd → Debian's vpcd driver → TCP →
// the virtual eUICC (veuicc) with its JSON state file. Results are read back through the card
// and, independently, from veuicc's state file. Faults (card pulled, wrong status word, garbage,
// latency) are injected by veuicc, so they cross pcscd as they would from a real card.
//
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "apdu/pcsc_reader.h"
#include "base/error.h"
#include "lpa/es10_client.h"
#include "tests/support/subprocess.h"

using namespace euiccd;
using namespace euiccd::lpa;
using namespace std::chrono_literals;
using euiccd::testing::Subprocess;
using euiccd::testing::TempDir;
using nlohmann::json;

namespace {

constexpr char kEid[] = "89049032123451234512345678901235";  // make-test-pki.sh's default
// One ICCID of each length the swapped-BCD coding has to get right.
constexpr char kHome[] = "8944476500001224158";     // 19 digits, enabled, operational
constexpr char kTravel[] = "89012600000000000013";  // 20 digits, disabled, operational
constexpr char kLab[] = "891000000000000004";       // 18 digits, disabled, test
constexpr char kUnknown[] = "8999000000000000009";
constexpr char kNotifyAddress[] = "smdp.example.com";
constexpr uint64_t kNvmBytes = 1'048'576;
constexpr uint64_t kHomeSize = 120'000, kTravelSize = 80'000, kLabSize = 20'000;

json seed() {
  const json events = json::array({{{"event", "enable"}, {"address", kNotifyAddress}},
                                   {{"event", "disable"}, {"address", kNotifyAddress}},
                                   {{"event", "delete"}, {"address", kNotifyAddress}}});
  return {
      {"default_dp_address", "smdp.example.com"},
      {"root_ds_address", "lpa.ds.example.com"},
      {"memory", {{"nvm_bytes", kNvmBytes}, {"free_ram_bytes", 65536}}},
      {"profiles",
       {{{"iccid", kHome},
         {"state", "enabled"},
         {"nickname", "Home"},
         {"service_provider_name", "Veuicc Mobile"},
         {"profile_name", "Home plan"},
         {"profile_class", "operational"},
         {"profile_owner", {{"mcc_mnc", "32F410"}}},
         {"size", kHomeSize},
         {"notification_configuration", events}},
        {{"iccid", kTravel},
         {"service_provider_name", "Roam Anywhere"},
         {"profile_name", "Travel data"},
         {"profile_class", "operational"},
         {"size", kTravelSize},
         {"notification_configuration", events}},
        {{"iccid", kLab},
         {"service_provider_name", "Test Lab"},
         {"profile_name", "Conformance test"},
         {"profile_class", "test"},
         {"size", kLabSize},
         {"notification_configuration", events}}}},
      {"rat",
       {{{"ppr_ids", {"ppr1"}},
         {"allowed_operators", {{{"mcc_mnc", "32F410"}}}},
         {"consent_required", true}}}},
  };
}

std::optional<uint16_t> vpcd_port() {
  const char* port = std::getenv("VPCD_PORT");
  if (port == nullptr || *port == '\0') return std::nullopt;
  return static_cast<uint16_t>(std::stoi(port));
}

// Card presence in vpcd's first slot ("Virtual PCD 00 00", the one on $VPCD_PORT).
bool card_present(apdu::PcscContext& context, std::string* name = nullptr) {
  for (const auto& r : context.reader_status()) {
    if (r.name.find(" 00 00") == std::string::npos) continue;
    if (name) *name = r.name;
    return r.card_present;
  }
  return false;
}

// Waits for the slot to reach `present`, failing the test after `deadline`.
std::string wait_for_card(apdu::PcscContext& context, bool present,
                          std::chrono::milliseconds deadline = 10s) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  context.wait_for_change(0ms);
  std::string name;
  while (card_present(context, &name) != present) {
    if (std::chrono::steady_clock::now() > end) {
      throw std::runtime_error(std::string("the card did not ") + (present ? "appear" : "go away") +
                               " within " + std::to_string(deadline.count()) + " ms");
    }
    context.wait_for_change(100ms);
  }
  return name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The SKI of the test CI: what EUICCInfo1/2 must list.
std::string ci_key_id(const std::string& pem_path) {
  FILE* f = std::fopen(pem_path.c_str(), "r");
  if (!f) throw std::runtime_error("cannot open " + pem_path);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) throw std::runtime_error("no certificate in " + pem_path);
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
  std::string hex = ski ? to_hex(ByteView(ski->data, static_cast<size_t>(ski->length))) : "";
  X509_free(cert);
  return hex;
}

Errc error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    std::printf("  expected error %s: %s\n", errc_name(e.code()), e.what());
    return e.code();
  }
  ADD_FAILURE() << "the call succeeded";
  return Errc::Internal;
}

// ---- fixture -------------------------------------------------------------------------------

class Es10Management : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!vpcd_port()) return;
    pki_ = std::make_unique<TempDir>();
    std::string out;
    const int rc = euiccd::testing::run_command(
        {"/bin/sh", EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh", pki_->path()}, &out, 60s);
    ASSERT_EQ(rc, 0) << out;
  }
  static void TearDownTestSuite() { pki_.reset(); }

  void SetUp() override {
    if (!vpcd_port()) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
    ASSERT_TRUE(pki_);
    std::ofstream(work_.file("seed.json")) << seed().dump(2);
    context_ = std::make_unique<apdu::PcscContext>();
    wait_for_card(*context_, false);  // the previous test's card is gone
  }

  void TearDown() override {
    close_card();
    if (veuicc_) veuicc_->stop(SIGTERM);
    if (HasFailure() && veuicc_) std::printf("--- veuicc log ---\n%s\n", read_file(log()).c_str());
  }

  std::string log() const { return work_.file("veuicc.log"); }

  // Starts veuicc on a fresh state (from the seed) and opens the stack on it.
  void start_card(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {EUICCD_BINARY_DIR "/veuicc/veuicc",
                                     "--state",
                                     work_.file("state.json"),
                                     "--seed",
                                     work_.file("seed.json"),
                                     "--euicc-cert",
                                     pki_->file("euicc.pem"),
                                     "--euicc-key",
                                     pki_->file("euicc.key"),
                                     "--eum-cert",
                                     pki_->file("eum.pem"),
                                     "--ci-cert",
                                     pki_->file("ci.pem")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    veuicc_ = std::make_unique<Subprocess>(argv, log());
    reader_ = wait_for_card(*context_, true);
    open_card();
  }

  void open_card() {
    card_ = std::make_unique<apdu::PcscCard>(*context_, reader_);
    channel_ = std::make_unique<apdu::LogicalChannel>(*card_);
    es10_channel_ = std::make_unique<apdu::Es10Channel>(*channel_);
    client_ = std::make_unique<Es10Client>(*es10_channel_);
  }
  void close_card() {
    client_.reset();
    es10_channel_.reset();
    channel_.reset();
    card_.reset();
  }

  Es10Client& es10() { return *client_; }

  json state_file() { return json::parse(read_file(work_.file("state.json"))); }
  json state_profile(const std::string& iccid) {
    const json state = state_file();
    for (const auto& p : state["profiles"]) {
      if (p["iccid"] == iccid) return p;
    }
    return nullptr;
  }

  std::optional<ProfileInfo> card_profile(const std::string& iccid) {
    const auto list = es10().get_profiles_info(ProfileIdentifier::from_iccid(iccid));
    if (list.empty()) return std::nullopt;
    EXPECT_EQ(list.size(), 1u);
    return list[0];
  }
  std::optional<ProfileState> card_state(const std::string& iccid) {
    const auto p = card_profile(iccid);
    return p ? p->state : std::nullopt;
  }

  static inline std::unique_ptr<TempDir> pki_;
  TempDir work_;
  std::unique_ptr<Subprocess> veuicc_;
  std::unique_ptr<apdu::PcscContext> context_;
  std::string reader_;
  std::unique_ptr<apdu::PcscCard> card_;
  std::unique_ptr<apdu::LogicalChannel> channel_;
  std::unique_ptr<apdu::Es10Channel> es10_channel_;
  std::unique_ptr<Es10Client> client_;
};

// ---- identity and info ---------------------------------------------------------------------

TEST_F(Es10Management, EidAndEuiccInfo) {
  start_card();
  EXPECT_EQ(es10().get_eid(), kEid);

  const std::string ci = ci_key_id(pki_->file("ci.pem"));
  ASSERT_FALSE(ci.empty());
  const EuiccInfo1 info1 = es10().get_euicc_info1();
  EXPECT_EQ(to_hex(info1.svn), "020202");
  ASSERT_EQ(info1.ci_pkid_verification.size(), 1u);
  EXPECT_EQ(to_hex(info1.ci_pkid_verification[0]), ci);
  ASSERT_EQ(info1.ci_pkid_signing.size(), 1u);
  EXPECT_EQ(to_hex(info1.ci_pkid_signing[0]), ci);

  const EuiccInfo2 info2 = es10().get_euicc_info2();
  EXPECT_EQ(info2.svn, info1.svn);
  EXPECT_EQ(info2.firmware_version.size(), 3u);
  ASSERT_TRUE(info2.ext_card_resource.free_nvm);
  EXPECT_EQ(*info2.ext_card_resource.free_nvm, kNvmBytes - kHomeSize - kTravelSize - kLabSize);
  ASSERT_TRUE(info2.ext_card_resource.free_ram);
  EXPECT_EQ(*info2.ext_card_resource.free_ram, 65536u);
  EXPECT_EQ(info2.ci_pkid_verification, info1.ci_pkid_verification);
  EXPECT_TRUE(info2.rsp_capability.has(RspCapability::AdditionalProfile));

  const auto rat = es10().get_rat();
  ASSERT_EQ(rat.size(), 1u);
  EXPECT_TRUE(rat[0].ppr_ids.has(Ppr::Ppr1DisableNotAllowed));
  ASSERT_EQ(rat[0].allowed_operators.size(), 1u);
  EXPECT_EQ(rat[0].allowed_operators[0].mcc_mnc, "23401");
  EXPECT_TRUE(rat[0].consent_required);
}

// ---- profiles ------------------------------------------------------------------------------

TEST_F(Es10Management, ProfilesInfoWithAndWithoutFilter) {
  start_card();
  const auto all = es10().get_profiles_info();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].iccid, kHome);  // 18/19/20 digits all survive the round trip
  EXPECT_EQ(all[1].iccid, kTravel);
  EXPECT_EQ(all[2].iccid, kLab);
  EXPECT_EQ(all[0].state, ProfileState::Enabled);
  EXPECT_EQ(all[1].state, ProfileState::Disabled);
  EXPECT_EQ(all[0].nickname, "Home");
  EXPECT_EQ(all[1].service_provider_name, "Roam Anywhere");
  EXPECT_EQ(all[2].profile_name, "Conformance test");
  EXPECT_EQ(all[2].profile_class, ProfileClass::Test);
  ASSERT_TRUE(all[0].profile_owner);
  EXPECT_EQ(all[0].profile_owner->mcc_mnc, "23401");
  ASSERT_EQ(all[0].notification_configuration.size(), 3u);
  EXPECT_EQ(all[0].notification_configuration[0].address, kNotifyAddress);
  for (const auto& p : all) {
    EXPECT_EQ(to_hex(p.isdp_aid), state_profile(p.iccid)["isdp_aid"]) << p.iccid;
  }

  for (const auto& p : all) {  // by ICCID, each length
    const auto one = es10().get_profiles_info(ProfileIdentifier::from_iccid(p.iccid));
    ASSERT_EQ(one.size(), 1u) << p.iccid;
    EXPECT_EQ(one[0].iccid, p.iccid);
  }
  const auto by_aid = es10().get_profiles_info(ProfileIdentifier::from_isdp_aid(all[1].isdp_aid));
  ASSERT_EQ(by_aid.size(), 1u);
  EXPECT_EQ(by_aid[0].iccid, kTravel);
  const auto tests = es10().get_profiles_info(ProfileClass::Test);
  ASSERT_EQ(tests.size(), 1u);
  EXPECT_EQ(tests[0].iccid, kLab);
  EXPECT_EQ(es10().get_profiles_info(ProfileClass::Operational).size(), 2u);
  EXPECT_TRUE(es10().get_profiles_info(ProfileIdentifier::from_iccid(kUnknown)).empty());
}

TEST_F(Es10Management, EnableAndDisableByIccidAndByAid) {
  start_card();
  // Enabling another profile disables the enabled one (one enabled profile at a time).
  es10().enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/false);
  EXPECT_EQ(card_state(kTravel), ProfileState::Enabled);
  EXPECT_EQ(card_state(kHome), ProfileState::Disabled);
  EXPECT_EQ(state_profile(kTravel)["state"], "enabled");
  EXPECT_EQ(state_profile(kHome)["state"], "disabled");

  const Bytes travel_aid = card_profile(kTravel)->isdp_aid;
  es10().disable_profile(ProfileIdentifier::from_isdp_aid(travel_aid), /*refresh=*/false);
  EXPECT_EQ(card_state(kTravel), ProfileState::Disabled);
  EXPECT_EQ(state_profile(kTravel)["state"], "disabled");

  const Bytes lab_aid = card_profile(kLab)->isdp_aid;
  es10().enable_profile(ProfileIdentifier::from_isdp_aid(lab_aid), /*refresh=*/true);
  EXPECT_EQ(card_state(kLab), ProfileState::Enabled);
  EXPECT_FALSE(channel_->proactive_pending()) << "without --proactive-refresh the card says 9000";
  es10().disable_profile(ProfileIdentifier::from_iccid(kLab), /*refresh=*/true);
  EXPECT_EQ(card_state(kLab), ProfileState::Disabled);
  const json state = state_file();
  for (const auto& p : state["profiles"]) EXPECT_EQ(p["state"], "disabled") << p["iccid"];

  // Each change queued its notification, in order: disable home, enable travel, disable travel,
  // enable lab, disable lab.
  const auto list = es10().list_notifications();
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0].operation, NotificationEvent::Disable);
  EXPECT_EQ(list[0].iccid, kHome);
  EXPECT_EQ(list[1].operation, NotificationEvent::Enable);
  EXPECT_EQ(list[1].iccid, kTravel);
  EXPECT_EQ(list[4].iccid, kLab);
  EXPECT_EQ(state_file()["notifications"].size(), 5u);
}

TEST_F(Es10Management, RefreshFlagGivesProactiveRefresh) {
  start_card({"--proactive-refresh"});
  es10().enable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/true);
  // The card answered 91xx: a REFRESH waits for the terminal (the modem fetches it).
  EXPECT_TRUE(channel_->proactive_pending());
  EXPECT_EQ(state_profile(kTravel)["state"], "enabled");
  channel_->clear_proactive_pending();
  es10().disable_profile(ProfileIdentifier::from_iccid(kTravel), /*refresh=*/false);
  EXPECT_FALSE(channel_->proactive_pending());
  EXPECT_EQ(card_state(kTravel), ProfileState::Disabled);
}

TEST_F(Es10Management, NamedErrorsForWrongStateAndUnknownProfiles) {
  start_card();
  const auto before = state_file();
  EXPECT_EQ(error_of([&] { es10().enable_profile(ProfileIdentifier::from_iccid(kHome), false); }),
            Errc::WrongState);
  EXPECT_EQ(
      error_of([&] { es10().disable_profile(ProfileIdentifier::from_iccid(kTravel), false); }),
      Errc::WrongState);
  EXPECT_EQ(error_of([&] { es10().delete_profile(ProfileIdentifier::from_iccid(kHome)); }),
            Errc::WrongState);
  EXPECT_EQ(
      error_of([&] { es10().enable_profile(ProfileIdentifier::from_iccid(kUnknown), false); }),
      Errc::NotFound);
  EXPECT_EQ(error_of([&] { es10().delete_profile(ProfileIdentifier::from_iccid(kUnknown)); }),
            Errc::NotFound);
  EXPECT_EQ(error_of([&] {
              es10().disable_profile(
                  ProfileIdentifier::from_isdp_aid(from_hex("A0000005591010FFFFFFFF8900009900")),
                  false);
            }),
            Errc::NotFound);
  EXPECT_EQ(error_of([&] { es10().set_nickname(kUnknown, "x"); }), Errc::NotFound);
  EXPECT_EQ(error_of([&] { es10().remove_notification(4711); }), Errc::NotFound);
  EXPECT_EQ(error_of([&] { es10().retrieve_notifications(4711); }), Errc::NotFound);
  // Bad input never reaches the card.
  EXPECT_EQ(error_of([] { ProfileIdentifier::from_iccid("12345"); }), Errc::InvalidArgument);
  // Nothing changed.
  EXPECT_EQ(state_file(), before);
  EXPECT_EQ(card_state(kHome), ProfileState::Enabled);
  EXPECT_EQ(es10().get_profiles_info().size(), 3u);
}

TEST_F(Es10Management, DeleteAndNickname) {
  start_card();
  es10().set_nickname(kTravel, "Trips ✈");  // UTF-8 on the card and back
  es10().set_nickname(kLab, "Lab");
  EXPECT_EQ(card_profile(kTravel)->nickname, "Trips ✈");
  EXPECT_EQ(card_profile(kLab)->nickname, "Lab");
  EXPECT_EQ(state_profile(kTravel)["nickname"], "Trips ✈");
  es10().set_nickname(kHome, "");
  EXPECT_EQ(card_profile(kHome)->nickname, "");

  const uint64_t free_before = *es10().get_euicc_info2().ext_card_resource.free_nvm;
  es10().delete_profile(ProfileIdentifier::from_iccid(kTravel));
  EXPECT_FALSE(card_profile(kTravel));
  EXPECT_TRUE(state_profile(kTravel).is_null());
  EXPECT_EQ(*es10().get_euicc_info2().ext_card_resource.free_nvm, free_before + kTravelSize);
  const Bytes lab_aid = card_profile(kLab)->isdp_aid;
  es10().delete_profile(ProfileIdentifier::from_isdp_aid(lab_aid));
  const auto left = es10().get_profiles_info();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].iccid, kHome);
  EXPECT_EQ(state_file()["profiles"].size(), 1u);

  const auto deletes = es10().list_notifications(NotificationEvent::Delete);
  ASSERT_EQ(deletes.size(), 2u);
  EXPECT_EQ(deletes[0].iccid, kTravel);
  EXPECT_EQ(deletes[1].iccid, kLab);
}

// ---- notifications -------------------------------------------------------------------------

TEST_F(Es10Management, ListRetrieveAndRemoveNotifications) {
  start_card();
  EXPECT_TRUE(es10().list_notifications().empty());
  es10().enable_profile(ProfileIdentifier::from_iccid(kTravel), false);  // disable + enable
  const auto all = es10().list_notifications();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].seq_number, all[1].seq_number);
  EXPECT_EQ(all[0].address, kNotifyAddress);
  const auto enables = es10().list_notifications(NotificationEvent::Enable);
  ASSERT_EQ(enables.size(), 1u);
  EXPECT_EQ(enables[0], all[1]);
  EXPECT_TRUE(es10().list_notifications(NotificationEvent::Install).empty());

  const auto pending = es10().retrieve_notifications();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].metadata, all[0]);
  ASSERT_FALSE(pending[0].der.empty());
  EXPECT_EQ(pending[0].der[0], 0x30) << "an OtherSignedNotification";
  const auto one = es10().retrieve_notifications(all[1].seq_number);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].metadata, all[1]);

  es10().remove_notification(all[0].seq_number);
  const auto rest = es10().list_notifications();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0], all[1]);
  ASSERT_EQ(state_file()["notifications"].size(), 1u);
  EXPECT_EQ(state_file()["notifications"][0]["seq"], all[1].seq_number);
  EXPECT_EQ(error_of([&] { es10().remove_notification(all[0].seq_number); }), Errc::NotFound);
}

// ---- addresses and memory reset ------------------------------------------------------------

TEST_F(Es10Management, ConfiguredAddressesAndDefaultDp) {
  start_card();
  auto addresses = es10().get_configured_addresses();
  EXPECT_EQ(addresses.default_dp_address, "smdp.example.com");
  EXPECT_EQ(addresses.root_ds_address, "lpa.ds.example.com");

  es10().set_default_dp_address("testsmdpplus1.example.com:8443");
  addresses = es10().get_configured_addresses();
  EXPECT_EQ(addresses.default_dp_address, "testsmdpplus1.example.com:8443");
  EXPECT_EQ(state_file()["default_dp_address"], "testsmdpplus1.example.com:8443");

  es10().set_default_dp_address("");
  EXPECT_FALSE(es10().get_configured_addresses().default_dp_address);
  EXPECT_FALSE(state_file().contains("default_dp_address"));
  EXPECT_EQ(es10().get_configured_addresses().root_ds_address, "lpa.ds.example.com");
}

TEST_F(Es10Management, MemoryReset) {
  start_card();
  MemoryResetOptions test_only;
  test_only.delete_field_loaded_test_profiles = true;
  es10().memory_reset(test_only);
  EXPECT_FALSE(card_profile(kLab));
  EXPECT_EQ(es10().get_profiles_info().size(), 2u);
  EXPECT_EQ(es10().get_configured_addresses().default_dp_address, "smdp.example.com");

  MemoryResetOptions operational_and_dp;
  operational_and_dp.delete_operational_profiles = true;
  operational_and_dp.reset_default_smdp_address = true;
  es10().memory_reset(operational_and_dp);
  EXPECT_TRUE(es10().get_profiles_info().empty());
  EXPECT_FALSE(es10().get_configured_addresses().default_dp_address);
  EXPECT_TRUE(state_file()["profiles"].empty());
  EXPECT_FALSE(state_file().contains("default_dp_address"));
  EXPECT_EQ(*es10().get_euicc_info2().ext_card_resource.free_nvm, kNvmBytes);

  // Nothing left to delete is a named error.
  EXPECT_EQ(error_of([&] { es10().memory_reset(operational_and_dp); }), Errc::NotFound);
}

// ---- faults through the real stack ---------------------------------------------------------

// APDUs of the first GetEID on a fresh card: MANAGE CHANNEL, SELECT ISD-R, STORE DATA (T=1:
// the answer comes inline).
constexpr uint64_t kFirstGetEidApdus = 3;

TEST_F(Es10Management, CardRemovedMidOperationThenReconnects) {
  // APDU 5 (the STORE DATA of the third GetEID) finds the card gone; it comes back 500 ms
  // later as a new insertion.
  start_card({"--remove-at", std::to_string(kFirstGetEidApdus + 2), "--remove-for-ms", "500"});
  EXPECT_EQ(es10().get_eid(), kEid);
  ASSERT_EQ(es10_channel_->stats().apdus, kFirstGetEidApdus) << "APDU numbering assumption";
  EXPECT_EQ(es10().get_eid(), kEid);  // APDU 4

  try {
    es10().get_eid();  // APDU 5: the card is pulled instead of answering
    FAIL() << "a command to a removed card succeeded";
  } catch (const Error& e) {
    std::printf("  removal: %s: %s\n", errc_name(e.code()), e.what());
    EXPECT_EQ(e.code(), Errc::CardRemoved) << e.what();
  }
  // While the card is out, calls fail the same way and nothing hangs.
  EXPECT_EQ(error_of([&] { es10().get_eid(); }), Errc::CardRemoved);
  // veuicc comes back (a new connection to vpcd = a new card, freshly reset). Calls on the same
  // stack keep saying CardRemoved until then, and the first one after re-attaches, opens a new
  // logical channel and works; no reconnect by hand.
  std::optional<std::string> eid;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  int failures = 0;
  while (!eid) {
    try {
      eid = es10().get_eid();
    } catch (const Error& e) {
      // CardRemoved while pcscd still holds the old card, NoReader once it noticed the slot empty.
      ASSERT_TRUE(e.code() == Errc::CardRemoved || e.code() == Errc::NoReader)
          << errc_name(e.code()) << ": " << e.what();
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the card did not come back";
      ++failures;
      std::this_thread::sleep_for(50ms);
    }
  }
  std::printf("  back after %d more failed calls\n", failures);
  EXPECT_EQ(eid, kEid);
  EXPECT_EQ(es10().get_profiles_info().size(), 3u);
}

TEST_F(Es10Management, WrongStatusWordAndGarbageAreNamedErrors) {
  // APDU 4 answers 6F00 (no diagnosis), APDU 5 a broken TLV.
  start_card({"--sw-at", std::to_string(kFirstGetEidApdus + 1) + "=6F00", "--garbage-at",
              std::to_string(kFirstGetEidApdus + 2)});
  EXPECT_EQ(es10().get_eid(), kEid);
  EXPECT_EQ(error_of([&] { es10().get_profiles_info(); }), Errc::CardError);
  EXPECT_EQ(error_of([&] { es10().get_profiles_info(); }), Errc::Malformed);
  // The channel is still usable afterwards.
  EXPECT_EQ(es10().get_profiles_info().size(), 3u);
  EXPECT_EQ(es10().get_eid(), kEid);
}

TEST_F(Es10Management, SlowCardStillWorks) {
  constexpr int kLatencyMs = 40;
  start_card({"--latency-ms", std::to_string(kLatencyMs)});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(es10().get_profiles_info().size(), 3u);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const uint64_t apdus = es10_channel_->stats().apdus;
  std::printf("  %llu APDUs in %lld ms with %d ms latency each\n",
              static_cast<unsigned long long>(apdus), static_cast<long long>(elapsed.count()),
              kLatencyMs);
  EXPECT_GE(elapsed.count(), static_cast<long long>(apdus) * kLatencyMs);
  es10().enable_profile(ProfileIdentifier::from_iccid(kTravel), false);
  EXPECT_EQ(state_profile(kTravel)["state"], "enabled");
}

}  // namespace
