// What card workers need from the configuration to run operations: how to reach servers, what
// device to claim, how long to wait for people.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "lpa/es10_download.h"
#include "lpa/es9p_client.h"
#include "lpa/http_client_factory.h"

namespace euiccd::daemon {

struct HttpSettings {
  std::vector<std::string> ca_files;  // trust anchors for ES9+/ES11 TLS (PEM)
  std::vector<std::string> ca_dirs;   // the GSMA CI roots shipped with euiccd, and more
  std::vector<std::string> resolve;   // curl --resolve entries
  std::chrono::milliseconds connect_timeout{15'000};
  std::chrono::milliseconds total_timeout{120'000};
};

// How the card worker reaches the ISD-R.
struct CardSettings {
  std::vector<Bytes> isd_r_aids;  // tried in order; empty = apdu::default_isd_r_aids()
  size_t segment_size = 255;      // STORE DATA block size
  // Enable/Disable with SGP.22's refreshFlag: the eUICC then asks its terminal for a REFRESH
  // (a proactive command announced with SW 91xx) that a modem carries out by resetting the
  // UICC and attaching with the new profile. Behind a PC/SC reader there is no modem to do
  // that and nobody to FETCH the command, so the card would keep answering 91xx; the new
  // profile is active from the card's next reset either way. A modem backend sets it.
  bool refresh_on_switch = false;
};

struct EngineSettings {
  HttpSettings http;
  CardSettings card;
  lpa::Es9pOptions es9p;
  lpa::DeviceInfo device;  // TAC (and IMEI) sent to the SM-DP+ unless a call gives an IMEI
  // How long a download waits at the metadata for Job.Confirm before it gives up (cancelled
  // with reason timeout).
  std::chrono::milliseconds confirm_timeout{std::chrono::minutes(10)};
  // Deliver the card's pending notifications right after each change and download, and when
  // an eUICC appears.
  bool auto_process_notifications = true;
  // With auto-processing: first wait before notifications that stayed on the card are tried
  // again (doubling per failed retry, daemon/notification_retry.h); 0 = no retry timer.
  std::chrono::seconds notification_retry_interval{3600};
  // How long a finished Job object stays on the bus for its properties to be read.
  std::chrono::milliseconds job_linger{std::chrono::minutes(5)};
};

// A factory of verified-TLS curl clients that give up with Error(Cancelled) once `cancel` is
// raised. `cancel` must outlive the clients.
lpa::HttpClientFactory make_http_factory(const HttpSettings& settings,
                                         const std::atomic<bool>* cancel);

}  // namespace euiccd::daemon
