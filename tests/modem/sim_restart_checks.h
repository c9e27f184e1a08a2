// The SIM restart of issue 13 as the emulated-modem tests check it: one call to the link's
// restart_sim(), its round trips and wall time printed for docs/modem-research.md section 12,
// and the card seen again through the same stack afterwards.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "lpa/es10_client.h"

namespace euiccd::testing {

// Runs `link.restart_sim()` (a QmiChannelLink or MbimChannelLink), expects it to end within
// `bound`, and returns the request/response round trips it made.
template <typename Link>
uint64_t measured_restart(Link& link, const char* what, std::chrono::milliseconds bound) {
  const uint64_t before = link.round_trips();
  const auto t0 = std::chrono::steady_clock::now();
  link.restart_sim();
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  const uint64_t trips = link.round_trips() - before;
  std::printf("  %s: %llu round trips, %lld ms\n", what, static_cast<unsigned long long>(trips),
              static_cast<long long>(took.count()));
  EXPECT_LT(took, bound) << what;
  return trips;
}

// After the restart (the link counted it as a reset, so the channel opened before it is stale):
// the same stack (`s.link`, `s.channel`, `s.es10`) opens a new channel on its next command,
// with no further reset, and the card lists `first` disabled and `second` enabled.
template <typename Stack>
void expect_switched_on_the_same_stack(Stack& s, const std::string& first,
                                       const std::string& second) {
  const uint64_t resets = s.link.reset_count();
  const auto list = s.es10.get_profiles_info();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].iccid, first);
  EXPECT_EQ(list[0].state, lpa::ProfileState::Disabled);
  EXPECT_EQ(list[1].iccid, second);
  EXPECT_EQ(list[1].state, lpa::ProfileState::Enabled);
  EXPECT_TRUE(s.channel.is_open());
  EXPECT_EQ(s.link.reset_count(), resets);
}

}  // namespace euiccd::testing
