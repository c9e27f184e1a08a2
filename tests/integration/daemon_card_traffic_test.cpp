// What each change through the daemon costs on the card, counted by the card itself (veuicc's
// APDU log, --verbose), and whether the daemon's cache stays right while it re-reads only what
// a change can alter (daemon/card_changes.h):
//
// - Enable, Disable, Delete and SetNickname reply after at most their own APDUs + 2, with
//   [Notifications] AutoProcess= on and off.
// - After the reply only notification delivery follows: one RetrieveNotificationsList (with
//   the GET RESPONSEs its size needs) and one removal per notification; nothing is re-read.
//   A change that queues no notification costs at most 6 APDUs in all.
// - After every change the properties equal those of a full fresh read (Refresh), which
//   matters more than the count.
// - ProcessNotifications with nothing pending: at most 2 APDUs.
// - Enable/Disable behind a PC/SC reader leave no proactive command pending: the card
//   (--proactive-refresh) never answers 91xx.
// - AutoProcess=no holds for downloads: the install notification stays on the card until
//   ProcessNotifications.
//
// Real peers: veuicc behind the sandbox's pcscd, the Python test SM-DP+, euiccd
// (tests/support/daemon_rig.h). Runs inside tests/integration/pcsc-sandbox.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace smdpp_test = euiccd::smdpp_test;

namespace {

constexpr char kHome[] = "8944476500001224158";     // enabled
constexpr char kTravel[] = "89012600000000000013";  // disabled
constexpr char kLab[] = "891000000000000004";       // disabled, test class
constexpr char kDownloaded[] = "8944000000000000066";

SharedSmdp& smdp() {
  static SharedSmdp s([] {
    json o = smdpp_test::order("TRAFFIC", kDownloaded, 3000);
    o["reusable"] = true;
    return json::array({o});
  }());
  return s;
}

int notification_requests() {
  return smdp().server->state()["requestCounts"].value("handleNotification", 0);
}

// Three profiles; with `notifying`, each tells the test SM-DP+ of its enable, disable and
// delete (an OtherSignedNotification with the eUICC's and the EUM's certificates: ~1.2 kB,
// five APDUs to read).
std::string seed(bool notifying) {
  json events = json::array();
  if (notifying)
    for (const char* event : {"enable", "disable", "delete"})
      events.push_back({{"event", event}, {"address", smdp().server->address()}});
  json profiles = json::array();
  auto profile = [&](const char* iccid, const char* state, const char* profile_class, int size) {
    json p = {{"iccid", iccid},
              {"state", state},
              {"service_provider_name", "Veuicc Mobile"},
              {"profile_name", std::string("Plan ") + iccid},
              {"profile_class", profile_class},
              {"size", size}};
    if (notifying) p["notification_configuration"] = events;
    profiles.push_back(p);
  };
  profile(kHome, "enabled", "operational", 120000);
  profile(kTravel, "disabled", "operational", 80000);
  profile(kLab, "disabled", "test", 20000);
  return json{{"default_dp_address", "smdp.example.com"},
              {"root_ds_address", "lpa.ds.example.com"},
              {"memory", {{"nvm_bytes", 1048576}, {"free_ram_bytes", 65536}}},
              {"profiles", profiles}}
      .dump();
}

// ---- veuicc's APDU log ----------------------------------------------------------------------

// One command and its answer ("veuicc: #12 > 81E29100..." / "veuicc: #12 < BF2D...9000").
struct Exchange {
  std::string command;
  std::string response;

  // The ES10 function a STORE DATA carries ("BF31"); "" for other commands (GET RESPONSE,
  // MANAGE CHANNEL, SELECT) and for the later blocks of a long request.
  std::string es10_tag() const {
    if (command.size() < 14 || command.substr(2, 2) != "E2") return "";
    const std::string tag = command.substr(10, 4);
    return tag.rfind("BF", 0) == 0 ? tag : "";
  }
  std::string sw() const {
    return response.size() >= 4 ? response.substr(response.size() - 4) : "";
  }
};

std::vector<Exchange> exchanges(const DaemonRig& rig) {
  std::vector<Exchange> out;
  std::istringstream in(rig.card_log());
  const std::string prefix = "veuicc: #";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const size_t space = line.find(' ', prefix.size());
    if (space == std::string::npos || space + 3 > line.size()) continue;
    const std::string hex = line.substr(space + 3);
    if (line[space + 1] == '>') out.push_back({hex, ""});
    if (line[space + 1] == '<' && !out.empty()) out.back().response = hex;
  }
  return out;
}

// Which ES10 functions, in order ("BF31 BF28"), GET RESPONSEs left out.
std::string functions(const std::vector<Exchange>& list) {
  std::string out;
  for (const auto& e : list)
    if (!e.es10_tag().empty()) out += (out.empty() ? "" : " ") + e.es10_tag();
  return out;
}

