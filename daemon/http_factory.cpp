#include "daemon/engine_settings.h"
#include "https/helper_client.h"

namespace euiccd::daemon {

// HTTPS runs in the euiccd-https helper, one per client (one per server of an operation): the
// daemon itself never loads libcurl or OpenSSL (docs/performance.md, "Memory").
lpa::HttpClientFactory make_http_factory(const NetworkConfig& settings,
                                         const std::atomic<bool>* cancel) {
  return [settings, cancel](const std::string&) -> std::unique_ptr<lpa::HttpClient> {
    https::HelperHttpOptions options;
    options.helper_path = https::installed_helper_path();
    options.config.ca_files = settings.ca_files;
    options.config.ca_dirs = settings.ca_dirs;
    options.config.resolve = settings.resolve;
    options.config.connect_timeout_ms = uint64_t(settings.connect_timeout.count());
    options.config.total_timeout_ms = uint64_t(settings.total_timeout.count());
    options.cancel = cancel;
    return std::make_unique<https::HelperHttpClient>(std::move(options));
  };
}

}  // namespace euiccd::daemon
