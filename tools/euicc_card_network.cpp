#include "tools/euicc_card_network.h"

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "base/error.h"
#include "net/curl_http_client.h"
#include "net/trust_anchors.h"

#ifndef EUICCD_CI_CERTS_DIR
#define EUICCD_CI_CERTS_DIR "/usr/share/euiccd/ci-certs"
#endif

namespace euiccd::tools {

std::vector<std::string> gsma_ci_dirs() {
  std::vector<std::string> dirs;
  std::error_code ec;
  const char* env = std::getenv("EUICCD_CI_CERTS_DIR");
  for (const std::string& dir : {std::string(env ? env : ""), std::string(EUICCD_CI_CERTS_DIR)}) {
    if (!dir.empty() && std::filesystem::is_directory(dir, ec)) {
      dirs.push_back(dir);
      break;  // the environment replaces the installed roots
    }
  }
  return dirs;
}

lpa::HttpClientFactory http_client_factory(const CommandLine& cmd) {
  net::CurlHttpOptions options;
  options.ca_files = cmd.ca_files;
  options.ca_dirs = gsma_ci_dirs();
  options.resolve = cmd.resolve;
  if (options.ca_files.empty() && options.ca_dirs.empty()) {
    throw Error(Errc::InvalidArgument,
                "no TLS trust anchors: the GSMA CI roots are not installed in " EUICCD_CI_CERTS_DIR
                " (or $EUICCD_CI_CERTS_DIR); name a CA with --ca FILE");
  }
  // Load them once now, so a bad --ca file is reported before the card is touched.
  net::TrustAnchors check(options.ca_files, options.ca_dirs);
  return [options](const std::string&) -> std::unique_ptr<lpa::HttpClient> {
    return std::make_unique<net::CurlHttpClient>(options);
  };
}

}  // namespace euiccd::tools
