// euiccd: the eSIM (SGP.22 LPA) daemon. main() wires the parts together: configuration, the
// sd-event loop with the bus attached, the eUICC registry fed by the card backends (PC/SC
// readers through the hotplug watcher; modems named by the configuration, and by ModemManager),
// the D-Bus service, systemd notification and an orderly stop on SIGTERM/SIGINT.
#include <signal.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "apdu/logical_channel.h"
#include "base/error.h"
#include "daemon/boot_runner.h"
#include "daemon/config.h"
#include "daemon/engine_settings.h"
#include "daemon/euicc_registry.h"
#include "daemon/log.h"
#include "daemon/loop_queue.h"
#include "daemon/memory.h"
#include "daemon/modem_backend.h"
#include "daemon/modem_carriers.h"
#include "daemon/modem_manager_watch.h"
#include "daemon/options.h"
#include "daemon/pcsc_backend.h"
#include "daemon/prepaid.h"
#include "daemon/service_notify.h"
#include "daemon/travel_runner.h"
#include "dbus/service.h"
#include "sdbus/sdbus.h"

#ifndef EUICCD_VERSION
#define EUICCD_VERSION "0"
#endif
#ifndef EUICCD_CI_CERTS_DIR
#define EUICCD_CI_CERTS_DIR "/usr/share/euiccd/ci-certs"
#endif

namespace {

using namespace euiccd;
using namespace euiccd::daemon;
using namespace std::chrono_literals;

// How long a stop waits for card workers to end their sessions (a download's CancelSession on
// card and server) before leaving anyway; below systemd's TimeoutStopSec.
constexpr auto kStopDeadline = 15s;

sdbus::Bus open_bus(const std::string& which) {
  sdbus::Bus bus;
  if (const int r = sdbus::open(bus, which); r < 0)
    throw Error(Errc::Internal, "cannot connect to the " + which + " bus: " + std::strerror(-r));
  return bus;
}

// The GSMA CI roots shipped with euiccd ($EUICCD_CI_CERTS_DIR replaces them, for tests).
std::vector<std::string> ci_root_dirs() {
  const char* env = std::getenv("EUICCD_CI_CERTS_DIR");
  const std::string dir = env && *env ? env : EUICCD_CI_CERTS_DIR;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {dir};
  return {};
}

EngineSettings engine_settings(const Config& config, const CommandLine& cl) {
  const std::vector<std::string> ci_roots = ci_root_dirs();
  EngineSettings s;
  s.http = config.network;
  s.notifications = config.notifications;
  s.device = config.device;
  s.http.ca_dirs.insert(s.http.ca_dirs.begin(), ci_roots.begin(), ci_roots.end());
  s.http.ca_files.insert(s.http.ca_files.end(), cl.ca_files.begin(), cl.ca_files.end());
  s.http.resolve.insert(s.http.resolve.end(), cl.resolve.begin(), cl.resolve.end());
  s.card.isd_r_aids = apdu::default_isd_r_aids();
  for (const auto& aid : config.readers.extra_isd_r_aids) s.card.isd_r_aids.push_back(aid);
  s.card.segment_size = config.readers.segment_size;
  const std::string modem_manager = cl.modem_manager_bus.value_or("system");
  s.switching.modem_manager_bus = modem_manager == "system" ? std::string() : modem_manager;
  s.switching.registration_timeout = config.boot.registration_timeout;
  return s;
}

// --state-dir, else what systemd's StateDirectory= hands over, else the packaged default.
std::filesystem::path state_directory(const CommandLine& cl) {
  if (cl.state_dir) return *cl.state_dir;
  const char* env = std::getenv("STATE_DIRECTORY");  // may list several, ':'-separated
  if (env && *env) return std::string(env).substr(0, std::string(env).find(':'));
  return "/var/lib/euiccd";
}

// The prepaid state file in the state directory (made on the first save if it is missing;
// systemd's StateDirectory= has made it already).
PrepaidStore open_prepaid_store(const std::filesystem::path& dir) {
  PrepaidStore store(dir / "prepaid.json");
  if (auto warning = store.load()) log(Level::Warning, {}, *warning);
  return store;
}

// The [Modem:] sections' endpoints: one source of the modem backends.
std::vector<ModemSetup> configured_modems(const Config& config) {
  std::vector<ModemSetup> setups;
  for (const auto& [name, modem] : config.modems)
    if (auto endpoint = modem.endpoint()) setups.push_back({*endpoint, modem.timeout});
  return setups;
}

// Every backend's watcher, started and stopped together.
class DeviceWatches : public DeviceWatch {
 public:
  void add(std::unique_ptr<DeviceWatch> watch) { watches_.push_back(std::move(watch)); }
  void start() override {
    for (auto& w : watches_) w->start();
  }
  void stop() override {
    for (auto& w : watches_) w->stop();
  }

