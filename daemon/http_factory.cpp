#include "daemon/engine_settings.h"
#include "net/curl_http_client.h"

namespace euiccd::daemon {

lpa::HttpClientFactory make_http_factory(const HttpSettings& settings,
                                         const std::atomic<bool>* cancel) {
  return [settings, cancel](const std::string&) -> std::unique_ptr<lpa::HttpClient> {
    net::CurlHttpOptions options;
    options.ca_files = settings.ca_files;
    options.ca_dirs = settings.ca_dirs;
    options.resolve = settings.resolve;
    options.connect_timeout = settings.connect_timeout;
    options.total_timeout = settings.total_timeout;
    options.cancel = cancel;
    return std::make_unique<net::CurlHttpClient>(std::move(options));
  };
}

}  // namespace euiccd::daemon
