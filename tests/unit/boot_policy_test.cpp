// The two profile policies as the daemon drives them: the boot policy (ask, act, report the
// outcome, ask again) and the travel policy (the country the modem sees → switch or stay).
#include "daemon/boot_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/travel_policy.h"

namespace euiccd::daemon {
namespace {

using ::testing::HasSubstr;
using Kind = BootAction::Kind;

const std::string kA = "8944476500001224158";
const std::string kB = "89000123456789012341";
const std::string kC = "894447650000122415";
const std::string kOther = "8949000000000000001";

BootConfig preferring(std::vector<std::string> iccids, bool fallback = true) {
  BootConfig config;
  config.preferred_iccids = std::move(iccids);
  config.fallback = fallback;
  config.registration_timeout = std::chrono::seconds(60);
  return config;
}

TEST(BootPolicy, NoPreferencesMeansNothingToDo) {
  std::vector<InstalledProfile> installed = {{kA, true}};
  BootAction a = next_boot_action(BootConfig{}, installed, {});
  EXPECT_EQ(a.kind, Kind::NothingToDo);
  EXPECT_FALSE(a.watch_registration);
  EXPECT_THAT(a.reason, HasSubstr("no preferred profiles"));
}

TEST(BootPolicy, EnablesFirstInstalledPreference) {
  std::vector<InstalledProfile> installed = {{kOther, true}, {kB, false}, {kC, false}};
  BootAction a = next_boot_action(preferring({kA, kB, kC}), installed, {});
  EXPECT_EQ(a.kind, Kind::Enable);
  EXPECT_EQ(a.iccid, kB);
  EXPECT_TRUE(a.watch_registration);
  EXPECT_EQ(a.reason, "enabling " + kB + " (2nd preference; not installed: " + kA + ")");
}

TEST(BootPolicy, KeepsPreferredProfileThatIsAlreadyEnabled) {
  std::vector<InstalledProfile> installed = {{kA, true}, {kB, false}};
  BootAction a = next_boot_action(preferring({kA, kB}), installed, {});
  EXPECT_EQ(a.kind, Kind::KeepCurrent);
  EXPECT_EQ(a.iccid, kA);
  // Still watched: if it does not register, the next preference gets its turn.
  EXPECT_TRUE(a.watch_registration);
  EXPECT_THAT(a.reason, HasSubstr(kA + " is already enabled (1st preference)"));
}

TEST(BootPolicy, NonePreferredInstalled) {
  std::vector<InstalledProfile> installed = {{kOther, true}};
  BootAction a = next_boot_action(preferring({kA, kB}), installed, {});
  EXPECT_EQ(a.kind, Kind::NothingToDo);
  EXPECT_THAT(a.reason,
              HasSubstr("none of the preferred profiles is installed (" + kA + ", " + kB + ")"));
  a = next_boot_action(preferring({kA}), {}, {});
  EXPECT_EQ(a.kind, Kind::NothingToDo);
}

TEST(BootPolicy, SuccessEndsTheRound) {
  std::vector<InstalledProfile> installed = {{kA, true}, {kB, false}};
  std::vector<BootAttempt> attempts = {{kA, AttemptOutcome::Ok}};
  BootAction a = next_boot_action(preferring({kA, kB}), installed, attempts);
  EXPECT_EQ(a.kind, Kind::KeepCurrent);
  EXPECT_EQ(a.iccid, kA);
  EXPECT_FALSE(a.watch_registration);
}

TEST(BootPolicy, FallsBackWhenTheModemDoesNotRegister) {
  std::vector<InstalledProfile> installed = {{kA, true}, {kB, false}, {kC, false}};
  std::vector<BootAttempt> attempts = {{kA, AttemptOutcome::NotRegistered}};
  BootAction a = next_boot_action(preferring({kA, kB, kC}), installed, attempts);
  EXPECT_EQ(a.kind, Kind::Enable);
  EXPECT_EQ(a.iccid, kB);
  EXPECT_EQ(a.reason,
            kA + " did not register within 60 s; falling back to " + kB + " (2nd preference)");
}

TEST(BootPolicy, FallsBackWhenEnableIsRefused) {
  std::vector<InstalledProfile> installed = {{kOther, true}, {kA, false}, {kC, false}};
  std::vector<BootAttempt> attempts = {{kA, AttemptOutcome::EnableRefused}};
  BootAction a = next_boot_action(preferring({kA, kB, kC}), installed, attempts);
  EXPECT_EQ(a.kind, Kind::Enable);
  EXPECT_EQ(a.iccid, kC);
  EXPECT_THAT(a.reason, HasSubstr("the eUICC refused to enable " + kA));
  EXPECT_THAT(a.reason, HasSubstr("3rd preference; not installed: " + kB));
}

TEST(BootPolicy, FallbackMayLandOnTheEnabledProfile) {
  // A was refused, so B (already enabled) is the next one; it is kept and watched.
  std::vector<InstalledProfile> installed = {{kA, false}, {kB, true}};
  std::vector<BootAttempt> attempts = {{kA, AttemptOutcome::EnableRefused}};
  BootAction a = next_boot_action(preferring({kA, kB}), installed, attempts);
  EXPECT_EQ(a.kind, Kind::KeepCurrent);
  EXPECT_EQ(a.iccid, kB);
  EXPECT_TRUE(a.watch_registration);
  EXPECT_THAT(a.reason, HasSubstr("falling back to " + kB + " is already enabled"));
}

TEST(BootPolicy, FallbackOffStopsAtTheFirstFailure) {
  std::vector<InstalledProfile> installed = {{kA, true}, {kB, false}};
  std::vector<BootAttempt> attempts = {{kA, AttemptOutcome::NotRegistered}};
  BootAction a = next_boot_action(preferring({kA, kB}, false), installed, attempts);
  EXPECT_EQ(a.kind, Kind::KeepCurrent);
  EXPECT_EQ(a.iccid, kA);
  EXPECT_FALSE(a.watch_registration);
  EXPECT_THAT(a.reason, HasSubstr("fallback is off, so " + kA + " stays enabled"));

  installed = {{kA, false}, {kB, false}};
  attempts = {{kA, AttemptOutcome::EnableRefused}};
  a = next_boot_action(preferring({kA, kB}, false), installed, attempts);
  EXPECT_EQ(a.kind, Kind::NothingToDo);
  EXPECT_THAT(a.reason, HasSubstr("fallback is off"));
}

TEST(BootPolicy, EveryPreferenceFailedEndsWithoutLooping) {
  std::vector<InstalledProfile> installed = {{kA, false}, {kB, true}};
  std::vector<BootAttempt> attempts = {{kA, AttemptOutcome::EnableRefused},
                                       {kB, AttemptOutcome::NotRegistered}};
  BootAction a = next_boot_action(preferring({kA, kB}), installed, attempts);
  EXPECT_EQ(a.kind, Kind::NothingToDo);
  EXPECT_FALSE(a.watch_registration);
  EXPECT_THAT(a.reason, HasSubstr("no preferred profile is left to try (tried " + kA + ", " + kB +
                                  "); " + kB + " stays enabled"));
}

// Drives the policy the way the daemon does, with a scripted card/modem, and checks that every
// round ends within as many steps as there are preferences.
TEST(BootPolicy, DriverLoopTerminates) {
  BootConfig config = preferring({kA, kB, kC});
  std::vector<InstalledProfile> installed = {{kA, false}, {kB, false}, {kC, false}, {kOther, true}};
  std::vector<BootAttempt> attempts;
  std::vector<std::string> enabled_in_order;
  for (int step = 0; step < 10; ++step) {
    BootAction a = next_boot_action(config, installed, attempts);
    if (a.kind == Kind::Enable) {
      for (auto& p : installed) p.enabled = p.iccid == a.iccid;
      enabled_in_order.push_back(a.iccid);
    }
    if (!a.watch_registration) break;
    // Only C registers.
    attempts.push_back(
        {a.iccid, a.iccid == kC ? AttemptOutcome::Ok : AttemptOutcome::NotRegistered});
  }
  EXPECT_EQ(enabled_in_order, (std::vector<std::string>{kA, kB, kC}));
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts.back().outcome, AttemptOutcome::Ok);
}

// ---- the travel policy ----------------------------------------------------------------------

namespace travel {

using TKind = TravelDecision::Kind;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr uint32_t kRegHome = 1, kRegSearching = 2, kRegDenied = 3, kRegRoaming = 5;
constexpr int32_t kStateRegistered = 8, kStateSearching = 7;

const std::string kHome = "8944476500001224158";      // UK, nickname "home"
const std::string kBahrain = "89000123456789012341";  // nickname "Bahrain data"
const std::string kBelgium = "894447650000122415";

TravelConfig travel_config() {
  TravelConfig c;
  c.enabled = true;
  c.home = "home";  // by nickname
  c.home_countries = {"234", "235"};
  c.countries = {{"426", "Bahrain data"}, {"206", kBelgium}};
  c.hold_off = seconds(600);
  c.max_switches_per_hour = 2;
  return c;
}

// The card: the home profile enabled unless `enabled` says otherwise.
std::vector<TravelProfile> card(const std::string& enabled = kHome) {
  return {{kHome, "home", enabled == kHome},
          {kBahrain, "Bahrain data", enabled == kBahrain},
          {kBelgium, "", enabled == kBelgium}};
}

TravelNetwork seen(const std::string& operator_code, uint32_t registration = kRegRoaming,
                   int32_t state = kStateRegistered) {
  return {true, state, registration, operator_code};
}

struct Ask {
  TravelConfig config = travel_config();
  std::vector<TravelProfile> profiles = card();
  TravelNetwork network = seen("42602");
  TravelBusy busy;
  bool paused = false;
  TravelClock::time_point now = TravelClock::time_point(std::chrono::hours(100));
  std::vector<TravelSwitch> history;

