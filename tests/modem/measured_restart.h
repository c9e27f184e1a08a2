// The SIM restart of issue 13 as the emulated-modem tests measure it: one call to the link's
// restart_sim(), its round trips and wall time printed for docs/modem-research.md section 12.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

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

}  // namespace euiccd::testing
