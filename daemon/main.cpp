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
#include "dbus/service.h"

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

sd_bus* open_bus(const std::string& which) {
  sd_bus* bus = nullptr;
  int r;
  if (which == "system") {
    r = sd_bus_open_system(&bus);
  } else if (which == "session") {
    r = sd_bus_open_user(&bus);
  } else {
    r = sd_bus_new(&bus);
    if (r >= 0) r = sd_bus_set_address(bus, which.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(bus, 1);
    if (r >= 0) r = sd_bus_start(bus);
    if (r < 0) sd_bus_unref(bus);
  }
  if (r < 0)
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

struct Stopper {
  sd_event* event = nullptr;
  DeviceWatch* hotplug = nullptr;
  EuiccRegistry* registry = nullptr;
  dbus::Service* service = nullptr;
  Prepaid* prepaid = nullptr;
  std::chrono::steady_clock::time_point deadline;
  bool stopping = false;
  bool workers_done = false;
};

int on_stop_tick(sd_event_source* source, uint64_t, void* userdata) {
  auto* s = static_cast<Stopper*>(userdata);
  if (s->registry->all_workers_finished() && s->prepaid->finished()) {
    s->workers_done = true;
    sd_event_source_disable_unref(source);
    sd_event_exit(s->event, 0);
    return 0;
  }
  if (std::chrono::steady_clock::now() > s->deadline) {
    log(Level::Warning, {}, "a card worker did not finish in time; stopping anyway");
    sd_event_source_disable_unref(source);
    sd_event_exit(s->event, 0);
    return 0;
  }
  sd_event_source_set_time_relative(source, 50'000);
  sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
  return 0;
}

// SIGTERM/SIGINT: stop watching readers, cancel jobs (downloads end their session with reason
// "postponed"), take the objects off the bus (waiting calls get Error.Aborted), then wait for
// the card workers. A second signal exits at once.
int on_signal(sd_event_source*, const signalfd_siginfo* info, void* userdata) {
  auto* s = static_cast<Stopper*>(userdata);
  if (s->stopping) {
    log(Level::Warning, {}, "second signal: exiting now");
    std::_Exit(1);
  }
  s->stopping = true;
  log(Level::Notice, {},
      std::string("stopping on ") + strsignal(static_cast<int>(info->ssi_signo)));
  notify_stopping("Stopping");
  s->hotplug->stop();
  s->registry->shut_down();
  s->service->stop();
  s->prepaid->shut_down();
  s->deadline = std::chrono::steady_clock::now() + kStopDeadline;
  sd_event_add_time_relative(s->event, nullptr, CLOCK_MONOTONIC, 0, 0, on_stop_tick, s);
  return 0;
}

std::string status_line(const EuiccRegistry& registry) {
  const size_t n = registry.euiccs().size();
  return n == 0 ? "Waiting for an eUICC" : "Serving " + std::to_string(n) + " eUICC(s)";
}

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

  LoadedConfig loaded = load_config(cl.config_file.value_or(kDefaultConfigFile),
                                    cl.config_dir.value_or(kDefaultConfigDropinDir));
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

  sd_event* event = nullptr;
  if (int r = sd_event_default(&event); r < 0)
    throw Error(Errc::Internal, std::string("sd_event_default: ") + std::strerror(-r));
  // WATCHDOG=1 every half WATCHDOG_USEC while the loop turns (no-op without a watchdog).
  sd_event_set_watchdog(event, 1);
  sd_bus* bus = open_bus(cl.bus.value_or("system"));
  sd_bus_set_exit_on_disconnect(bus, 1);
  sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);

  int status = 0;
  {
    LoopQueue loop(event);
    const std::optional<std::string> reader_part = cl.reader;
    EuiccRegistry registry(
        event, loop, settings,
        [&config, reader_part](const std::string& transport, const std::string& name) {
          if (transport != "pcsc") return true;  // the reader settings are about readers
          if (reader_part && name.find(*reader_part) == std::string::npos) return false;
          return config.readers.reader_allowed(name);
        });
    BootRunner boot(config, cl.modem_manager_bus.value_or("system"));
    // Before the service, which calls it until it stops.
    Prepaid prepaid(event, loop, prepaid_settings(config, cl.modem_manager_bus.value_or("system")),
                    open_prepaid_store(state_directory(cl)));
    dbus::Service service(bus, event, registry, settings, EUICCD_VERSION);
    service.attach_prepaid(&prepaid);
    service.start();
    prepaid.start([&registry](const std::string& iccid) -> std::optional<lpa::ProfileInfo> {
      for (const auto& [index, euicc] : registry.euiccs())
        if (const lpa::ProfileInfo* p = euicc->snapshot().find_profile(iccid)) return *p;
      return std::nullopt;
    });
    // After the D-Bus objects are published, the boot policy looks at the new card.
    auto publish = registry.on_added;
    registry.on_added = [&, publish](const std::shared_ptr<Euicc>& euicc) {
      if (publish) publish(euicc);
      prepaid.euicc_appeared();
      boot.euicc_appeared(euicc);
      notify_status(status_line(registry));
    };
    auto withdraw = registry.on_removed;
    registry.on_removed = [&, withdraw](const std::shared_ptr<Euicc>& euicc) {
      if (withdraw) withdraw(euicc);
      notify_status(status_line(registry));
    };
    // Card backends: PC/SC readers, and one backend per modem carrier fed by the endpoint
    // sources (daemon/modem_endpoint.h).
    DeviceWatches hotplug;
    auto pcsc = std::make_shared<PcscBackend>();
    hotplug.add(pcsc->watch(loop, [&registry, pcsc](const std::vector<CardSlot>& slots) {
      registry.slots_changed(pcsc, slots);
    }));
    ModemBackends modems(built_in_modem_carriers());
    for (const auto& backend : modems.backends())
      hotplug.add(backend->watch(loop, [&registry, backend = std::shared_ptr<CardBackend>(backend)](
                                           const std::vector<CardSlot>& slots) {
        registry.slots_changed(backend, slots);
      }));
    // Source 1: the configuration's [Modem:] sections.
    modems.set_endpoints("the configuration", configured_modems(config));
    // Source 2, ModemManager's modems, with the [ModemOverride:] sections applied; watched
    // (and stopped) with the readers.
    hotplug.add(std::make_unique<ModemManagerWatch>(event, cl.modem_manager_bus.value_or("system"),
                                                    config.modem_overrides,
                                                    modems.source("ModemManager")));

    Stopper stopper{event, &hotplug, &registry, &service, &prepaid, {}, false, false};
    sd_event_add_signal(event, nullptr, SIGTERM, on_signal, &stopper);
    sd_event_add_signal(event, nullptr, SIGINT, on_signal, &stopper);

    hotplug.start();
    notify_ready(status_line(registry));
    log(Level::Info, {},
        std::string("euiccd ") + EUICCD_VERSION + " ready on the " + cl.bus.value_or("system") +
            " bus");
    status = sd_event_loop(event);
    if (status < 0) log(Level::Error, {}, std::string("event loop: ") + std::strerror(-status));

    if (!stopper.stopping) {  // the bus went away: same stop, without a loop to wait in
      notify_stopping("Stopping");
      hotplug.stop();
      registry.shut_down();
      service.stop();
      prepaid.shut_down();
      const auto deadline = std::chrono::steady_clock::now() + kStopDeadline;
      auto all_done = [&] { return registry.all_workers_finished() && prepaid.finished(); };
      while (!all_done() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
      stopper.workers_done = all_done();
    }
    if (!stopper.workers_done) {
      // A worker stuck in a card or server call would block its join forever.
      sd_bus_flush(bus);
      std::_Exit(status < 0 ? 1 : 0);
    }
  }
  sd_bus_flush_close_unref(bus);
  sd_event_unref(event);
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
