// The boot policy as the daemon drives it: ask, act, report the outcome, ask again.
#include "daemon/boot_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace euiccd::daemon
