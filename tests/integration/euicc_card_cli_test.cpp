// The euicc-card binary against the virtual eUICC through the real pcscd + vpcd: what a person
// or a script sees (JSON output, exit status, messages). Runs inside pcsc-sandbox.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apdu/pcsc_reader.h"
#include "tests/support/subprocess.h"

using namespace std::chrono_literals;
using euiccd::testing::Subprocess;
using euiccd::testing::TempDir;
using nlohmann::json;

namespace {

constexpr char kHome[] = "8944476500001224158";     // enabled in the seed
constexpr char kTravel[] = "89012600000000000013";  // disabled
constexpr char kLab[] = "891000000000000004";       // disabled, test
constexpr char kCli[] = EUICCD_BINARY_DIR "/tools/euicc-card";

// Exit statuses from euicc-card --help.
constexpr int kUsage = 2;
constexpr int kNotFound = 17;
constexpr int kWrongState = 18;

json seed() {
  const json events = json::array({{{"event", "enable"}, {"address", "smdp.example.com"}},
                                   {{"event", "disable"}, {"address", "smdp.example.com"}}});
  return {{"profiles",
           {{{"iccid", kHome},
             {"state", "enabled"},
             {"nickname", "Home"},
             {"service_provider_name", "Veuicc Mobile"},
             {"profile_name", "Home plan"},
             {"profile_class", "operational"},
             {"notification_configuration", events}},
            {{"iccid", kTravel},
             {"service_provider_name", "Roam Anywhere"},
             {"profile_name", "Travel data"},
             {"profile_class", "operational"},
             {"notification_configuration", events}},
            {{"iccid", kLab},
             {"service_provider_name", "Test Lab"},
             {"profile_name", "Conformance test"},
             {"profile_class", "test"}}}}};
}

struct CliRun {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void wait_until_card_absent() {
  euiccd::apdu::PcscContext context;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  context.wait_for_change(0ms);
  for (;;) {
    bool present = false;
    for (const auto& r : context.reader_status()) present |= r.card_present;
    if (!present) return;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the previous card stayed present";
    context.wait_for_change(100ms);
  }
}

class EuiccCardCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("VPCD_PORT")) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
    wait_until_card_absent();  // the previous test's card must be gone before ours comes
    std::string out;
    ASSERT_EQ(
        euiccd::testing::run_command(
            {"/bin/sh", EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh", dir_.path()}, &out, 60s),
        0)
        << out;
    std::ofstream(dir_.file("seed.json")) << seed().dump();
    veuicc_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/veuicc/veuicc", "--state",
                                 dir_.file("state.json"), "--seed", dir_.file("seed.json"),
                                 "--euicc-cert", dir_.file("euicc.pem"), "--euicc-key",
                                 dir_.file("euicc.key"), "--eum-cert", dir_.file("eum.pem"),
                                 "--ci-cert", dir_.file("ci.pem")},
        dir_.file("veuicc.log"));
  }

  void TearDown() override {
    if (veuicc_) veuicc_->stop(SIGTERM);
    if (HasFailure())
      std::printf("--- veuicc log ---\n%s", read_file(dir_.file("veuicc.log")).c_str());
  }

  // euicc-card with `args`; stdout and stderr kept apart. --wait covers veuicc's start.
  CliRun card(const std::vector<std::string>& args) {
    std::string command = "exec " + shell_quote(kCli) + " --wait 10";
    for (const auto& a : args) command += " " + shell_quote(a);
    command += " 2>" + shell_quote(dir_.file("stderr"));
    CliRun run;
    run.status = euiccd::testing::run_command({"/bin/sh", "-c", command}, &run.out, 30s);
    run.err = read_file(dir_.file("stderr"));
    std::string shown;
    for (const auto& a : args) shown += " " + a;
    std::printf("$ euicc-card%s → %d\n%s", shown.c_str(), run.status, run.err.c_str());
    return run;
  }

  json list() {
    const CliRun run = card({"list", "--json"});
    EXPECT_EQ(run.status, 0) << run.err;
    return json::parse(run.out);
  }

  static std::optional<json> profile(const json& list, const std::string& iccid) {
    for (const auto& p : list["profiles"]) {
      if (p["iccid"] == iccid) return p;
    }
    return std::nullopt;
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> veuicc_;
};