// The card has answered nothing new for a while: the daemon is done with it.
void wait_until_quiet(const DaemonRig& rig) {
  size_t seen = exchanges(rig).size();
  auto quiet_since = std::chrono::steady_clock::now();
  const auto deadline = quiet_since + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    const size_t now = exchanges(rig).size();
    if (now != seen) {
      seen = now;
      quiet_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - quiet_since > 700ms) {
      return;
    }
  }
}

// What one call cost on the card.
struct Traffic {
  std::vector<Exchange> all;  // from the call until the card was quiet
  size_t own = 0;             // the change's own command, GET RESPONSEs included
  size_t to_reply = 0;        // before the reply: all but the delivery that follows it

  std::string describe() const {
    std::ostringstream s;
    s << all.size() << " APDUs (" << functions(all) << "), own " << own << ", to the reply "
      << to_reply;
    return s.str();
  }
};

// Calls, then waits until the card is quiet. The automatic delivery is queued only after the
// reply, and starts with RetrieveNotificationsList (BF2B): what comes before it is what the
// reply waited for (with AutoProcess=no nothing follows the reply at all).
// `delivering`: AutoProcess is on and the SM-DP+ takes everything, so the card is done only
// once nothing is pending (a TLS handshake between two APDUs may outlast the quiet wait).
Traffic measure(DaemonRig& rig, const std::function<BusReply()>& call, bool delivering) {
  const size_t before = exchanges(rig).size();
  const BusReply reply = call();
  EXPECT_TRUE(reply.ok()) << reply.error_name() << ": " << reply.error_message() << rig.logs();
  if (delivering) {
    EXPECT_TRUE(rig.wait_notifications_sent()) << rig.logs();
  }
  wait_until_quiet(rig);
  std::vector<Exchange> all = exchanges(rig);
  Traffic t;
  t.all.assign(all.begin() + static_cast<std::ptrdiff_t>(before), all.end());
  if (!t.all.empty()) t.own = 1;
  while (t.own < t.all.size() && t.all[t.own].es10_tag().empty()) ++t.own;
  t.to_reply = t.all.size();
  for (size_t i = 1; i < t.all.size(); ++i)
    if (t.all[i].es10_tag() == "BF2B") {
      t.to_reply = i;
      break;
    }
  return t;
}

// ---- the daemon's view --------------------------------------------------------------------

// Every property the daemon serves from its cache, as one text.
std::string cached_view(DaemonRig& rig) {
  const std::string euicc = DaemonRig::euicc_path();
  std::ostringstream s;
  s << "enabled " << rig.get_path(euicc, kEuiccIface, "EnabledProfile") << "\nfree "
    << rig.get<uint64_t>(euicc, kEuiccIface, "FreeNonVolatileMemory", 't') << "\nsvn "
    << rig.get_string(euicc, kEuiccIface, "SvnVersion") << "\nsmdp "
    << rig.get_string(euicc, kEuiccIface, "DefaultSmdpAddress") << "\nsmds "
    << rig.get_string(euicc, kEuiccIface, "RootSmdsAddress") << "\npending "
    << rig.get<uint32_t>(euicc, kEuiccIface, "PendingNotifications", 'u') << "\n";
  for (const std::string& path : rig.get_paths(euicc, kEuiccIface, "Profiles")) {
    s << path;
    for (const char* name : {"Iccid", "IsdpAid", "State", "Nickname", "ServiceProviderName",
                             "ProfileName", "ProfileClass", "OwnerMccMnc"})
      s << " " << name << "=" << rig.get_string(path, kProfileIface, name);
    s << "\n";
  }
  return s.str();
}

// The cache equals what a full read of the card gives (Refresh re-reads everything).
void expect_cache_is_fresh(DaemonRig& rig, const std::string& after) {
  const std::string cached = cached_view(rig);
  const BusReply r = rig.call(DaemonRig::euicc_path(), kEuiccIface, "Refresh");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(cached, cached_view(rig)) << "after " << after << rig.logs();
  wait_until_quiet(rig);
}

uint32_t pending(DaemonRig& rig) {
  return rig.get<uint32_t>(DaemonRig::euicc_path(), kEuiccIface, "PendingNotifications", 'u');
}

size_t card_notifications(const DaemonRig& rig) {
  return rig.card_state().value("notifications", json::array()).size();
}

