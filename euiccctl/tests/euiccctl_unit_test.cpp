// The parts of euiccctl that need no bus: naming profiles, exit codes, the progress line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "euiccctl/cli_error.h"
#include "euiccctl/profile_match.h"
#include "euiccctl/terminal.h"

namespace euiccctl {
namespace {

using ::testing::HasSubstr;

std::vector<ProfileEntry> sample() {
  return {
      {"/org/euiccd1/euicc/0/profile/8944000000000000017", "/org/euiccd1/euicc/0",
       "8944000000000000017", "Travel", "enabled", "Travel"},
      {"/org/euiccd1/euicc/0/profile/8944000000000000025", "/org/euiccd1/euicc/0",
       "8944000000000000025", "", "disabled", "Test profile"},
      {"/org/euiccd1/euicc/0/profile/8949111100000000033", "/org/euiccd1/euicc/0",
       "8949111100000000033", "8944", "disabled", "8944"},
  };
}

TEST(ProfileMatch, ExactIccidPathAndNickname) {
  auto all = sample();
  EXPECT_EQ(match_profile("8944000000000000025", all).iccid, "8944000000000000025");
  EXPECT_EQ(match_profile("/org/euiccd1/euicc/0/profile/8944000000000000017", all).iccid,
            "8944000000000000017");
  EXPECT_EQ(match_profile("Travel", all).iccid, "8944000000000000017");
}

TEST(ProfileMatch, NicknameBeatsPrefixAndPrefixMustBeUnique) {
  auto all = sample();
  // "8944" is a nickname and a prefix of two ICCIDs: the exact nickname wins.
  EXPECT_EQ(match_profile("8944", all).iccid, "8949111100000000033");
  EXPECT_THROW(match_profile("89490", all), CliError) << "not a prefix of any";
}

TEST(ProfileMatch, UniquePrefix) {
  auto all = sample();
  EXPECT_EQ(match_profile("894400000000000002", all).iccid, "8944000000000000025");
  EXPECT_EQ(match_profile("89491", all).iccid, "8949111100000000033");
}

TEST(ProfileMatch, AmbiguousPrefixNamesTheCandidates) {
  auto all = sample();
  all[2].nickname.clear();
  try {
    match_profile("89440", all);
    FAIL() << "no error";
  } catch (const CliError& e) {
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_THAT(e.what(), HasSubstr("8944000000000000017 (Travel)"));
    EXPECT_THAT(e.what(), HasSubstr("8944000000000000025 (Test profile)"));
  }
}

TEST(ProfileMatch, CaseInsensitiveNicknameAndNotFound) {
  auto all = sample();
  EXPECT_EQ(match_profile("travel", all).iccid, "8944000000000000017");
  try {
    match_profile("Home", all);
    FAIL() << "no error";
  } catch (const CliError& e) {
    EXPECT_EQ(e.code(), kExitNotFound);
    EXPECT_THAT(e.what(), HasSubstr("no profile matches 'Home'"));
  }
  EXPECT_THROW(match_profile("", all), CliError);
  EXPECT_THROW(match_profile("x", {}), CliError);
}

TEST(ExitCodes, FollowTheErrorName) {
  EXPECT_EQ(exit_code_for_error("org.euiccd1.Error.NotAuthorized"), kExitNotAuthorized);
  EXPECT_EQ(exit_code_for_error("org.freedesktop.DBus.Error.AccessDenied"), kExitNotAuthorized);
  EXPECT_EQ(exit_code_for_error("org.euiccd1.Error.NotFound"), kExitNotFound);
  EXPECT_EQ(exit_code_for_error("org.euiccd1.Error.Cancelled"), kExitCancelled);
  EXPECT_EQ(exit_code_for_error("org.freedesktop.DBus.Error.ServiceUnknown"), kExitUnavailable);
  EXPECT_EQ(exit_code_for_error("org.euiccd1.Error.CardRemoved"), kExitFailed);
  EXPECT_EQ(exit_code_for_error("org.euiccd1.Error.NoModem"), kExitUnavailable);
}

// The "is euiccd running?" hint is for errors where euiccd did not answer; NoModem shares the
// exit code but comes from a running euiccd.
TEST(ExitCodes, OnlyAnUnansweredCallMeansTheDaemonIsUnreachable) {
  EXPECT_TRUE(daemon_unreachable("org.freedesktop.DBus.Error.ServiceUnknown"));
  EXPECT_TRUE(daemon_unreachable("org.freedesktop.DBus.Error.NoReply"));
  EXPECT_TRUE(daemon_unreachable("org.freedesktop.DBus.Error.Spawn.ChildExited"));
  EXPECT_FALSE(daemon_unreachable("org.euiccd1.Error.NoModem"));
  EXPECT_FALSE(daemon_unreachable("org.euiccd1.Error.Busy"));
}

TEST(Terminal, ProgressLine) {
  EXPECT_EQ(render_progress("loading", 0.5, 80),
            "loading [####################....................]  50%");
  // The line fills the width it is given.
  EXPECT_EQ(render_progress("x", 2.0, 30), "x [#####################] 100%");
  EXPECT_EQ(render_progress("x", 2.0, 30).size(), 30u);
  EXPECT_EQ(render_progress("x", -1, 10), "x [..........]   0%");
}

TEST(Terminal, Formatting) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3ULL << 20), "3.0 MiB");
  EXPECT_EQ(display_width("Reisen \xC3\xBC"), 8u);
}

}  // namespace
}  // namespace euiccctl
