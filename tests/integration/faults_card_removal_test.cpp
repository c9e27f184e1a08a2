// The card pulled out (veuicc --remove-at N --remove-for-ms M) while euiccd drives a download
// or a profile change over D-Bus. After each removal: the daemon is alive and answering, the
// operation ended with a named org.euiccd1.Error.*, the card (once back) holds the whole profile
// or none of it, the daemon's view matches the card, no RSP session is left open (a next
// download succeeds), and every notification the card generated is either still on the card
// or was received by the SM-DP+.
//
// APDU numbers are not guessed: a calibration run of the same operation with the same start
// (fresh state, same seed) logs every APDU (veuicc --verbose), and the positions are picked
// from that log by what the commands are (BF38 AuthenticateServer, BF36 pieces, the answer
// carrying the BF37 result, BF31/BF32/BF33). Runs inside pcsc-sandbox.sh; skipped elsewhere.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/support/dbus_test_bus.h"
#include "tests/support/dbus_test_client.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

using namespace euiccd::testing;
using namespace euiccd::smdpp_test;
using namespace std::chrono_literals;

namespace {

constexpr char kBus[] = "org.euiccd1";
constexpr char kManager[] = "/org/euiccd1";
constexpr char kEuicc[] = "/org/euiccd1/euicc/0";
constexpr char kEuiccIface[] = "org.euiccd1.Euicc";
constexpr char kProfileIface[] = "org.euiccd1.Profile";
constexpr char kJobIface[] = "org.euiccd1.Job";
constexpr char kEid[] = "89049032123451234512345678901235";  // tests/pki/make-test-pki.sh
constexpr char kFirstIccid[] = "8944000000000000017";
constexpr char kNextIccid[] = "8944000000000000025";
constexpr char kSeededIccid[] = "8944000000000000033";
constexpr char kRemovedForMs[] = "1500";

struct Rig {
  TempDir dir;
  std::string pki = shared_test_pki();
  std::unique_ptr<Server> smdp;

  Rig() {
    // 12 kB: the bound profile package takes a few dozen STORE DATA blocks, so "early",
    // "middle" and "late" inside it are different APDUs.
    json first = order("FIRST", kFirstIccid, 12000);
    first["reusable"] = true;
    json next = order("NEXT", kNextIccid, 5000);
    next["reusable"] = true;
    smdp =
        std::make_unique<Server>(pki, smdp_config(kSmdpHost, {first, next}), dir.file("smdp.log"));
  }
};

Rig& rig() {
  static Rig r;
  return r;
}

// One APDU of the veuicc --verbose log: command and response in hex.
struct Apdu {
  std::string command;
  std::string response;
  std::string ins() const { return command.substr(2, 2); }
  // The data field of a short APDU (after CLA INS P1 P2 Lc).
  std::string data() const { return command.size() > 10 ? command.substr(10) : ""; }
};

std::map<uint64_t, Apdu> read_apdus(const std::string& log_path) {
  std::ifstream in(log_path);
  std::map<uint64_t, Apdu> out;
  const std::regex line_re("^veuicc: #([0-9]+) ([<>]) ([0-9A-Fa-f]*)$");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, m, line_re)) continue;
    Apdu& a = out[std::stoull(m[1])];
    std::string hex = m[3];
    for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    (m[2] == ">" ? a.command : a.response) = hex;
  }
  return out;
}

// The first STORE DATA (INS E2) whose data starts with `tag`, at or after `from`; 0 if none.
uint64_t first_store_data(const std::map<uint64_t, Apdu>& apdus, const std::string& tag,
                          uint64_t from = 0) {
  for (const auto& [n, a] : apdus)
    if (n >= from && a.ins() == "E2" && a.data().rfind(tag, 0) == 0) return n;
  return 0;
}