class DaemonCardTraffic : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    smdp().server->reset();
  }

  // T=1 pinned: the counts below are those of T=1, where a response comes with its command
  // (T=0 adds a GET RESPONSE to each).
  void start(bool notifying, const std::string& config,
             const std::vector<std::string>& card_args = {}) {
    std::vector<std::string> args = {"--verbose", "--protocol", "t1"};
    args.insert(args.end(), card_args.begin(), card_args.end());
    rig_.emplace(RigOptions{.card_seed = seed(notifying),
                            .card_args = args,
                            .daemon_config = config,
                            .smdp = smdp().server.get()});
    rig_->allow_all();
    delivering_ = config.find("AutoProcess=no") == std::string::npos;
    if (delivering_) {
      EXPECT_TRUE(rig_->wait_notifications_sent()) << rig_->logs();
    }
    wait_until_quiet(*rig_);
  }
  DaemonRig& rig() { return *rig_; }

  Traffic profile_call(const char* iccid, const char* member, const char* nickname = nullptr) {
    return measure(
        rig(),
        [&] {
          const std::string path = DaemonRig::profile_path(iccid);
          return nickname ? rig().call(path, kProfileIface, member, "s", nickname)
                          : rig().call(path, kProfileIface, member);
        },
        delivering_);
  }

  // The changes of the tests below, each checked for its reply bound and the cache; returns
  // what each cost.
  std::vector<Traffic> run_changes() {
    std::vector<Traffic> out;
    struct Step {
      const char* what;
      const char* iccid;
      const char* member;
      const char* nickname;
      const char* function;  // its ES10 command
    };
    const Step steps[] = {{"enable", kTravel, "Enable", nullptr, "BF31"},
                          {"nickname", kHome, "SetNickname", "Home again", "BF29"},
                          {"disable", kTravel, "Disable", nullptr, "BF32"},
                          {"delete", kLab, "Delete", nullptr, "BF33"}};
    for (const Step& step : steps) {
      const Traffic t = profile_call(step.iccid, step.member, step.nickname);
      SCOPED_TRACE(std::string(step.what) + ": " + t.describe());
      EXPECT_FALSE(t.all.empty());
      EXPECT_EQ(t.all.empty() ? "" : t.all.front().es10_tag(), step.function);
      EXPECT_LE(t.to_reply, t.own + 2);
      std::printf("  %-8s %s\n", step.what, t.describe().c_str());
      expect_cache_is_fresh(rig(), step.what);
      EXPECT_EQ(pending(rig()), card_notifications(rig()));
      out.push_back(t);
    }
    return out;
  }

  std::optional<DaemonRig> rig_;
  bool delivering_ = false;
};

// After the reply: only the delivery, at its physical minimum (one RetrieveNotificationsList
// and its GET RESPONSEs, one removal per notification).
void expect_only_delivery_after_reply(const Traffic& t) {
  size_t removals = 0;
  for (size_t i = t.to_reply; i < t.all.size(); ++i) {
    const std::string tag = t.all[i].es10_tag();
    if (i == t.to_reply) {
      EXPECT_EQ(tag, "BF2B");
    } else if (tag == "BF30") {
      ++removals;
    } else {
      EXPECT_EQ(tag, "") << "a re-read after the delivery? " << t.describe();
    }
  }
  if (t.to_reply == t.all.size()) return;  // nothing was delivered
  // Removals come last, one exchange each; the rest is the list in 256-byte answers.
  size_t list_bytes = 0;
  for (size_t i = t.to_reply; i < t.all.size() - removals; ++i)
    list_bytes += (t.all[i].response.size() - 4) / 2;
  EXPECT_EQ(t.all.size() - removals - t.to_reply, (list_bytes + 255) / 256) << t.describe();
  EXPECT_GE(removals, 1U) << t.describe();
}

TEST_F(DaemonCardTraffic, ChangesWithAutoProcessOff) {
  start(true, "[Notifications]\nAutoProcess=no\n");
  std::printf("AutoProcess=no, profiles with notifications:\n");
  const std::vector<Traffic> changes = run_changes();
  for (const Traffic& t : changes) EXPECT_EQ(t.to_reply, t.all.size()) << t.describe();
  // Enable (Home's disable and Travel's enable), disable, delete: still on the card.
  EXPECT_EQ(pending(rig()), 4U);
  EXPECT_EQ(notification_requests(), 0);

  // ProcessNotifications sends them, and the count comes down without a re-read.
  uint32_t sent = 0;
  const Traffic process = measure(
      rig(),
      [&] {
        BusReply r = rig().call(DaemonRig::euicc_path(), kEuiccIface, "ProcessNotifications");
        if (r.ok()) sent = r.read_u32();
        return r;
      },
      false);
  std::printf("  process  %s\n", process.describe().c_str());
  EXPECT_EQ(sent, 4U);
  EXPECT_EQ(pending(rig()), 0U);
  EXPECT_EQ(card_notifications(rig()), 0U);
  Traffic delivery = process;
  delivery.to_reply = 0;
  expect_only_delivery_after_reply(delivery);
  expect_cache_is_fresh(rig(), "process notifications");

  // Nothing pending: one RetrieveNotificationsList says so.
  const Traffic nothing = measure(
      rig(),
      [&] {
        BusReply r = rig().call(DaemonRig::euicc_path(), kEuiccIface, "ProcessNotifications");
        if (r.ok()) {
          EXPECT_EQ(r.read_u32(), 0U);
        }
        return r;
      },
      false);
  std::printf("  process (none pending) %s\n", nothing.describe().c_str());
  EXPECT_LE(nothing.all.size(), 2U) << nothing.describe();
}

