// SM-DS event retrieval (SGP.22 §3.6, ES11; digest §4.3): the eUICC authenticates to an SM-DS,
// which answers with the events waiting for this EID, each naming an SM-DP+ (or another
// SM-DS). Downloading an event is a normal download with matching id = event id at that
// server (see event_download_options).
#pragma once

#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "lpa/card_session_runner.h"
#include "lpa/download.h"
#include "lpa/es10_download.h"
#include "lpa/es9p_client.h"
#include "lpa/http_client_factory.h"
#include "lpa/transport.h"

namespace euiccd::lpa {

struct DiscoveryOptions {
  std::string smds_address;  // "" → the eUICC's root SM-DS address (ES10a)
  DeviceInfo device;
  const CancelToken* cancel = nullptr;
};

struct DiscoveryResult {
  std::string smds_address;            // the SM-DS that was asked
  std::vector<Es11EventEntry> events;  // may be empty: nothing waiting
};

class ProfileDiscoverer : public CardSessionRunner {
 public:
  using CardSessionRunner::CardSessionRunner;

  // Throws the first failure; if the card already holds an ES11 session then, it is ended with
  // ES10b.CancelSession first (ES11 has no server-side cancel).
  DiscoveryResult discover(const DiscoveryOptions& options);
};

// Download options for one discovered event (the rest of `base` is kept).
DownloadOptions event_download_options(const Es11EventEntry& event, DownloadOptions base = {});

}  // namespace euiccd::lpa