class CardRemoval : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("VPCD_PORT") == nullptr) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
    server_notifications_before_ = rig().smdp->state()["notifications"].size();
  }

  // Bus, polkit (everything allowed), card (seeded when `seed` is given) and daemon.
  void start(std::vector<std::string> card_faults, const json& seed = nullptr) {
    bus_ = std::make_unique<PrivateBus>();
    polkit_ = std::make_unique<PolkitMock>(*bus_);
    client_ = std::make_unique<BusClient>(bus_->address());
    ASSERT_TRUE(eventually([&] { return client_->has_owner("org.freedesktop.PolicyKit1"); }));
    const std::string& pki = rig().pki;
    std::vector<std::string> argv = {EUICCD_BINARY_DIR "/veuicc/veuicc",
                                     "--state",
                                     dir_.file("state.json"),
                                     "--euicc-cert",
                                     pki + "/euicc.pem",
                                     "--euicc-key",
                                     pki + "/euicc.key",
                                     "--eum-cert",
                                     pki + "/eum.pem",
                                     "--ci-cert",
                                     pki + "/ci.pem",
                                     "--verbose"};
    if (!seed.is_null()) {
      std::ofstream(dir_.file("seed.json")) << seed.dump();
      argv.insert(argv.end(), {"--seed", dir_.file("seed.json")});
    }
    argv.insert(argv.end(), card_faults.begin(), card_faults.end());
    card_ = std::make_unique<Subprocess>(argv, dir_.file("veuicc.log"));
    daemon_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/daemon/euiccd", "--bus", bus_->address(),
                                 "--config", dir_.file("none.conf"), "--config-dir",
                                 dir_.file("none.d"), "--ca", pki + "/ci.pem", "--resolve",
                                 rig().smdp->resolve_entry(), "--verbose"},
        dir_.file("euiccd.log"));
    ASSERT_TRUE(eventually(
        [&] { return client_->get_string(kBus, kEuicc, kEuiccIface, "Eid") == kEid; }, 15s))
        << logs();
    sd_bus_message* m = nullptr;
    sd_bus_message_new_method_call(client_->bus(), &m, "org.freedesktop.PolicyKit1",
                                   "/org/freedesktop/PolicyKit1/Authority",
                                   "org.freedesktop.DBus.Mock", "AllowUnknown");
    sd_bus_message_append(m, "b", 1);
    BusReply r = client_->call_message(m);
    sd_bus_message_unref(m);
    ASSERT_TRUE(r.ok()) << r.error_message();
  }

  void stop() {
    daemon_.reset();
    card_.reset();
    client_.reset();
    polkit_.reset();
    bus_.reset();
  }

  // A seeded card with one operational profile whose notifications go to the test SM-DP+.
  static json seed(const char* state) {
    const std::string address = rig().smdp->address();
    return {{"profiles",
             {{{"iccid", kSeededIccid},
               {"state", state},
               {"profile_name", "Seeded"},
               {"service_provider_name", "Seed Telecom"},
               {"profile_class", "operational"},
               {"size", 3000},
               {"notification_configuration",
                {{{"event", "enable"}, {"address", address}},
                 {{"event", "disable"}, {"address", address}},
                 {{"event", "delete"}, {"address", address}}}}}}}};
  }

  std::string code(const char* matching_id) {
    return "LPA:1$" + rig().smdp->address() + "$" + matching_id;
  }
  std::string job_string(const std::string& job, const char* name) {
    return client_->get_string(kBus, job, kJobIface, name);
  }
  std::string start_download(const char* matching_id) {
    BusReply r = client_->call(kBus, kEuicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                               code(matching_id).c_str(), 0);
    if (!r.ok()) throw std::runtime_error(r.error_name() + ": " + r.error_message());
    return r.read_string('o');
  }
  // Waits for the job to end; returns its final State.
  std::string wait_job(const std::string& job, std::chrono::milliseconds deadline = 60s) {
    std::string state;
    eventually(
        [&] {
          state = job_string(job, "State");
          return state != "running" && state != "waiting";
        },
        deadline);
    return state;
  }

  json card_state() {
    std::ifstream in(dir_.file("state.json"));
    return json::parse(in);
  }
  // The profile as the card stored it, or null.
  json card_profile(const std::string& iccid) {
    const json state = card_state();  // not a temporary: the loop refers into it
    for (const auto& p : state.at("profiles"))
      if (p.at("iccid") == iccid) return p;
    return nullptr;
  }

  void expect_daemon_answers() {
    EXPECT_TRUE(daemon_->running()) << logs();
    EXPECT_FALSE(client_->get_string(kBus, kManager, "org.euiccd1.Manager", "Version").empty());
  }
  // The card is back and the daemon has re-read it (Refresh answers from the card).
  bool card_back() {
    return eventually(
        [&] { return client_->call(kBus, kEuicc, kEuiccIface, "Refresh", nullptr).ok(); }, 20s);
  }

  // Every sequence number the card handed out is still on the card or reached the SM-DP+.
  // The card is read first: a notification delivered meanwhile is then on the server.
  void expect_no_notification_lost() {
    const json state = card_state();
    std::set<long> kept;
    for (const auto& n : state.value("notifications", json::array()))
      kept.insert(n.at("seq").get<long>());
    const json received = rig().smdp->state()["notifications"];
    std::set<long> acknowledged;
    for (size_t i = server_notifications_before_; i < received.size(); ++i)
      if (received[i].contains("seqNumber") && received[i]["seqNumber"].is_number())
        acknowledged.insert(received[i]["seqNumber"].get<long>());
    const long next = state.value("next_seq_number", 1L);
    for (long seq = 1; seq < next; ++seq)
      EXPECT_TRUE(kept.count(seq) || acknowledged.count(seq))
          << "notification " << seq << " is neither on the card nor at the server\n"
          << state.dump() << "\n"
          << received.dump() << logs();
  }

  // The next download on the same card succeeds: no RSP session left on card or daemon.
  void expect_next_download_works() {
    const std::string job = start_download("NEXT");
    ASSERT_EQ(wait_job(job), "succeeded")
        << job_string(job, "ErrorName") << ": " << job_string(job, "ErrorMessage") << logs();
    EXPECT_FALSE(card_profile(kNextIccid).is_null());
    // Auto-processing delivers the install notification after the job.
    EXPECT_TRUE(eventually(
        [&] {
          return client_->get_basic<uint32_t>(kBus, kEuicc, kEuiccIface, "PendingNotifications",
                                              'u') == 0;
        },
        20s))
        << logs();
  }

  std::string logs() {
    return "\n--- euiccd log ---\n" + read_text(dir_.file("euiccd.log")) +
           "\n--- veuicc log (tail) ---\n" + tail(read_text(dir_.file("veuicc.log")));
  }
  static std::string tail(const std::string& s) {
    return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
  }

  TempDir dir_;
  size_t server_notifications_before_ = 0;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<PolkitMock> polkit_;
  std::unique_ptr<BusClient> client_;
  std::unique_ptr<Subprocess> card_;
  std::unique_ptr<Subprocess> daemon_;
};

