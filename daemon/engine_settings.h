// What card workers need from the configuration to run operations: how to reach servers, what
// device to claim, how long to wait for people, when to deliver notifications.
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

// The configuration's sections that the engine runs on are its settings as they are (each
// default written once, here; docs/configuration.md lists them and
// tests/unit/config_docs_test.cpp holds the two together). config.h parses them.

// [Network]: ES9+/ES11 HTTPS. The GSMA CI roots shipped with euiccd are always trusted; these
// add to them (a private SM-DP+, the tests' own PKI). TLS is never turned off.
struct NetworkConfig {
  std::vector<std::string> ca_files;  // `CAFile=`: PEM files
  std::vector<std::string> ca_dirs;   // `CADirectory=`: dirs of *.pem/*.crt/*.cer
  // `Resolve=HOST:PORT:ADDRESS` (curl --resolve form): a name → address override for tests.
  std::vector<std::string> resolve;
  std::chrono::milliseconds connect_timeout{15'000};  // `ConnectTimeoutSec=`
  std::chrono::milliseconds total_timeout{120'000};   // `TimeoutSec=` (one HTTP exchange)

  bool operator==(const NetworkConfig&) const = default;
};

// [Notifications]: delivery of the card's pending notifications to the SM-DP+.
struct NotificationsConfig {
  // `AutoProcess=`: deliver them right after each change and download, and when an eUICC
  // appears.
  bool auto_process = true;
  // `RetryIntervalSec=`: with auto-processing, the first wait before notifications that stayed
  // on the card are tried again (doubling per failed retry, daemon/notification_retry.h); 0 = no
  // retry timer.
  std::chrono::seconds retry_interval{3600};

  bool operator==(const NotificationsConfig&) const = default;
};

// [Device]: what AuthenticateServer tells the SM-DP+ about the device (SGP.22 DeviceInfo):
// `TAC=` (8 digits; lpa::DeviceInfo's default otherwise) and `IMEI=` (15 or 16 digits, unset by
// default; a download's own IMEI option wins).
using DeviceConfig = lpa::DeviceInfo;

// How the card worker reaches the ISD-R.
struct CardSettings {
  std::vector<Bytes> isd_r_aids;  // tried in order; empty = apdu::default_isd_r_aids()
  size_t segment_size = 255;      // `SegmentSize=` of [Readers]: STORE DATA block size, 1..255
  // Enable/Disable with SGP.22's refreshFlag: the eUICC then asks its terminal for a REFRESH
  // (a proactive command announced with SW 91xx) that a modem carries out by resetting the
  // UICC and attaching with the new profile. Behind a PC/SC reader there is no modem to do
  // that and nobody to FETCH the command, so the card would keep answering 91xx; the new
  // profile is active from the card's next reset either way. A modem backend sets it.
  bool refresh_on_switch = false;
};

// How a profile switch on a modem eUICC follows the modem (daemon/profile_switch.h).
struct SwitchSettings {
  std::string modem_manager_bus;  // "" = the system bus, else a D-Bus address (tests)
  // [Boot] RegistrationTimeoutSec=: how long the modem may take to come back with the new SIM,
  // and then to register on a network, each.
  std::chrono::milliseconds registration_timeout{std::chrono::seconds(120)};
  // How often ModemManager is asked while the switch waits for it.
  std::chrono::milliseconds poll_interval{250};
};

struct EngineSettings {
  NetworkConfig http;  // [Network], plus the shipped CI roots and the command line's additions
  CardSettings card;
  NotificationsConfig notifications;
  lpa::Es9pOptions es9p;
  DeviceConfig device;  // TAC (and IMEI) sent to the SM-DP+ unless a call gives an IMEI
  // How long a download waits at the metadata for Job.Confirm before it gives up (cancelled
  // with reason timeout).
  std::chrono::milliseconds confirm_timeout{std::chrono::minutes(10)};
  // How long a finished Job object stays on the bus for its properties to be read.
  std::chrono::milliseconds job_linger{std::chrono::minutes(5)};
  SwitchSettings switching;
};

// A factory of verified-TLS curl clients that give up with Error(Cancelled) once `cancel` is
// raised. `cancel` must outlive the clients.
lpa::HttpClientFactory make_http_factory(const NetworkConfig& settings,
                                         const std::atomic<bool>* cancel);

}  // namespace euiccd::daemon
