#include "daemon/travel_runner.h"

#include <time.h>

#include <cstring>

#include "base/error.h"
#include "daemon/log.h"
#include "daemon/profile_switch.h"
#include "lpa/es10_types.h"

namespace euiccd::daemon {
namespace {

constexpr char kService[] = "org.freedesktop.ModemManager1";
constexpr char kRoot[] = "/org/freedesktop/ModemManager1";
// The hold-off and the rate limit look back at most this far (the rate limit's hour).
constexpr auto kHistoryKept = std::chrono::hours(1);

uint64_t realtime_usec() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

std::string enabled_iccid(const Euicc& euicc) {
  const lpa::ProfileInfo* p = euicc.snapshot().enabled_profile();
  return p ? p->iccid : std::string();
}

LogFields fields_of(const Euicc& euicc, const std::string& iccid = {}) {
  return {.eid = euicc.eid(), .iccid = iccid, .operation = "travel-policy"};
}

}  // namespace

TravelRunner::TravelRunner(sd_event* event, const TravelConfig& config,
                           std::string modem_manager_bus)
    : event_(event),
      config_(config),
      bus_address_(modem_manager_bus == "system" ? std::string() : std::move(modem_manager_bus)) {}

TravelRunner::~TravelRunner() {
  stop();
}

void TravelRunner::start() {
  if (!config_.enabled) return;
  loop_ = std::make_unique<LoopQueue>(event_);
  int r = bus_address_.empty() ? sd_bus_open_system(bus_.put())
                               : sdbus::open_address(bus_, bus_address_);
  if (r >= 0) r = sd_bus_attach_event(bus_, event_, SD_EVENT_PRIORITY_NORMAL);
  const std::string rules[] = {
      // Every signal of ModemManager's objects: properties of its modems (registration,
      // operator, USSD, calls) and modems coming and going.
      std::string("type='signal',sender='") + kService + "',path_namespace='" + kRoot + "'",
      // ModemManager starting, stopping, restarting.
      std::string("type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='") +
          kService + "'",
  };
  for (const std::string& rule : rules) {
    if (r < 0) break;
    sdbus::Slot slot;
    r = sd_bus_add_match_async(bus_, slot.put(), rule.c_str(), &TravelRunner::on_signal, nullptr,
                               this);
    matches_.push_back(std::move(slot));
  }
  if (r < 0) {
    log(Level::Warning, {},
        std::string("travel policy: cannot watch ModemManager (") + std::strerror(-r) +
            "); it decides only when an eUICC appears or a job ends");
    matches_.clear();
    bus_.reset();
  }
  log(Level::Info, {}, "travel policy: on");
  request_read();
}

void TravelRunner::stop() {
  *alive_ = false;
  matches_.clear();
  if (bus_) {
    sd_bus_detach_event(bus_);
    bus_.reset();
  }
  tracked_.clear();
  worker_.reset();  // joins a running read; what it posts is dropped with the queue
  loop_.reset();
}

void TravelRunner::euicc_appeared(const std::shared_ptr<Euicc>& euicc) {
  if (!config_.enabled || !euicc->switches_modem()) return;
  Tracked& tracked = tracked_[euicc->index()];
  tracked = Tracked{};
  tracked.euicc = euicc;
  tracked.enabled_seen = enabled_iccid(*euicc);
  const unsigned index = euicc->index();
  tracked.job_ended = euicc->job_ended.subscribe([this, index] {
    // The card is free again (a download, someone's switch): what was held back may go now.
    if (tracked_.count(index)) request_read();
  });
  publish(euicc->index(), tracked);
  request_read();
}

void TravelRunner::euicc_removed(const std::shared_ptr<Euicc>& euicc) {
  tracked_.erase(euicc->index());
}

void TravelRunner::publish(unsigned index, const Tracked& t) {
  auto euicc = t.euicc.lock();
  if (!euicc) return;
  TravelView v;
  v.enabled = true;
  v.paused = t.paused;
  if (t.last) {
    v.last_decision = travel_decision_name(t.last->kind);
    v.last_reason = t.last->reason;
    v.country = t.last->country;
  }
  v.last_switch_usec = t.last_switch_usec;
  euicc->set_travel_view(std::move(v));
  if (on_changed) on_changed(index);
}

void TravelRunner::set_paused(const Euicc& euicc, bool paused) {
  if (!euicc.switches_modem())
    throw Error(Errc::NotSupported,
                "the travel policy switches eUICCs inside modems only; this one is in " +
                    euicc.transport() + " reader " + euicc.reader());
  if (!config_.enabled)
    throw Error(Errc::WrongState,
                "the travel policy is off (set Enabled=yes in [TravelPolicy] of euiccd.conf)");
  auto it = tracked_.find(euicc.index());
  if (it == tracked_.end())
    throw Error(Errc::Internal, "the travel policy does not know " + euicc.eid());
  Tracked& t = it->second;
  if (t.paused == paused) return;
  t.paused = paused;
  log(Level::Notice, fields_of(euicc), paused ? "travel policy paused" : "travel policy resumed");
  publish(euicc.index(), t);
  request_read();  // paused: the property says so at once; resumed: a fresh look
}

int TravelRunner::on_signal(sd_bus_message*, void* self, sd_bus_error*) {
  static_cast<TravelRunner*>(self)->request_read();
  return 0;
}

void TravelRunner::request_read() {
  if (!loop_ || tracked_.empty()) return;  // no modem eUICC: nothing to decide
  if (reading_) {
    read_again_ = true;  // a burst of signals: one more read once this one is back
    return;
  }
  reading_ = true;
  if (!worker_) worker_ = std::make_unique<Executor>();
  LoopQueue* loop = loop_.get();
  std::weak_ptr<bool> alive = alive_;
  worker_->submit([this, loop, alive, connection = connection_, address = bus_address_] {
    std::optional<std::vector<SwitchModem>> modems;
    try {
      if (!*connection) connection->emplace(address);
      modems = (*connection)->modems();
    } catch (const Error& e) {
      connection->reset();  // a new connection next time
      log(Level::Debug, {}, std::string("travel policy: ") + e.what());
    }
    loop->post([this, alive, modems = std::move(modems)]() mutable {
      if (alive.lock() && *alive.lock()) modems_read(std::move(modems));
    });
  });
}

void TravelRunner::modems_read(std::optional<std::vector<SwitchModem>> modems) {
  reading_ = false;
  modems_ = std::move(modems);
  for (auto& [index, tracked] : tracked_) evaluate(index, tracked);
  if (read_again_) {
    read_again_ = false;
    request_read();
  }
}

TravelNetwork TravelRunner::network_of(const Euicc& euicc, TravelBusy& busy) const {
  if (!modems_) return {};
  const std::string port = endpoint_port(euicc.reader());
  const SwitchModem* found = nullptr;
  for (const SwitchModem& m : *modems_)
    if (!euicc.modem_object().empty() && m.path == euicc.modem_object()) found = &m;
  for (const SwitchModem& m : *modems_)
    if (!found && modem_has_port(m, port)) found = &m;
  if (!found) return {};
  busy.call = found->calls > 0;
  busy.ussd = ussd_session_open(*found);
  return {true, found->state, found->registration_state, found->operator_code};
}

void TravelRunner::note_switch_by_hand(Tracked& tracked) {
  auto euicc = tracked.euicc.lock();
  const std::string enabled = enabled_iccid(*euicc);
  if (enabled == tracked.enabled_seen) return;
  tracked.enabled_seen = enabled;
  tracked.history.push_back({TravelClock::now(), false});
}

void TravelRunner::evaluate(unsigned index, Tracked& tracked) {
  auto euicc = tracked.euicc.lock();
  if (!euicc || euicc->is_shut_down() || tracked.switching) return;
  note_switch_by_hand(tracked);
  const auto now = TravelClock::now();
  std::erase_if(tracked.history, [&](const TravelSwitch& s) {
    return s.at + kHistoryKept + config_.hold_off < now;
  });
  std::vector<TravelProfile> profiles;
  for (const auto& p : euicc->snapshot().profiles)
    profiles.push_back({p.iccid, p.nickname, p.state == lpa::ProfileState::Enabled});
  TravelBusy busy;
  const TravelNetwork network = network_of(*euicc, busy);
  if (const auto& job = euicc->active_job()) busy.job = job->operation();
  TravelDecision decision =
      decide_travel(config_, {network, profiles, busy, tracked.paused, now, tracked.history});
  arm_timer(tracked, decision.ask_again_at);
  if (decision.kind == TravelDecision::Kind::Switch) return carry_out(index, tracked, decision);
  remember(index, tracked, std::move(decision));
}

void TravelRunner::remember(unsigned index, Tracked& tracked, TravelDecision decision) {
  auto euicc = tracked.euicc.lock();
  if (tracked.last && tracked.last->kind == decision.kind &&
      tracked.last->reason == decision.reason && tracked.last->country == decision.country)
    return;  // nothing new: no journal line, no PropertiesChanged
  if (euicc) {
    const bool notable = decision.kind != TravelDecision::Kind::Stay;
    log(notable ? Level::Notice : Level::Info, fields_of(*euicc, decision.iccid),
        "travel policy: " + decision.reason);
  }
  tracked.last = std::move(decision);
  publish(index, tracked);
}

void TravelRunner::carry_out(unsigned index, Tracked& tracked, const TravelDecision& decision) {
  auto euicc = tracked.euicc.lock();
  const std::string from = enabled_iccid(*euicc);
  remember(index, tracked, decision);
  tracked.switching = true;
  std::weak_ptr<bool> alive = alive_;
  // Whether the switch job started (false while enable() may still refuse it at once: Busy).
  auto started = std::make_shared<bool>(false);
  euicc->enable(
      decision.iccid,
      [this, alive, index, decision, started](const std::optional<Error>& error) {
        if (!alive.lock() || !*alive.lock()) return;
        auto it = tracked_.find(index);
        if (it == tracked_.end()) return;
        Tracked& t = it->second;
        t.switching = false;
        // A failed switch counts too: the hold-off and the rate limit keep a profile that
        // cannot come online from being tried again and again. One refused before it started
        // changed nothing.
        if (*started) {
          t.history.push_back({TravelClock::now(), true});
          t.last_switch_usec = realtime_usec();
        }
        auto card = t.euicc.lock();
        if (card) t.enabled_seen = enabled_iccid(*card);
        if (error) {
          TravelDecision failed = decision;
          failed.reason = decision.reason + " failed: " + error->what();
          if (card)
            log(Level::Warning, fields_of(*card, decision.iccid),
                "travel policy: " + failed.reason);
          t.last = std::move(failed);
        } else if (card) {
          log(Level::Notice, fields_of(*card, decision.iccid),
              "travel policy: " + decision.iccid + " is enabled and online");
        }
        publish(index, t);
        request_read();  // the hold-off runs from now: ask again with the new state
      },
      "travel-switch");
  auto it = tracked_.find(index);
  if (it == tracked_.end() || !it->second.switching) return;  // refused at once (done ran)
  *started = true;
  const auto& job = euicc->active_job();
  if (on_switch) on_switch(index, from, decision.iccid, decision.reason, job ? job->id() : 0);
}

void TravelRunner::arm_timer(Tracked& tracked, std::optional<TravelClock::time_point> at) {
  tracked.timer.reset();
  if (!at) return;
  // steady_clock is CLOCK_MONOTONIC on Linux, the clock sd-event's timer takes here.
  const auto usec =
      std::chrono::duration_cast<std::chrono::microseconds>(at->time_since_epoch()).count();
  if (sd_event_add_time(event_, tracked.timer.put(), CLOCK_MONOTONIC, static_cast<uint64_t>(usec),
                        0, &TravelRunner::on_timer, this) < 0)
    tracked.timer.reset();
}

int TravelRunner::on_timer(sd_event_source*, uint64_t, void* self) {
  static_cast<TravelRunner*>(self)->request_read();
  return 0;
}

}  // namespace euiccd::daemon
