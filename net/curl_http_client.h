// lpa::HttpClient on libcurl, for ES9+/ES11. TLS is always verified against the configured
// trust anchors only (GSMA CI roots + configured extra CAs), TLS 1.2 or later, host name
// checked; there is no switch to turn that off. One client object keeps one curl handle, so
// the calls of one operation to one server share a connection (one TLS handshake).
//
// Not thread-safe: one client per operation/worker. Only the cancel flag may be raised from
// another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lpa/http.h"

namespace euiccd::net {

struct CurlHttpOptions {
  // Trust anchors: PEM files (each may hold several certificates) and directories whose
  // *.pem/*.crt/*.cer files are loaded. At least one certificate must be found.
  std::vector<std::string> ca_files;
  std::vector<std::string> ca_dirs;
  // Fixed name → address mappings in curl's --resolve form "host:port:address", so a test
  // server on 127.0.0.1 is reached under the name in its certificate.
  std::vector<std::string> resolve;
  std::chrono::milliseconds connect_timeout{15'000};
  std::chrono::milliseconds total_timeout{120'000};
  // Stall detection: abort when fewer than low_speed_bytes per second flow for low_speed_time.
  long low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{30};
  // Largest reply body accepted (a bound profile package is well under a megabyte in base64).
  size_t max_reply_bytes = 8 * 1024 * 1024;
  // Raised by another thread to abort the transfer in progress (and any later one) with
  // Error(Cancelled). Must outlive the client. May be null.
  const std::atomic<bool>* cancel = nullptr;
  // nullopt: curl's default (proxy from the environment); "": no proxy; else the proxy URL.
  std::optional<std::string> proxy;
};

// Counters for benchmarks and logs; cumulative over the life of the client.
struct HttpStats {
  uint64_t requests = 0;        // post() calls that reached the transfer stage
  uint64_t connections = 0;     // new connections opened (each one a TLS handshake)
  uint64_t bytes_sent = 0;      // request body bytes
  uint64_t bytes_received = 0;  // reply body bytes
};

class CurlHttpClient : public lpa::HttpClient {
 public:
  // Throws Error(InvalidArgument) if the trust anchors cannot be loaded.
  explicit CurlHttpClient(CurlHttpOptions options);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  lpa::HttpResponse post(const lpa::HttpRequest& request) override;

  const HttpStats& stats() const { return stats_; }
  // Number of trust anchor certificates loaded.
  size_t trust_anchor_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  HttpStats stats_;
};

}  // namespace euiccd::net