  TravelDecision operator()() const {
    return decide_travel(config, {network, profiles, busy, paused, now, history});
  }
};

TEST(TravelPolicy, AbroadSwitchesToTheCountrysProfileByNickname) {
  Ask ask;
  const TravelDecision d = ask();
  EXPECT_EQ(d.kind, TKind::Switch);
  EXPECT_EQ(d.iccid, kBahrain);
  EXPECT_EQ(d.country, "426");
  EXPECT_THAT(d.reason, HasSubstr("switching to " + kBahrain + " (Bahrain data) for country 426"));
  EXPECT_FALSE(d.ask_again_at);
}

TEST(TravelPolicy, ByIccidToo) {
  Ask ask;
  ask.network = seen("20601");
  EXPECT_EQ(ask().iccid, kBelgium);
  EXPECT_EQ(ask().kind, TKind::Switch);
}

TEST(TravelPolicy, OnlyAbleToRegisterStillTellsTheCountry) {
  Ask ask;
  for (uint32_t registration : {kRegSearching, kRegDenied, 8u}) {
    ask.network = seen("42602", registration, kStateSearching);
    EXPECT_EQ(ask().kind, TKind::Switch) << registration;
  }
  ask.network = seen("", kRegDenied, kStateSearching);  // denied, but no network named
  EXPECT_EQ(ask().kind, TKind::Stay);
  EXPECT_THAT(ask().reason, HasSubstr("tells no country"));
  ask.network = seen("42602", 0, 6);  // idle: the code is a leftover
  EXPECT_EQ(ask().kind, TKind::Stay);
  ask.network = seen("42x02");
  EXPECT_EQ(ask().kind, TKind::Stay);
}

TEST(TravelPolicy, BackHomeSwitchesBackAndStaysThere) {
  Ask ask;
  ask.profiles = card(kBahrain);
  ask.network = seen("23415", kRegRoaming);
  TravelDecision d = ask();
  EXPECT_EQ(d.kind, TKind::Switch);
  EXPECT_EQ(d.iccid, kHome);
  EXPECT_THAT(d.reason, HasSubstr("home country 234"));
  ask.network = seen("23520", kRegRoaming);  // the second home country
  EXPECT_EQ(ask().iccid, kHome);
  ask.profiles = card(kHome);
  ask.network = seen("23415", kRegHome);
  d = ask();
  EXPECT_EQ(d.kind, TKind::Stay);
  EXPECT_THAT(d.reason, HasSubstr(kHome + " (home) is enabled for home country 234"));
}

TEST(TravelPolicy, TheRightProfileAlreadyEnabledStays) {
  Ask ask;
  ask.profiles = card(kBahrain);
  EXPECT_EQ(ask().kind, TKind::Stay);
  EXPECT_EQ(ask().country, "426");
}

TEST(TravelPolicy, UnknownCountryStays) {
  Ask ask;
  ask.network = seen("26201");
  const TravelDecision d = ask();
  EXPECT_EQ(d.kind, TKind::Stay);
  EXPECT_EQ(d.country, "262");
  EXPECT_THAT(d.reason, HasSubstr("no profile is configured for country 262"));
}

TEST(TravelPolicy, HomeCountryWithoutHomeProfileStays) {
  Ask ask;
  ask.config.home.clear();
  ask.profiles = card(kBahrain);
  ask.network = seen("23415");
  EXPECT_EQ(ask().kind, TKind::Stay);
  EXPECT_THAT(ask().reason, HasSubstr("no Home="));
}

TEST(TravelPolicy, AProfileMissingFromTheCardStaysWithTheReason) {
  Ask ask;
  ask.profiles = {{kHome, "home", true}};
  TravelDecision d = ask();
  EXPECT_EQ(d.kind, TKind::Stay);
  EXPECT_THAT(d.reason, HasSubstr("the profile Bahrain data for country 426 is not on the eUICC"));
  ask.profiles = {{kBahrain, "Bahrain data", true}};
  ask.network = seen("23415");
  EXPECT_THAT(ask().reason, HasSubstr("the profile home for home country 234 is not on"));
}

TEST(TravelPolicy, CallUssdAndJobsHoldTheSwitchBack) {
  Ask ask;
  ask.busy.call = true;
  TravelDecision d = ask();
  EXPECT_EQ(d.kind, TKind::HeldBack);
  EXPECT_EQ(d.iccid, kBahrain);
  EXPECT_THAT(d.reason, HasSubstr("held back: a call is running"));
  EXPECT_FALSE(d.ask_again_at);  // the call's end says when
  ask.busy = {false, true, ""};
  EXPECT_THAT(ask().reason, HasSubstr("a USSD session is running"));
  EXPECT_EQ(ask().kind, TKind::HeldBack);
  ask.busy = {false, false, "download"};
  EXPECT_THAT(ask().reason, HasSubstr("a download is running on the eUICC"));
  ask.busy = {};
  EXPECT_EQ(ask().kind, TKind::Switch);
}

TEST(TravelPolicy, HoldOffAfterTheLastSwitchAutomaticOrByHand) {
  Ask ask;
  for (bool automatic : {true, false}) {
    ask.history = {{ask.now - seconds(100), automatic}};
    const TravelDecision d = ask();
    EXPECT_EQ(d.kind, TKind::HeldBack) << automatic;
    EXPECT_THAT(d.reason, HasSubstr("the last switch was 100 s ago (HoldOffSec=600)"));
    ASSERT_TRUE(d.ask_again_at);
    EXPECT_EQ(*d.ask_again_at, ask.now + seconds(500));
  }
  ask.history = {{ask.now - seconds(600), true}};  // the hold-off is over
  EXPECT_EQ(ask().kind, TKind::Switch);
  ask.config.hold_off = seconds(0);  // none
  ask.history = {{ask.now, true}};
  EXPECT_EQ(ask().kind, TKind::Switch);
}

TEST(TravelPolicy, RateLimitCountsTheAutomaticSwitchesOfTheLastHour) {
  Ask ask;
  ask.config.hold_off = seconds(0);
  ask.history = {{ask.now - minutes(50), true}, {ask.now - minutes(20), true}};
  TravelDecision d = ask();
  EXPECT_EQ(d.kind, TKind::HeldBack);
  EXPECT_THAT(d.reason, HasSubstr("2 automatic switches in the last hour (MaxSwitchesPerHour=2)"));
  ASSERT_TRUE(d.ask_again_at);
  EXPECT_EQ(*d.ask_again_at, ask.now + minutes(10));  // when the older one leaves the hour
  // One of them older than an hour, or made by hand: under the limit.
  ask.history = {{ask.now - minutes(61), true}, {ask.now - minutes(20), true}};
  EXPECT_EQ(ask().kind, TKind::Switch);
  ask.history = {{ask.now - minutes(50), false}, {ask.now - minutes(20), true}};
  EXPECT_EQ(ask().kind, TKind::Switch);
}

TEST(TravelPolicy, PausedOrOffStays) {
  Ask ask;
  ask.paused = true;
  TravelDecision d = ask();
  EXPECT_EQ(d.kind, TKind::Stay);
  EXPECT_EQ(d.country, "426");
  EXPECT_THAT(d.reason, HasSubstr("paused"));
  ask.paused = false;
  ask.config.enabled = false;
  EXPECT_EQ(ask().kind, TKind::Stay);
  EXPECT_THAT(ask().reason, HasSubstr("off"));
}

TEST(TravelPolicy, NoModemStays) {
  Ask ask;
  ask.network = {};
  EXPECT_EQ(ask().kind, TKind::Stay);
  EXPECT_THAT(ask().reason, HasSubstr("does not list the modem"));
}

TEST(TravelPolicy, CountryLinesWinOverHomeCountries) {
  Ask ask;
  ask.config.countries["234"] = kBelgium;
  ask.network = seen("23415");
  EXPECT_EQ(ask().iccid, kBelgium);
}

TEST(TravelPolicy, DecisionNames) {
  EXPECT_STREQ(travel_decision_name(TKind::Switch), "switch");
  EXPECT_STREQ(travel_decision_name(TKind::HeldBack), "held-back");
  EXPECT_STREQ(travel_decision_name(TKind::Stay), "stay");
}

}  // namespace travel

}  // namespace
}  // namespace euiccd::daemon
