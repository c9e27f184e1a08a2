// lpa::HttpClient that runs HTTPS in a short-lived helper process (euiccd-https) instead of in
// the daemon: the daemon links neither libcurl nor OpenSSL, so it keeps neither their ~30
// libraries nor the pages a TLS session touches (docs/performance.md, "Memory"). The helper
// is started on the first request and serves every request of this client on one kept-alive
// connection; it is killed when the client goes away, when the cancel flag is raised, when it
// misses its deadline, or when it sends something that is not a message.
//
// Errors are those of net::CurlHttpClient (the helper runs it and sends the Error back), plus:
// Errc::Internal when the helper cannot be started or ends without a reply, Errc::Malformed
// when it sends a broken message, Errc::Timeout when it does not answer within the request's
// deadline plus a grace period.
//
// Not thread-safe: one client per operation/worker; only the cancel flag may be raised from
// another thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "https/wire.h"
#include "lpa/http.h"

namespace euiccd::https {

class HelperProcess;

struct HelperHttpOptions {
  std::string helper_path;  // the euiccd-https executable; see installed_helper_path()
  Config config;            // trust anchors, name mappings, deadlines for the helper's curl
  // Raised by another thread to abort the request in progress (the helper is killed) and any
  // later one, with Error(Cancelled). Must outlive the client. May be null.
  const std::atomic<bool>* cancel = nullptr;
  // How long after config.total_timeout_ms the helper is given to report its own timeout
  // before it is killed and the request fails with Timeout.
  std::chrono::milliseconds grace{5'000};
};

class HelperHttpClient : public lpa::HttpClient {
 public:
  explicit HelperHttpClient(HelperHttpOptions options);
  ~HelperHttpClient() override;
  HelperHttpClient(const HelperHttpClient&) = delete;
  HelperHttpClient& operator=(const HelperHttpClient&) = delete;

  lpa::HttpResponse post(const lpa::HttpRequest& request) override;

  // The running helper's pid, -1 when none runs (for tests).
  pid_t helper_pid() const;
  // Helpers started by this client so far (a new one after a kill).
  size_t helpers_started() const { return started_; }

 private:
  HelperHttpOptions options_;
  std::unique_ptr<HelperProcess> helper_;
  size_t started_ = 0;

  HelperProcess& helper();
  void send_all(const std::string& frame, const std::string& host);
  std::string receive_frame(const std::string& host);
  [[noreturn]] void helper_ended(const std::string& host);
};

// Where the daemon finds the helper: next to its own executable, at the installed layout's
// relative path from sbin to libexec (the build tree mirrors it, so the daemon run from the
// build directory finds the helper built with it).
std::string installed_helper_path();

}  // namespace euiccd::https
