// The fault tests (tests/integration/faults_*_test.cpp): the SM-DP+ they download from, and
// what they check on a DaemonRig once a fault is over.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/daemon_rig.h"

namespace euiccd::testing {

// FIRST is the download a fault interrupts: 12 kB, so that installing takes a few dozen STORE
// DATA blocks and "early", "middle" and "late" inside it are different APDUs (and, at 25 ms
// per APDU, different Progress values). NEXT is the download that must work afterwards.
inline constexpr char kFaultFirstIccid[] = "8944000000000000017";
// The test SM-DP+ generates profiles of exactly the ordered size; the card stores that size.
inline constexpr int kFaultFirstSize = 12000;
inline constexpr char kFaultNextIccid[] = "8944000000000000025";

// One per test binary; both orders reusable.
inline SharedSmdp& fault_smdp() {
  static SharedSmdp s([] {
    nlohmann::json first = smdpp_test::order("FIRST", kFaultFirstIccid, kFaultFirstSize);
    first["reusable"] = true;
    nlohmann::json next = smdpp_test::order("NEXT", kFaultNextIccid, 5000);
    next["reusable"] = true;
    return nlohmann::json::array({first, next});
  }());
  return s;
}

// The next download on the same card succeeds and its install notification is sent: no RSP
// session was left on card, daemon or server.
inline void expect_next_download_works(DaemonRig& rig) {
  const std::string job = rig.start_download(fault_smdp().activation_code("NEXT"));
  ASSERT_EQ(rig.wait_job(job), "succeeded") << rig.job_error(job) << rig.logs();
  EXPECT_FALSE(rig.card_profile(kFaultNextIccid).is_null());
  // Auto-processing delivers the install notification after the job.
  EXPECT_TRUE(rig.wait_notifications_sent()) << rig.logs();
}

// Every sequence number the card handed out is still on the card or reached the SM-DP+.
inline void expect_no_notification_lost(const DaemonRig& rig) {
  EXPECT_EQ(rig.lost_notifications(), std::vector<long>{})
      << "neither on the card nor at the server\n"
      << rig.card_state().dump() << rig.logs();
}

}  // namespace euiccd::testing