TEST_F(DaemonCardTraffic, ChangesWithAutoProcessOn) {
  start(true, "");
  std::printf("AutoProcess=yes, profiles with notifications:\n");
  const std::vector<Traffic> changes = run_changes();
  for (const Traffic& t : changes) expect_only_delivery_after_reply(t);
  EXPECT_EQ(pending(rig()), 0U);
  EXPECT_EQ(card_notifications(rig()), 0U);
  EXPECT_EQ(notification_requests(), 4);
  EXPECT_EQ(rig().lost_notifications(), std::vector<long>{});
}

// A change that queues no notification: at most 6 APDUs in all, AutoProcess on or off.
TEST_F(DaemonCardTraffic, QuietChangesStayWithinSixApdus) {
  for (const char* config : {"", "[Notifications]\nAutoProcess=no\n"}) {
    SCOPED_TRACE(config);
    start(false, config);
    std::printf("%s, profiles without notifications:\n",
                *config ? "AutoProcess=no" : "AutoProcess=yes");
    for (const Traffic& t : run_changes()) EXPECT_LE(t.all.size(), 6U) << t.describe();
    EXPECT_EQ(pending(rig()), 0U);
  }
}

// Behind a PC/SC reader Enable and Disable go without the refresh flag: a card that would ask
// for a REFRESH (--proactive-refresh) never has a proactive command waiting, so no command is
// answered 91xx.
TEST_F(DaemonCardTraffic, NoProactiveCommandLeftPending) {
  start(true, "", {"--proactive-refresh"});
  profile_call(kTravel, "Enable");
  profile_call(kTravel, "Disable");
  profile_call(kHome, "Enable");
  ASSERT_TRUE(rig().wait_notifications_sent()) << rig().logs();
  expect_cache_is_fresh(rig(), "the switches");
  EXPECT_EQ(rig().card_profile(kHome).value("state", ""), "enabled");
  size_t switches = 0;
  for (const Exchange& e : exchanges(rig())) {
    if (e.es10_tag() == "BF31" || e.es10_tag() == "BF32") ++switches;
    EXPECT_NE(e.sw().substr(0, 2), "91") << e.command << " → " << e.response;
  }
  EXPECT_EQ(switches, 3U);
}

// AutoProcess=no holds for downloads: the install notification stays on the card (the SM-DP+
// hears nothing) until ProcessNotifications sends it.
TEST_F(DaemonCardTraffic, DownloadLeavesTheInstallNotificationWithAutoProcessOff) {
  start(false, "[Notifications]\nAutoProcess=no\n");
  const std::string job = rig().start_download(smdp().activation_code("TRAFFIC"));
  ASSERT_EQ(rig().wait_job(job, 60s), "succeeded") << rig().job_error(job) << rig().logs();
  wait_until_quiet(rig());
  EXPECT_EQ(notification_requests(), 0) << smdp().server->state().dump();
  EXPECT_EQ(pending(rig()), 1U);
  ASSERT_EQ(card_notifications(rig()), 1U);
  EXPECT_EQ(rig().card_state()["notifications"][0].value("event", ""), "install");
  expect_cache_is_fresh(rig(), "the download");

  const BusReply r = rig().call(DaemonRig::euicc_path(), kEuiccIface, "ProcessNotifications");
  ASSERT_TRUE(r.ok()) << r.error_message() << rig().logs();
  EXPECT_EQ(r.read_u32(), 1U);
  EXPECT_EQ(notification_requests(), 1);
  EXPECT_EQ(pending(rig()), 0U);
  EXPECT_EQ(card_notifications(rig()), 0U);
  EXPECT_EQ(rig().lost_notifications(), std::vector<long>{});
}

// The same download with the default AutoProcess=yes sends it at once, on the session's own
// connection (lpa/download.cpp).
TEST_F(DaemonCardTraffic, DownloadSendsTheInstallNotificationWithAutoProcessOn) {
  start(false, "");
  const std::string job = rig().start_download(smdp().activation_code("TRAFFIC"));
  ASSERT_EQ(rig().wait_job(job, 60s), "succeeded") << rig().job_error(job) << rig().logs();
  wait_until_quiet(rig());
  EXPECT_EQ(notification_requests(), 1);
  EXPECT_EQ(pending(rig()), 0U);
  EXPECT_EQ(card_notifications(rig()), 0U);
}

}  // namespace
