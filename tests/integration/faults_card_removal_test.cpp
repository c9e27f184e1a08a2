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

#include <cctype>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/daemon_rig.h"
#include "tests/support/fault_checks.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

constexpr char kSeededIccid[] = "8944000000000000033";
constexpr char kRemovedForMs[] = "1500";

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
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
  }

  // A fresh card (seeded when `seed` is given; every APDU logged), its daemon, everything
  // allowed.
  void start(const std::vector<std::string>& card_faults, const json& seed = nullptr) {
    RigOptions options{.card_seed = seed.is_null() ? "" : seed.dump(),
                       .card_args = {"--verbose"},
                       .smdp = fault_smdp().server.get()};
    options.card_args.insert(options.card_args.end(), card_faults.begin(), card_faults.end());
    rig_.emplace(std::move(options));
    rig_->allow_all();
  }
  void stop() { rig_.reset(); }
  DaemonRig& rig() { return *rig_; }
  std::map<uint64_t, Apdu> logged_apdus() const {
    return read_apdus(rig_->dir().file("veuicc.log"));
  }

  // A seeded card with one operational profile whose notifications go to the test SM-DP+.
  static json seed(const char* state) {
    const std::string address = fault_smdp().server->address();
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

  // The card is back and the daemon has re-read it (Refresh answers from the card).
  bool card_back() {
    return eventually(
        [&] { return rig().call(DaemonRig::euicc_path(), kEuiccIface, "Refresh").ok(); }, 20s);
  }

  // Once the card is back: a next download works, every notification the card handed out is
  // still on the card or reached the SM-DP+, and the daemon still answers.
  void expect_recovered() {
    expect_next_download_works(rig());
    expect_no_notification_lost(rig());
    EXPECT_TRUE(rig().daemon_answers()) << rig().logs();
  }

  std::optional<DaemonRig> rig_;
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
      const std::string job = rig().start_download(fault_smdp().activation_code("FIRST"));
      EXPECT_EQ(rig().wait_job(job), "succeeded")
          << rig().job_string(job, "ErrorMessage") << rig().logs();
      const auto apdus = logged_apdus();
      DownloadPositions out;
      const json installed = rig().card_profile(kFaultFirstIccid);
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
      return out;
    }();
    return p;
  }

  // Pulls the card at APDU `n` of a download of FIRST; checks everything listed at the top.
  // `installed`: whether the card must hold the profile afterwards.
  void download_with_removal_at(uint64_t n, bool installed) {
    ASSERT_GT(n, 0u);
    start({"--remove-at", std::to_string(n), "--remove-for-ms", kRemovedForMs});
    const std::string job = rig().start_download(fault_smdp().activation_code("FIRST"));
    const std::string state = rig().wait_job(job);
    const std::string error = rig().job_string(job, "ErrorName");
    std::cout << "[ outcome  ] removal at APDU #" << n << ": job " << state << " " << error
              << std::endl;
    const std::string first = DaemonRig::profile_path(kFaultFirstIccid);
    if (installed && state == "succeeded") {
      // The result reached the daemon before the card went: nothing to report as failed.
      EXPECT_EQ(rig().get_path(job, kJobIface, "Result"), first);
    } else {
      EXPECT_EQ(state, "failed") << rig().logs();
      EXPECT_EQ(error.rfind("org.euiccd1.Error.", 0), 0u) << error;
      EXPECT_NE(error, "org.euiccd1.Error.Internal") << rig().job_string(job, "ErrorMessage");
    }
    EXPECT_TRUE(rig().daemon_answers()) << rig().logs();
    ASSERT_TRUE(card_back()) << rig().logs();
    const json profile = rig().card_profile(kFaultFirstIccid);
    std::cout << "[ outcome  ] card afterwards: "
              << (profile.is_null() ? "no profile" : "whole profile") << std::endl;
    if (installed) {
      ASSERT_FALSE(profile.is_null()) << rig().card_state().dump();
      EXPECT_EQ(profile.value("size", 0), positions().installed_size) << "not the whole profile";
      EXPECT_EQ(rig().get_string(first, kProfileIface, "State"), "disabled");
    } else {
      EXPECT_TRUE(profile.is_null())
          << "half a download on the card: " << rig().card_state().dump();
      EXPECT_TRUE(rig().get_paths(DaemonRig::euicc_path(), kEuiccIface, "Profiles").empty());
    }
    expect_recovered();
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
    BusReply r = rig().call(profile_path(), kProfileIface, member);
    EXPECT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message() << rig().logs();
    const uint64_t n = first_store_data(logged_apdus(), tag);
    stop();
    return n;
  }
  static std::string profile_path() { return DaemonRig::profile_path(kSeededIccid); }

  // Pulls the card at APDU `n` while `member` runs; the card's profile is then either as
  // before or as after, and the daemon (once the card is back) shows what the card holds.
  void change_with_removal_at(const char* member, const char* seed_state, uint64_t n) {
    ASSERT_GT(n, 0u);
    start({"--remove-at", std::to_string(n), "--remove-for-ms", kRemovedForMs}, seed(seed_state));
    BusReply r = rig().call(profile_path(), kProfileIface, member);
    std::cout << "[ outcome  ] " << member << ", removal at APDU #" << n << ": "
              << (r.ok() ? "ok" : r.error_name()) << std::endl;
    if (!r.ok()) {
      EXPECT_EQ(r.error_name().rfind("org.euiccd1.Error.", 0), 0u) << r.error_name();
      EXPECT_NE(r.error_name(), "org.euiccd1.Error.Internal") << r.error_message();
    }
    EXPECT_TRUE(rig().daemon_answers()) << rig().logs();
    ASSERT_TRUE(card_back()) << rig().logs();
    const json profile = rig().card_profile(kSeededIccid);
    std::cout << "[ outcome  ] card afterwards: "
              << (profile.is_null() ? "deleted" : profile.value("state", "disabled")) << std::endl;
    if (profile.is_null()) {
      EXPECT_STREQ(member, "Delete");
      EXPECT_TRUE(rig().get_paths(DaemonRig::euicc_path(), kEuiccIface, "Profiles").empty())
          << rig().logs();
    } else {
      const std::string on_card = profile.value("state", "disabled");
      EXPECT_EQ(rig().get_string(profile_path(), kProfileIface, "State"), on_card)
          << "the daemon's view differs from the card" << rig().logs();
      if (r.ok()) {
        EXPECT_NE(on_card, seed_state) << "the call succeeded but the card is unchanged";
      }
    }
    if (r.ok() && std::string(member) == "Delete") {
      EXPECT_TRUE(profile.is_null());
    }
    expect_recovered();
  }

  void both_positions(const char* member, const char* seed_state, const char* tag) {
    const uint64_t n = calibrate(member, seed_state, tag);
    ASSERT_GT(n, 0u) << "no " << tag << " in the calibration run";
    // At the command itself (never processed), then at the daemon's next APDU (processed,
    // answered, and the card gone while the daemon reads the result back). Each on a fresh
    // card.
    change_with_removal_at(member, seed_state, n);
    if (HasFatalFailure()) return;
    stop();
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
