// Card and server operations through the engine the daemon links (lpa/ + apdu/ over PC/SC +
// net/ on libcurl), in two configurations measured in the same run against the same card and
// server:
//
//   euiccd   — the daemon's: one PC/SC connection and one open ISD-R logical channel for the
//              card's lifetime, 255-byte STORE DATA blocks, one HTTPS connection per server
//              per operation (reused for all its requests).
//   baseline — what today's CLI LPAs do: per operation a new PC/SC context and connection, a
//              card reset, a new logical channel (closed at the end), 120-byte blocks, and a new
//              TLS connection for every HTTPS request.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/physical_minimum.h"
#include "bench/rig.h"

namespace euiccd::bench {

struct LpaConfig {
  std::string name;
  size_t segment_size = 255;
  bool fresh_card_session_per_operation = false;
  bool connection_per_request = false;
};
LpaConfig euiccd_config();
LpaConfig baseline_config();

// One operation, one configuration, one run.
struct OpSample {
  double ms = 0;
  uint64_t apdus = 0;  // as the card counted them (MANAGE CHANNEL, SELECT, GET RESPONSE too)
  uint64_t bytes_out = 0;
  uint64_t bytes_in = 0;
  uint64_t resets = 0;  // card power/reset control messages
  uint64_t es10_commands = 0;
  uint64_t https_requests = 0;
  uint64_t tls_handshakes = 0;  // new connections the client opened
  double lpa_cpu_ms = 0;        // CPU time of this process (the engine) during the operation
  double peers_cpu_ms = 0;      // CPU time of veuicc, the SM-DP+ and pcscd meanwhile
  Minimum minimum;              // for the card's segment size (255)
};

struct OpRow {
  std::string name;
  Work work;
  std::vector<OpSample> euiccd;
  std::vector<OpSample> baseline;
};

struct EngineBenchOptions {
  int iterations = 3;
  bool large_download = true;
};

// Runs every operation `iterations` times in both configurations. The card must hold the seed
// profiles (rig.h) and sit in `reader`.
std::vector<OpRow> run_engine_bench(const std::string& reader, const std::string& pki,
                                    VirtualCard& card, SmdpServer& smdp,
                                    const EngineBenchOptions& options);

// Median of one field over the samples.
double median(std::vector<double> values);
OpSample median_sample(const std::vector<OpSample>& samples);

// CPU time (user + system) of every process whose command line contains one of `names`
// (the sandbox's PID namespace holds only our own), in ms.
double cpu_ms_of(const std::vector<std::string>& names);

// A TLS handshake with the SM-DP+ on loopback, median of a few (TCP connect + TLS), in ms.
double measure_tls_handshake_ms(const std::string& pki, const SmdpServer& smdp);

}  // namespace euiccd::bench
