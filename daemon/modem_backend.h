// The card backends for eUICCs inside modems, one per carrier ("qmi", "mbim", "at"). A backend
// serves the union of the endpoints its sources name (the configuration's [Modem:] sections,
// ModemManager's modem objects, daemon/modem_endpoint.h): each endpoint is a CardSlot whose
// device is the endpoint's key, and an endpoint that no source names any more leaves the bus
// like a reader unplugged. A connection is the carrier's apdu::ChannelLink, built on the card's
// worker thread by the carrier's entry (daemon/modem_carriers.h); modems have no exclusive hold
// (the modem keeps the logical channel to itself), so hold() is nullptr. A connection restarts
// the SIM (issue 13) through its link, the way the endpoint's configuration or the transport's
// default says (daemon/modem_sim_restart.h).
//
// This file knows no carrier library: the links come in through ModemCarrier::make_link.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/card_backend.h"
#include "daemon/modem_endpoint.h"
#include "modem/modem_link.h"

namespace euiccd::daemon {

// One endpoint as a source names it, with what the configuration may add.
struct ModemSetup {
  ModemEndpoint endpoint;
  // How long one modem command may take; nullopt: the carrier's default.
  std::optional<std::chrono::milliseconds> timeout;
};

// How one carrier's links are made: the one place a transport plugs in.
struct ModemCarrier {
  ModemTransport transport = ModemTransport::Qmi;
  // Builds the link for `setup` on the calling thread (the card's worker); it connects on its
  // first open(). Throws euiccd::Error for an endpoint the carrier cannot serve.
  std::function<std::unique_ptr<modem::ModemLink>(const ModemSetup& setup)> make_link;
  // STORE DATA segment to start at (a carrier with a short command line wants less than 255).
  size_t segment_size = 255;
  // Reached through qmi-proxy / mbim-proxy, which Debian builds to serve root clients only.
  bool through_proxy = false;
};

// Why a proxied carrier cannot work for a client of `uid`, or "" when it can: the proxies of
// Debian's libqmi/libmbim refuse every client but root (docs/modem-research.md section 8).
std::string proxy_access_problem(ModemTransport transport, unsigned uid);

class ModemBackend : public CardBackend {
 public:
  explicit ModemBackend(ModemCarrier carrier);
  ~ModemBackend() override;

  std::string name() const override;
  // `device` is a ModemEndpoint key this backend serves.
  std::unique_ptr<CardConnection> connect(const std::string& device) override;
  std::unique_ptr<DeviceWatch> watch(LoopQueue& loop, SlotsChanged changed) override;
  CardSettings card_settings(CardSettings configured) const override;
  std::string modem_object(const std::string& device) const override;
  // The endpoint's configured way (`SimRestart=`), else the transport's default.
  std::optional<SimRestart> sim_restart(const std::string& device) const override;

  // Loop thread: every endpoint `source` names now (endpoints of other transports are left
  // out). The watcher reports the new union at once.
  void set_endpoints(const std::string& source, const std::vector<ModemSetup>& setups);
  // The union as CardSlots: one per key; a device node that does not exist has no card, and
  // the node's identity (device and inode) tells a replugged modem from the old one.
  std::vector<CardSlot> slots() const;
  ModemTransport transport() const { return carrier_.transport; }

 private:
  class Watch;
  // The setup a key stands for now: ModemManager's (which knows the modem object) wins over
  // the configuration's for the same key, the configuration's timeout and SIM restart are
  // kept when ModemManager's has none.
  std::map<std::string, ModemSetup> union_of_sources() const;
  void report();

  const ModemCarrier carrier_;
  mutable std::mutex mutex_;  // sources_ and served_: connect() runs on card workers
  std::map<std::string, std::vector<ModemSetup>> sources_;
  std::map<std::string, ModemSetup> served_;  // by key
  Watch* watch_ = nullptr;                    // loop thread
};

// The modem backends euiccd was built with, one per carrier; hands each source's endpoints to
// the backend of their transport.
class ModemBackends {
 public:
  explicit ModemBackends(const std::vector<ModemCarrier>& carriers);

  const std::vector<std::shared_ptr<ModemBackend>>& backends() const { return backends_; }
  // Loop thread. Endpoints of a transport euiccd was built without are logged and left out.
  void set_endpoints(const std::string& source, const std::vector<ModemSetup>& setups);
  void set_endpoints(const std::string& source, const std::vector<ModemEndpoint>& endpoints);
  // A source's hook (what a ModemManager watcher calls with every new picture).
  ModemEndpointsChanged source(const std::string& name);

 private:
  std::vector<std::shared_ptr<ModemBackend>> backends_;
};

}  // namespace euiccd::daemon