// ---- download ------------------------------------------------------------------------------

struct DownloadPositions {
  uint64_t authenticate = 0;  // BF38 AuthenticateServer (first block)
  uint64_t bpp_first = 0;     // first BF36 piece
  uint64_t result = 0;        // the STORE DATA whose answer is the BF37 result
  uint64_t after_result = 0;  // the daemon's next APDU after the result
  int installed_size = 0;     // the profile's size on the card after a clean download
};

class DownloadRemoval : public CardRemoval {
 protected:
  // Calibrated once per binary: a clean download through the daemon, numbers from its log.
  DownloadPositions positions() {
    static DownloadPositions p = [this] {
      start({});
      const std::string job = start_download("FIRST");
      EXPECT_EQ(wait_job(job), "succeeded") << job_string(job, "ErrorMessage") << logs();
      const auto apdus = read_apdus(dir_.file("veuicc.log"));
      DownloadPositions out;
      const json installed = card_profile(kFirstIccid);
      if (!installed.is_null()) out.installed_size = installed.value("size", 0);
      out.authenticate = first_store_data(apdus, "BF38");
      out.bpp_first = first_store_data(apdus, "BF36");
      for (const auto& [n, a] : apdus) {
        if (n < out.bpp_first || a.response.rfind("BF37", 0) != 0) continue;
        out.result = n;
        break;
      }
      // An answer fetched by GET RESPONSE belongs to the STORE DATA before it.
      while (out.result > out.bpp_first && apdus.at(out.result).ins() != "E2") --out.result;
      const auto after = apdus.upper_bound(out.result);
      out.after_result = after == apdus.end() ? 0 : after->first;
      stop();
      std::filesystem::remove(dir_.file("state.json"));
      std::filesystem::remove(dir_.file("veuicc.log"));
      std::filesystem::remove(dir_.file("euiccd.log"));
      return out;
    }();
    return p;
  }