 private:
  std::vector<std::unique_ptr<DeviceWatch>> watches_;
};

std::string status_line(const EuiccRegistry& registry) {
  const size_t n = registry.euiccs().size();
  return n == 0 ? "Waiting for an eUICC" : "Serving " + std::to_string(n) + " eUICC(s)";
}

// The daemon's parts, built in the order they need each other and stopped in one place.
class Daemon {
 public:
  Daemon(sd_event* event, sd_bus* bus, const Config& config, const CommandLine& cl,
         const EngineSettings& settings)
      : event_(event),
        loop_(event),
        registry_(event, loop_, settings,
                  [&config, reader_part = cl.reader](const std::string& transport,
                                                     const std::string& name) {
                    if (transport != "pcsc") return true;  // the reader settings are about readers
                    if (reader_part && name.find(*reader_part) == std::string::npos) return false;
                    return config.readers.reader_allowed(name);
                  }),
        boot_(config, cl.modem_manager_bus.value_or("system")),
        travel_(event, config.travel, cl.modem_manager_bus.value_or("system")),
        // Before the service, which calls it until it stops.
        prepaid_(event, loop_,
                 prepaid_settings(config, cl.modem_manager_bus.value_or("system"),
                                  config_files(cl).describe()),
                 open_prepaid_store(state_directory(cl))),
        service_(bus, event, registry_, settings, EUICCD_VERSION),
        modems_(built_in_modem_carriers()) {
    service_.attach_prepaid(&prepaid_);
    service_.attach_travel(&travel_);
    service_.start();
    prepaid_.start([this](const std::string& iccid) -> std::optional<PrepaidProfile> {
      for (const auto& [index, euicc] : registry_.euiccs())
        if (const lpa::ProfileInfo* p = euicc->snapshot().find_profile(iccid))
          return PrepaidProfile{*p, euicc->modem_object()};
      return std::nullopt;
    });
    // After the service (which subscribed in start()) has published the D-Bus objects, the
    // boot policy looks at the new card.
    added_ = registry_.added.subscribe([this](const std::shared_ptr<Euicc>& euicc) {
      prepaid_.euicc_appeared();
      boot_.euicc_appeared(euicc);
      travel_.euicc_appeared(euicc);
      notify_status(status_line(registry_));
    });
    removed_ = registry_.removed.subscribe([this](const std::shared_ptr<Euicc>& euicc) {
      travel_.euicc_removed(euicc);
      notify_status(status_line(registry_));
    });
    // Card backends: PC/SC readers, and one backend per modem carrier fed by the endpoint
    // sources (daemon/modem_endpoint.h).
    auto pcsc = std::make_shared<PcscBackend>();
    hotplug_.add(pcsc->watch(loop_, [this, pcsc](const std::vector<CardSlot>& slots) {
      registry_.slots_changed(pcsc, slots);
    }));
    for (const auto& backend : modems_.backends())
      hotplug_.add(backend->watch(loop_, [this, backend = std::shared_ptr<CardBackend>(backend)](
                                             const std::vector<CardSlot>& slots) {
        registry_.slots_changed(backend, slots);
      }));
    // Source 1: the configuration's [Modem:] sections.
    modems_.set_endpoints("the configuration", configured_modems(config));
    // Source 2, ModemManager's modems, with the [ModemOverride:] sections applied; watched
    // (and stopped) with the readers.
    hotplug_.add(std::make_unique<ModemManagerWatch>(event, cl.modem_manager_bus.value_or("system"),
                                                     config.modem_overrides,
                                                     modems_.source("ModemManager")));
  }

  // Watches signals and devices; tells systemd it is ready.
  void start() {
    sd_event_add_signal(event_, nullptr, SIGTERM, &Daemon::on_signal, this);
    sd_event_add_signal(event_, nullptr, SIGINT, &Daemon::on_signal, this);
    hotplug_.start();
    travel_.start();
    notify_ready(status_line(registry_));
  }

  // The one teardown, in order: stop watching devices, cancel jobs (downloads end their
  // session with reason "postponed"), take the objects off the bus (waiting calls get
  // Error.Aborted), stop the prepaid worker. The card workers then finish on their own, until
  // kStopDeadline. Once; later calls do nothing.
  void stop() {
    if (stopping_) return;
    stopping_ = true;
    notify_stopping("Stopping");
    hotplug_.stop();
    travel_.stop();
    registry_.shut_down();
    service_.stop();
    prepaid_.shut_down();
    deadline_ = std::chrono::steady_clock::now() + kStopDeadline;
  }
  bool stopping() const { return stopping_; }

