// The euiccd binary on a private dbus-daemon (polkit stood in by python-dbusmock, allowing
// everything), against the same virtual card and SM-DP+: operations over D-Bus as a shell calls
// them, cached property reads against Peer.Ping, cold start to READY=1, idle wakeups and memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/rig.h"
#include "tests/support/dbus_test_client.h"
#include "tests/support/dbusmock_modemmanager.h"

namespace euiccd::bench {

struct DaemonPaths {
  std::string euiccd;  // the binary
  std::string pki;
  std::string work_dir;
};

// python-dbusmock as polkit on the bus, allowing everything once allow_everything() ran.
class PolkitMock {
 public:
  explicit PolkitMock(const euiccd::testing::PrivateBus& bus);

 private:
  euiccd::testing::SpawnedProcess process_;
};

struct DaemonSetup {
  std::vector<std::string> resolve{};  // --resolve HOST:PORT:ADDR
  std::string config{};                // euiccd.conf text (docs/configuration.md)
  bool modem_manager = false;          // ModemManager on the private bus (else: none reachable)
};

// One running euiccd on `bus`, started with NOTIFY_SOCKET pointing at a socket of ours.
class DaemonUnderTest {
 public:
  DaemonUnderTest(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                  const std::vector<std::string>& resolve)
      : DaemonUnderTest(paths, bus, DaemonSetup{.resolve = resolve}) {}
  DaemonUnderTest(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                  const DaemonSetup& setup);
  ~DaemonUnderTest();

  pid_t pid() const;
  double ready_ms() const { return ready_ms_; }  // spawn → READY=1 received
  // Waits until /org/euiccd1/euicc/0 is on the bus; returns ms since spawn.
  double wait_for_euicc(euiccd::testing::BusClient& client);
  // Waits until eUICCs 0..count-1 are on the bus; returns ms since spawn.
  double wait_for_euiccs(euiccd::testing::BusClient& client, unsigned count,
                         std::chrono::seconds deadline);
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
  // The physical minimum of the notification delivery within that (one RetrieveNotificationsList
  // for all of them, one removal each, with the sizes the card answered); 0 when none went out.
  uint64_t delivery_min_apdus = 0;
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

// Operations over D-Bus on the card's eUICC 0 (the card must hold the seed profiles): enable,
// disable, nickname, download, delete, then ProcessNotifications. With `auto_process` false
// (the daemon runs with AutoProcess=no) ProcessNotifications first delivers what the changes
// left and is then called again with nothing pending.
std::vector<DbusOpResult> run_dbus_operations(euiccd::testing::BusClient& client, VirtualCard& card,
                                              SmdpServer& smdp, bool auto_process);
inline constexpr char kNothingPending[] = "process notifications (none left)";
CachedReads measure_cached_reads(euiccd::testing::BusClient& client, VirtualCard& card, int calls);
// One download + delete of the small profile over D-Bus; throws when either fails.
void download_and_delete(euiccd::testing::BusClient& client, SmdpServer& smdp);
// DownloadProfile of the small profile on eUICC `index`; returns the job path at once.
std::string start_download(euiccd::testing::BusClient& client, SmdpServer& smdp, unsigned index);
// Waits for the job to end; returns its final State.
std::string wait_job(euiccd::testing::BusClient& client, const std::string& job,
                     std::chrono::seconds deadline);
std::string euicc_path(unsigned index);
// Nearest-rank p50 / p90 of samples in µs.
LatencyStats stats(std::vector<double> us);
// Job objects euiccd keeps on the bus (finished ones linger for their result to be read).
size_t count_jobs(euiccd::testing::BusClient& client);
// Allows every polkit action on the mock.
void allow_everything(euiccd::testing::BusClient& client);

}  // namespace euiccd::bench