  // Pulls the card at APDU `n` of a download of FIRST; checks everything listed at the top.
  // `installed`: whether the card must hold the profile afterwards.
  void download_with_removal_at(uint64_t n, bool installed) {
    ASSERT_GT(n, 0u);
    start({"--remove-at", std::to_string(n), "--remove-for-ms", kRemovedForMs});
    const std::string job = start_download("FIRST");
    const std::string state = wait_job(job);
    const std::string error = job_string(job, "ErrorName");
    std::cout << "[ outcome  ] removal at APDU #" << n << ": job " << state << " " << error
              << std::endl;
    if (installed && state == "succeeded") {
      // The result reached the daemon before the card went: nothing to report as failed.
      EXPECT_EQ(client_->get_object_path(kBus, job, kJobIface, "Result"),
                std::string(kEuicc) + "/profile/" + kFirstIccid);
    } else {
      EXPECT_EQ(state, "failed") << logs();
      EXPECT_EQ(error.rfind("org.euiccd1.Error.", 0), 0u) << error;
      EXPECT_NE(error, "org.euiccd1.Error.Internal") << job_string(job, "ErrorMessage");
    }
    expect_daemon_answers();
    ASSERT_TRUE(card_back()) << logs();
    const json profile = card_profile(kFirstIccid);
    std::cout << "[ outcome  ] card afterwards: "
              << (profile.is_null() ? "no profile" : "whole profile") << std::endl;
    if (installed) {
      ASSERT_FALSE(profile.is_null()) << card_state().dump();
      EXPECT_EQ(profile.value("size", 0), positions().installed_size) << "not the whole profile";
      EXPECT_EQ(client_->get_string(kBus, std::string(kEuicc) + "/profile/" + kFirstIccid,
                                    kProfileIface, "State"),
                "disabled");
    } else {
      EXPECT_TRUE(profile.is_null()) << "half a download on the card: " << card_state().dump();
      EXPECT_TRUE(client_->get_strv(kBus, kEuicc, kEuiccIface, "Profiles").empty());
    }
    expect_next_download_works();
    expect_no_notification_lost();
    expect_daemon_answers();
  }
};

TEST_F(DownloadRemoval, CalibrationFindsEveryStage) {
  const DownloadPositions p = positions();
  std::cout << "[ apdus    ] authenticate #" << p.authenticate << ", bpp #" << p.bpp_first << "..#"
            << p.result << ", next #" << p.after_result << std::endl;
  EXPECT_GT(p.authenticate, 0u);
  EXPECT_GT(p.bpp_first, p.authenticate);
  EXPECT_GT(p.result, p.bpp_first + 4) << "too few pieces to pick three positions";
  EXPECT_GT(p.after_result, p.result);
  EXPECT_EQ(p.installed_size, 12000) << "the test SM-DP+ generates exactly the ordered size";
}

TEST_F(DownloadRemoval, DuringAuthentication) {
  download_with_removal_at(positions().authenticate, false);
}

TEST_F(DownloadRemoval, AtTheFirstPieceOfTheBoundProfilePackage) {
  download_with_removal_at(positions().bpp_first, false);
}

TEST_F(DownloadRemoval, InTheMiddleOfTheBoundProfilePackage) {
  const DownloadPositions p = positions();
  download_with_removal_at((p.bpp_first + p.result) / 2, false);
}

TEST_F(DownloadRemoval, AtTheLastPieceBeforeTheResult) {
  // The card never sees the last piece: nothing installed.
  download_with_removal_at(positions().result, false);
}

