// Many eUICCs at once (issue 14, item 5): N virtual cards, each in its own vpcd slot of the
// sandbox (pcsc-sandbox.sh --readers 16), each with its own EID and certificate under the test
// EUM, behind one euiccd. What a device with a card bank cares about: every card published, N
// downloads started together taking about as long as one, cached reads staying fast while they
// run, and what each extra eUICC costs in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/daemon_bench.h"

namespace euiccd::bench {

struct ManyOptions {
  unsigned cards = 16;
  unsigned latency_ms = 20;
  unsigned rtt_ms = 30;
  unsigned smdp_servers = 4;  // card k downloads from server k mod this
};

struct ManyResult {
  unsigned cards = 0;
  unsigned smdp_servers = 0;
  double all_published_ms = 0;  // daemon spawn → every eUICC on the bus
  double one_download_ms = 0;   // one download alone (call → job succeeded)
  double all_downloads_ms = 0;  // N started together → the last succeeded
  std::vector<double> each_download_ms;
  LatencyStats ping, eid, profiles;  // cached reads while the N downloads run
  int reads = 0;
  ProcessMemory one, many;  // idle, with 1 and with N eUICCs
  double peers_cpu_ms = 0;  // veuicc ×N, SM-DP+, pcscd during the N downloads
  double daemon_cpu_ms = 0;
  double downloads_wall_cpu_ms = 0;  // wall × cores: what the machine could give
};

// `base_port`: the first slot's card port ($VPCD_PORT); card k uses base_port + k.
ManyResult run_many_euiccs(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                           euiccd::testing::BusClient& client, const std::string& veuicc,
                           uint16_t base_port, const ManyOptions& options);

}  // namespace euiccd::bench
