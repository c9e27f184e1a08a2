// The euiccd binary on a private dbus-daemon (polkit stood in by python-dbusmock, allowing
// everything), against the same virtual card and SM-DP+: operations over D-Bus as a shell calls
// them, cached property reads against Peer.Ping, cold start to READY=1, idle wakeups and memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/rig.h"
#include "tests/support/dbus_test_bus.h"
#include "tests/support/dbus_test_client.h"

namespace euiccd::bench {

struct DaemonPaths {
  std::string euiccd;  // the binary
  std::string pki;
  std::string work_dir;
};

// One running euiccd on `bus`, started with NOTIFY_SOCKET pointing at a socket of ours.
class DaemonUnderTest {
 public:
  DaemonUnderTest(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                  const std::vector<std::string>& resolve);
  ~DaemonUnderTest();

  pid_t pid() const;
  double ready_ms() const { return ready_ms_; }  // spawn → READY=1 received
  // Waits until /org/euiccd1/euicc/0 is on the bus; returns ms since spawn.
  double wait_for_euicc(euiccd::testing::BusClient& client);
  std::string log_path() const { return log_path_; }

 private:
  std::string log_path_;
  std::string socket_path_;
  int notify_fd_ = -1;
  std::chrono::steady_clock::time_point spawned_;
  double ready_ms_ = -1;
  std::unique_ptr<euiccd::testing::Subprocess> process_;
};

struct ProcessMemory {
  uint64_t rss_kb = 0;
  uint64_t rss_anon_kb = 0;
  uint64_t rss_file_kb = 0;
  uint64_t hwm_kb = 0;
  uint64_t pss_kb = 0;  // proportional: shared library pages split among their users
  uint64_t threads = 0;
};
ProcessMemory read_memory(pid_t pid);

// The mappings holding most of the RSS, summed per file ("[heap]", "[anon]" for the rest).
struct MappingRss {
  std::string name;
  uint64_t rss_kb = 0;
};
std::vector<MappingRss> top_mappings(pid_t pid, size_t count);

// What starting any process of this binary costs before main(): exec and dynamic loading,
// measured with `euiccd --version` (median of `runs`), in ms.
double exec_floor_ms(const std::string& euiccd, int runs);

struct ThreadWakeups {
  std::string name;
  uint64_t switches = 0;  // voluntary + involuntary context switches in the window
};
// Context switches of every thread of `pid` over `seconds` (a sleeping thread that wakes
// switches at least once per wakeup).
std::vector<ThreadWakeups> count_wakeups(pid_t pid, double seconds);

struct DbusOpResult {
  std::string name;
  double reply_ms = 0;               // call → reply (download: → job succeeded)
  uint64_t apdus_to_reply = 0;       // what the card saw until then
  uint64_t apdus_with_followup = 0;  // ... and until the daemon went quiet (auto notifications)
};

struct LatencyStats {
  double p50_us = 0;
  double p90_us = 0;
};
struct CachedReads {
  LatencyStats ping, eid, profiles;
  uint64_t apdus = 0;  // the card's count across all the reads
  int calls = 0;
};

// Operations over D-Bus on the card's eUICC 0 (the card must hold the seed profiles).
std::vector<DbusOpResult> run_dbus_operations(euiccd::testing::BusClient& client, VirtualCard& card,
                                              SmdpServer& smdp);
CachedReads measure_cached_reads(euiccd::testing::BusClient& client, VirtualCard& card, int calls);
// One download + delete of the small profile over D-Bus; throws when either fails.
void download_and_delete(euiccd::testing::BusClient& client, SmdpServer& smdp);
// Job objects euiccd keeps on the bus (finished ones linger for their result to be read).
size_t count_jobs(euiccd::testing::BusClient& client);
// Allows every polkit action on the mock.
void allow_everything(euiccd::testing::BusClient& client);

}  // namespace euiccd::bench