TEST_F(DownloadRemoval, RightAfterTheResult) {
  // The card installed the profile and queued its result; the daemon loses it after that.
  download_with_removal_at(positions().after_result, true);
}

// ---- enable / disable / delete ---------------------------------------------------------------

class ProfileChangeRemoval : public CardRemoval {
 protected:
  // The APDU carrying `tag` when `member` runs on the seeded card (calibrated per operation).
  uint64_t calibrate(const char* member, const char* seed_state, const char* tag) {
    start({}, seed(seed_state));
    BusReply r = client_->call(kBus, profile_path(), kProfileIface, member, nullptr);
    EXPECT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message() << logs();
    const uint64_t n = first_store_data(read_apdus(dir_.file("veuicc.log")), tag);
    stop();
    std::filesystem::remove(dir_.file("state.json"));
    std::filesystem::remove(dir_.file("veuicc.log"));
    std::filesystem::remove(dir_.file("euiccd.log"));
    return n;
  }
  static std::string profile_path() { return std::string(kEuicc) + "/profile/" + kSeededIccid; }

  // Pulls the card at APDU `n` while `member` runs; the card's profile is then either as
  // before or as after, and the daemon (once the card is back) shows what the card holds.
  void change_with_removal_at(const char* member, const char* seed_state, uint64_t n) {
    ASSERT_GT(n, 0u);
    start({"--remove-at", std::to_string(n), "--remove-for-ms", kRemovedForMs}, seed(seed_state));
    BusReply r = client_->call(kBus, profile_path(), kProfileIface, member, nullptr);
    std::cout << "[ outcome  ] " << member << ", removal at APDU #" << n << ": "
              << (r.ok() ? "ok" : r.error_name()) << std::endl;
    if (!r.ok()) {
      EXPECT_EQ(r.error_name().rfind("org.euiccd1.Error.", 0), 0u) << r.error_name();
      EXPECT_NE(r.error_name(), "org.euiccd1.Error.Internal") << r.error_message();
    }
    expect_daemon_answers();
    ASSERT_TRUE(card_back()) << logs();
    const json profile = card_profile(kSeededIccid);
    std::cout << "[ outcome  ] card afterwards: "
              << (profile.is_null() ? "deleted" : profile.value("state", "disabled")) << std::endl;
    if (profile.is_null()) {
      EXPECT_STREQ(member, "Delete");
      EXPECT_TRUE(client_->get_strv(kBus, kEuicc, kEuiccIface, "Profiles").empty()) << logs();
    } else {
      const std::string on_card = profile.value("state", "disabled");
      EXPECT_EQ(client_->get_string(kBus, profile_path(), kProfileIface, "State"), on_card)
          << "the daemon's view differs from the card" << logs();
      if (r.ok()) {
        EXPECT_NE(on_card, seed_state) << "the call succeeded but the card is unchanged";
      }
    }
    if (r.ok() && std::string(member) == "Delete") {
      EXPECT_TRUE(profile.is_null());
    }
    expect_next_download_works();
    expect_no_notification_lost();
    expect_daemon_answers();
  }

  void both_positions(const char* member, const char* seed_state, const char* tag) {
    const uint64_t n = calibrate(member, seed_state, tag);
    ASSERT_GT(n, 0u) << "no " << tag << " in the calibration run";
    // At the command itself (never processed), then at the daemon's next APDU (processed,
    // answered, and the card gone while the daemon reads the result back).
    change_with_removal_at(member, seed_state, n);
    if (HasFatalFailure()) return;
    stop();
    std::filesystem::remove(dir_.file("state.json"));
    server_notifications_before_ = rig().smdp->state()["notifications"].size();
    change_with_removal_at(member, seed_state, n + 1);
  }
};

TEST_F(ProfileChangeRemoval, Enable) {
  both_positions("Enable", "disabled", "BF31");
}
TEST_F(ProfileChangeRemoval, Disable) {
  both_positions("Disable", "enabled", "BF32");
}
TEST_F(ProfileChangeRemoval, Delete) {
  both_positions("Delete", "disabled", "BF33");
}

}  // namespace