  // After stop() without a loop to wait in (the bus went away): waits here for the workers.
  void wait_for_workers() {
    while (!workers_finished() && std::chrono::steady_clock::now() < deadline_)
      std::this_thread::sleep_for(50ms);
    workers_done_ = workers_finished();
  }
  // Whether every worker returned before the deadline (else joining one could block forever).
  bool workers_done() const { return workers_done_; }

 private:
  bool workers_finished() { return registry_.all_workers_finished() && prepaid_.finished(); }

  // SIGTERM/SIGINT: stop(), then wait on the loop for the workers. A second signal exits at
  // once.
  static int on_signal(sd_event_source*, const signalfd_siginfo* info, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    if (self->stopping_) {
      log(Level::Warning, {}, "second signal: exiting now");
      std::_Exit(1);
    }
    log(Level::Notice, {},
        std::string("stopping on ") + strsignal(static_cast<int>(info->ssi_signo)));
    self->stop();
    sd_event_add_time_relative(self->event_, nullptr, CLOCK_MONOTONIC, 0, 0, &Daemon::on_stop_tick,
                               self);
    return 0;
  }

  static int on_stop_tick(sd_event_source* source, uint64_t, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    const bool done = self->workers_finished();
    if (!done && std::chrono::steady_clock::now() <= self->deadline_) {
      sd_event_source_set_time_relative(source, 50'000);
      sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
      return 0;
    }
    if (!done) log(Level::Warning, {}, "a card worker did not finish in time; stopping anyway");
    self->workers_done_ = done;
    sd_event_source_set_enabled(source, SD_EVENT_OFF);  // floating: the loop drops it
    sd_event_exit(self->event_, 0);
    return 0;
  }

  sd_event* event_;
  LoopQueue loop_;
  EuiccRegistry registry_;
  BootRunner boot_;
  TravelRunner travel_;
  Prepaid prepaid_;
  dbus::Service service_;
  EuiccRegistry::Subscription added_, removed_;
  DeviceWatches hotplug_;
  ModemBackends modems_;
  std::chrono::steady_clock::time_point deadline_;
  bool stopping_ = false;
  bool workers_done_ = false;
};

int run(int argc, char** argv) {
  const CommandLine cl = parse_command_line(argc, argv);
  if (cl.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cl.version) {
    std::printf("euiccd %s\n", EUICCD_VERSION);
    return 0;
  }
  if (cl.verbose) set_max_log_level(Level::Debug);

  const ConfigFiles files = config_files(cl);
  LoadedConfig loaded = load_config(files.main_file, files.dropin_dir);
  for (const auto& d : loaded.diagnostics) log(Level::Warning, {}, d.to_string());
  const Config& config = loaded.config;
  const EngineSettings settings = engine_settings(config, cl);

  // Only the loop's signalfd sees these: blocked before any thread starts, so threads inherit
  // the mask.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);

  sdbus::Event event;
  if (int r = sd_event_default(event.put()); r < 0)
    throw Error(Errc::Internal, std::string("sd_event_default: ") + std::strerror(-r));
  // WATCHDOG=1 every half WATCHDOG_USEC while the loop turns (no-op without a watchdog).
  sd_event_set_watchdog(event, 1);
  const sdbus::Bus bus = open_bus(cl.bus.value_or("system"));  // closed before the loop goes
  sd_bus_set_exit_on_disconnect(bus, 1);
  sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);

  int status = 0;
  {
    Daemon daemon(event, bus, config, cl, settings);
    daemon.start();
    log(Level::Info, {},
        std::string("euiccd ") + EUICCD_VERSION + " ready on the " + cl.bus.value_or("system") +
            " bus");
    status = sd_event_loop(event);
    if (status < 0) log(Level::Error, {}, std::string("event loop: ") + std::strerror(-status));

    if (!daemon.stopping()) {  // the bus went away: the same stop, without a loop to wait in
      daemon.stop();
      daemon.wait_for_workers();
    }
    if (!daemon.workers_done()) {
      // A worker stuck in a card or server call would block its join forever.
      sd_bus_flush(bus);
      std::_Exit(status < 0 ? 1 : 0);
    }
  }
  return status < 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  euiccd::daemon::limit_malloc_arenas();  // before any thread starts
  try {
    return run(argc, argv);
  } catch (const euiccd::Error& e) {
    std::fprintf(stderr, "euiccd: %s\n", e.what());
    if (e.code() == euiccd::Errc::InvalidArgument) std::fputs(euiccd::daemon::kUsage, stderr);
    return e.code() == euiccd::Errc::InvalidArgument ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "euiccd: %s\n", e.what());
    return 1;
  }
}
