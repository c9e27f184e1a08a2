#include "daemon/modem_backend.h"

#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "apdu/channel_link.h"
#include "base/error.h"
#include "daemon/log.h"
#include "daemon/modem_sim_restart.h"

namespace euiccd::daemon {
namespace {

class ModemConnection : public CardConnection {
 public:
  ModemConnection(ModemTransport transport, std::unique_ptr<modem::ModemLink> link)
      : transport_(transport), link_(std::move(link)) {}

  apdu::ChannelLink& link() override { return *link_; }
  // The modem owns the logical channel: no other program can send on it, and there is
  // nothing like a PC/SC transaction to take.
  std::unique_ptr<CardHold> hold() override { return nullptr; }

  // Refresh: the modem already did it on the card's request. The transport's own way: its
  // link sends it (and reopens the channel on the next command).
  void restart_sim(SimRestart how) override {
    if (how == SimRestart::Refresh) return;
    if (!can_restart_sim(transport_, how)) {
      throw Error(Errc::NotSupported, "a " + std::string(transport_name(transport_)) +
                                          " modem cannot restart its SIM by " +
                                          std::string(sim_restart_name(how)) + " (only " +
                                          sim_restart_choices(transport_) + ")");
    }
    try {
      link_->restart_sim();
    } catch (const Error& e) {
      if (e.code() != Errc::NotSupported) throw;
      throw Error(Errc::NotSupported,
                  std::string(e.what()) + "; this modem cannot restart its SIM by " +
                      std::string(sim_restart_name(how)) +
                      ": set SimRestart=refresh for it (docs/configuration.md, \"Restarting the "
                      "SIM\")");
    }
  }

 private:
  ModemTransport transport_;
  std::unique_ptr<modem::ModemLink> link_;
};

// The device node's identity (st_rdev, st_dev, st_ino), or nullopt when it does not exist.
std::optional<Bytes> node_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  Bytes id;
  for (uint64_t v : {static_cast<uint64_t>(st.st_rdev), static_cast<uint64_t>(st.st_dev),
                     static_cast<uint64_t>(st.st_ino)})
    for (int shift = 56; shift >= 0; shift -= 8) id.push_back(static_cast<uint8_t>(v >> shift));
  return id;
}

}  // namespace

std::string proxy_access_problem(ModemTransport transport, unsigned uid) {
  if (uid == 0 || transport == ModemTransport::At) return {};
  const std::string proxy = transport == ModemTransport::Qmi ? "qmi-proxy" : "mbim-proxy";
  return "euiccd runs as uid " + std::to_string(uid) + ", and " + proxy +
         " (which shares the modem with ModemManager) serves root clients only; run euiccd as "
         "root for " +
         std::string(transport_name(transport)) +
         " modems for now (docs/configuration.md, \"Modems\")";
}

// Reports the backend's slots to the registry: at start() and after each set_endpoints().
class ModemBackend::Watch : public DeviceWatch {
 public:
  Watch(ModemBackend& backend, SlotsChanged changed)
      : backend_(backend), changed_(std::move(changed)) {}
  ~Watch() override { stop(); }

  void start() override {
    backend_.watch_ = this;
    report();
  }
  void stop() override {
    if (backend_.watch_ == this) backend_.watch_ = nullptr;
  }
  void report() { changed_(backend_.slots()); }

 private:
  ModemBackend& backend_;
  SlotsChanged changed_;
};

ModemBackend::ModemBackend(ModemCarrier carrier) : carrier_(std::move(carrier)) {}

ModemBackend::~ModemBackend() = default;

std::string ModemBackend::name() const {
  return std::string(transport_name(carrier_.transport));
}

std::unique_ptr<CardConnection> ModemBackend::connect(const std::string& device) {
  ModemSetup setup;
  {
    std::lock_guard lock(mutex_);
    auto it = served_.find(device);
    if (it == served_.end())
      throw Error(Errc::NoReader, "the modem endpoint " + device + " is no longer known");
    setup = it->second;
  }
  if (carrier_.through_proxy) {
    if (std::string problem = proxy_access_problem(carrier_.transport, ::geteuid());
        !problem.empty())
      throw Error(Errc::NotAllowed,
                  "cannot reach the modem at " + setup.endpoint.device + ": " + problem);
  }
  return std::make_unique<ModemConnection>(carrier_.transport, carrier_.make_link(setup));
}

