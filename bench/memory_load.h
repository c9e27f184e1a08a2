// Memory under load (issue 14, item 4): one euiccd with one eUICC, its first idle RSS, then
// downloads + deletes, top-up calls (Profile.CheckBalance / TopUp against python-dbusmock as
// ModemManager, tests/support/dbusmock_modemmanager.py) and plain D-Bus calls, with the RSS
// after each phase once the daemon is idle again. Card and SM-DP+ without latency: this is
// about the daemon.
#pragma once

#include <string>
#include <vector>

#include "bench/daemon_bench.h"

namespace euiccd::bench {

struct LoadCounts {
  int downloads = 100;
  int topups = 1000;
  int dbus_calls = 10000;
};

struct LoadPhase {
  std::string name;  // "after 100 downloads + deletes"
  ProcessMemory memory;
  double ms_per_call = 0;
};

struct LoadResult {
  ProcessMemory first_idle;
  std::vector<LoadPhase> phases;
  std::vector<MappingRss> end_mappings;
  size_t jobs_on_bus = 0;
};

LoadResult run_memory_load(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                           euiccd::testing::BusClient& client, const std::string& veuicc,
                           const LoadCounts& counts);

}  // namespace euiccd::bench