TEST_F(EuiccCardCli, ListJsonShowsTheSeedProfiles) {
  const json profiles = list();
  ASSERT_EQ(profiles["profiles"].size(), 3u);
  const auto home = profile(profiles, kHome);
  ASSERT_TRUE(home);
  EXPECT_EQ((*home)["state"], "enabled");
  EXPECT_EQ((*home)["nickname"], "Home");
  EXPECT_EQ((*home)["serviceProviderName"], "Veuicc Mobile");
  EXPECT_EQ((*home)["profileClass"], "operational");
  EXPECT_EQ((*home)["isdpAid"].get<std::string>().size(), 32u);
  ASSERT_TRUE(profile(profiles, kTravel));
  EXPECT_EQ((*profile(profiles, kTravel))["state"], "disabled");
  ASSERT_TRUE(profile(profiles, kLab));
  EXPECT_EQ((*profile(profiles, kLab))["profileClass"], "test");

  // The table for people names every profile too.
  const CliRun table = card({"list"});
  ASSERT_EQ(table.status, 0);
  for (const char* iccid : {kHome, kTravel, kLab}) {
    EXPECT_NE(table.out.find(iccid), std::string::npos) << iccid;
  }
  EXPECT_NE(table.out.find("Roam Anywhere"), std::string::npos);
}

TEST_F(EuiccCardCli, EnableThenListShowsItEnabled) {
  const CliRun enable = card({"enable", kTravel});
  ASSERT_EQ(enable.status, 0) << enable.err;
  const json after = list();
  EXPECT_EQ((*profile(after, kTravel))["state"], "enabled");
  EXPECT_EQ((*profile(after, kHome))["state"], "disabled");

  // The card queued the operator's notifications: disable of the old one, enable of the new.
  const CliRun notifications = card({"notifications", "list", "--json"});
  ASSERT_EQ(notifications.status, 0);
  const json n = json::parse(notifications.out)["notifications"];
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0]["event"], "disable");
  EXPECT_EQ(n[0]["iccid"], kHome);
  EXPECT_EQ(n[1]["event"], "enable");
  EXPECT_EQ(n[1]["iccid"], kTravel);

  const CliRun nickname = card({"nickname", kTravel, "Trips"});
  ASSERT_EQ(nickname.status, 0);
  EXPECT_EQ((*profile(list(), kTravel))["nickname"], "Trips");
}

TEST_F(EuiccCardCli, ErrorsExitNonzeroWithAMessage) {
  // A well-formed ICCID the card does not have.
  const CliRun unknown = card({"enable", "8999000000000000009"});
  EXPECT_EQ(unknown.status, kNotFound);
  EXPECT_NE(unknown.err.find("8999000000000000009"), std::string::npos) << unknown.err;
  EXPECT_TRUE(unknown.out.empty());

  // Not an ICCID at all: a usage error, the card is not asked.
  const CliRun garbage = card({"enable", "12345"});
  EXPECT_EQ(garbage.status, kUsage);
  EXPECT_NE(garbage.err.find("12345"), std::string::npos) << garbage.err;

  // The enabled profile cannot be enabled again, nor deleted.
  EXPECT_EQ(card({"enable", kHome}).status, kWrongState);
  const CliRun del = card({"delete", kHome, "--json"});
  EXPECT_EQ(del.status, kWrongState);
  const json error = json::parse(del.out);  // --json: the error as a document too
  EXPECT_EQ(error["error"]["code"], "WrongState");
  EXPECT_FALSE(error["error"]["message"].get<std::string>().empty());

  EXPECT_EQ(card({"frobnicate"}).status, kUsage);
  EXPECT_EQ(card({"list", "--refresh"}).status, kUsage);
  EXPECT_EQ(card({"--wait", "0", "--reader", "no such reader", "eid"}).status, 12);  // NoReader

  // Nothing changed on the card.
  EXPECT_EQ((*profile(list(), kHome))["state"], "enabled");
}

}  // namespace