std::unique_ptr<DeviceWatch> ModemBackend::watch(LoopQueue&, SlotsChanged changed) {
  // Sources call set_endpoints on the loop thread, so the picture is made and handed on there.
  return std::make_unique<Watch>(*this, std::move(changed));
}

CardSettings ModemBackend::card_settings(CardSettings configured) const {
  configured.segment_size = std::min(configured.segment_size, carrier_.segment_size);
  // The modem is the terminal: it carries out the REFRESH (restarts the UICC and attaches
  // with the new profile), which is what makes a switch take effect on the network.
  configured.refresh_on_switch = true;
  return configured;
}

std::string ModemBackend::modem_object(const std::string& device) const {
  std::lock_guard lock(mutex_);
  auto it = served_.find(device);
  return it == served_.end() ? std::string() : it->second.endpoint.modem_object;
}

std::optional<SimRestart> ModemBackend::sim_restart(const std::string& device) const {
  {
    std::lock_guard lock(mutex_);
    auto it = served_.find(device);
    if (it != served_.end() && it->second.endpoint.sim_restart &&
        can_restart_sim(carrier_.transport, *it->second.endpoint.sim_restart))
      return it->second.endpoint.sim_restart;
  }
  return default_sim_restart(carrier_.transport);
}

void ModemBackend::set_endpoints(const std::string& source, const std::vector<ModemSetup>& setups) {
  std::vector<ModemSetup> mine;
  for (const auto& s : setups)
    if (s.endpoint.transport == carrier_.transport) mine.push_back(s);
  {
    std::lock_guard lock(mutex_);
    if (mine.empty())
      sources_.erase(source);
    else
      sources_[source] = std::move(mine);
    served_ = union_of_sources();
  }
  report();
}

std::map<std::string, ModemSetup> ModemBackend::union_of_sources() const {
  std::map<std::string, ModemSetup> all;
  for (const auto& [source, setups] : sources_) {
    for (const auto& s : setups) {
      auto [it, fresh] = all.try_emplace(s.endpoint.key(), s);
      if (fresh) continue;
      ModemSetup& kept = it->second;
      if (kept.endpoint.modem_object.empty()) kept.endpoint.modem_object = s.endpoint.modem_object;
      if (!kept.timeout) kept.timeout = s.timeout;
      if (!kept.endpoint.sim_restart) kept.endpoint.sim_restart = s.endpoint.sim_restart;
    }
  }
  return all;
}

std::vector<CardSlot> ModemBackend::slots() const {
  std::map<std::string, ModemSetup> served;
  {
    std::lock_guard lock(mutex_);
    served = served_;
  }
  std::vector<CardSlot> slots;
  for (const auto& [key, setup] : served) {
    std::optional<Bytes> node = node_identity(setup.endpoint.device);
    CardSlot slot{key, node.has_value(), node.value_or(Bytes{})};
    // The slot number belongs to the identity too: the same node, another SIM.
    slot.identity.push_back(static_cast<uint8_t>(setup.endpoint.slot));
    slots.push_back(std::move(slot));
  }
  return slots;
}

void ModemBackend::report() {
  if (watch_) watch_->report();
}

ModemBackends::ModemBackends(const std::vector<ModemCarrier>& carriers) {
  for (const auto& c : carriers) backends_.push_back(std::make_shared<ModemBackend>(c));
}

void ModemBackends::set_endpoints(const std::string& source,
                                  const std::vector<ModemSetup>& setups) {
  std::set<ModemTransport> served;
  for (const auto& b : backends_) {
    served.insert(b->transport());
    b->set_endpoints(source, setups);
  }
  for (const auto& s : setups) {
    if (served.count(s.endpoint.transport)) continue;
    log(Level::Warning, {},
        "the modem " + s.endpoint.key() + " (from " + source + ") is not served: this euiccd " +
            "was built without " + std::string(transport_name(s.endpoint.transport)) + " support");
  }
}

void ModemBackends::set_endpoints(const std::string& source,
                                  const std::vector<ModemEndpoint>& endpoints) {
  std::vector<ModemSetup> setups;
  setups.reserve(endpoints.size());
  for (const auto& e : endpoints) setups.push_back({e, std::nullopt});
  set_endpoints(source, setups);
}

ModemEndpointsChanged ModemBackends::source(const std::string& name) {
  return
      [this, name](const std::vector<ModemEndpoint>& endpoints) { set_endpoints(name, endpoints); };
}

}  // namespace euiccd::daemon
