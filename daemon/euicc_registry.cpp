#include "daemon/euicc_registry.h"

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "daemon/log.h"

namespace euiccd::daemon {

EuiccRegistry::EuiccRegistry(sd_event* event, LoopQueue& loop, const EngineSettings& settings,
                             DeviceFilter device_allowed)
    : event_(event), loop_(loop), settings_(settings), device_allowed_(std::move(device_allowed)) {}

EuiccRegistry::~EuiccRegistry() {
  shut_down();
  // Worker destructors join; by now main() waited for them (or gave up and exits hard).
}

std::shared_ptr<Euicc> EuiccRegistry::find(unsigned index) const {
  auto it = euiccs_.find(index);
  return it == euiccs_.end() ? nullptr : it->second;
}

void EuiccRegistry::slots_changed(const std::shared_ptr<CardBackend>& backend,
                                  const std::vector<CardSlot>& slots) {
  reap();
  if (shutting_down_) return;
  const std::string transport = backend->name();
  last_reports_[transport] = LastReport{backend, slots};
  std::set<std::string> present;
  for (const auto& r : slots) {
    if (device_allowed_ && !device_allowed_(transport, r.device)) continue;
    if (!r.card_present) continue;
    present.insert(r.device);
    // ModemManager's modem may be reported while the card is probed (the configuration named
    // the port first), or come back under another object path (after a switch).
    const std::string modem_object = backend->modem_object(r.device);
    auto probe = probes_.find(r.device);
    if (probe != probes_.end() && !modem_object.empty()) probe->second.modem_object = modem_object;
    auto nope = not_euicc_.find(r.device);
    if (nope != not_euicc_.end() && nope->second.identity == r.identity) continue;  // same card
    not_euicc_.erase(r.device);
    bool known = probe != probes_.end();
    for (const auto& [index, euicc] : euiccs_) {
      if (euicc->reader() != r.device) continue;
      known = true;
      if (!modem_object.empty()) euicc->set_modem_object(modem_object);
    }
    if (!known) start_probe(backend, r);
  }
  // What this backend no longer reports is gone; other backends' devices are not its business.
  auto gone_here = [&](const std::string& of, const std::string& device) {
    return of == transport && !present.count(device);
  };
  for (auto it = not_euicc_.begin(); it != not_euicc_.end();)
    it = gone_here(it->second.transport, it->first) ? not_euicc_.erase(it) : std::next(it);
  for (auto it = probes_.begin(); it != probes_.end();) {
    if (!gone_here(it->second.transport, it->first)) {
      ++it;
      continue;
    }
    it->second.worker->stop();
    retire(std::move(it->second.worker));
    it = probes_.erase(it);
  }
  std::vector<std::string> gone;
  for (const auto& [index, euicc] : euiccs_) {
    if (!gone_here(euicc->transport(), euicc->reader())) continue;
    if (euicc->switching()) {
      log(Level::Info, {.eid = euicc->eid()},
          euicc->reader() + " stepped away during a profile switch; the switch waits for it");
      continue;
    }
    gone.push_back(euicc->reader());
  }
  for (const auto& reader : gone)
    withdraw(reader, Error(Errc::CardRemoved, "the eUICC was removed from " + reader));
}

namespace {

using ProbeResult = std::function<void(std::optional<EuiccSnapshot>, std::string)>;
constexpr int kProbeAttempts = 3;

// A card just inserted can fail its first exchanges for a moment (seen under load: pcscd
// answering SCARD_E_NOT_TRANSACTED while it still powers the card up). A few tries, spaced
// out, tell that apart from a card that is no eUICC. The pause runs on this card's own worker,
// so it holds up nothing else; a card removed meanwhile makes the probe stale anyway.
CardWorker::Task probe_task(CardWorker* worker, ProbeResult post, int attempt) {
  CardWorker::Task task;
  task.run = [post](CardSession& session) { post(read_snapshot(session.client()), {}); };
  task.fail = [worker, post, attempt](const Error& e) {
    const bool transient = e.code() == Errc::CardRemoved || e.code() == Errc::Busy ||
                           e.code() == Errc::Timeout || e.code() == Errc::CardError;
    if (transient && attempt < kProbeAttempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
      worker->submit(probe_task(worker, post, attempt + 1));
      return;
    }
    post(std::nullopt, e.what());
  };
  return task;
}

}  // namespace

void EuiccRegistry::start_probe(const std::shared_ptr<CardBackend>& backend, const CardSlot& slot) {
  const uint64_t generation = next_generation_++;
  auto worker = std::make_unique<CardWorker>(backend, slot.device, settings_.card);
  LoopQueue* loop = &loop_;
  const std::string name = slot.device;
  auto post = [this, loop, name, generation](std::optional<EuiccSnapshot> snapshot,
                                             std::string error) {
    loop->post([this, name, generation, snapshot = std::move(snapshot), error]() mutable {
      probe_done(name, generation, std::move(snapshot), error);
    });
  };
  worker->submit(probe_task(worker.get(), post, 1));
  probes_[name] = Probe{generation, backend->name(), backend->modem_object(slot.device),
                        backend->sim_restart(slot.device), std::move(worker)};
  not_euicc_[name] = NotEuicc{backend->name(), slot.identity};  // until the probe says otherwise
  log(Level::Info, {}, "card in " + name + ": looking for an eUICC");
}

void EuiccRegistry::probe_done(const std::string& reader, uint64_t generation,
                               std::optional<EuiccSnapshot> snapshot, const std::string& error) {
  auto it = probes_.find(reader);
  if (it == probes_.end() || it->second.generation != generation) return;  // stale
  std::unique_ptr<CardWorker> worker = std::move(it->second.worker);
  const std::string transport = it->second.transport;
  const std::string modem_object = it->second.modem_object;
  const std::optional<SimRestart> sim_restart = it->second.sim_restart;
  probes_.erase(it);
  if (!snapshot) {
    log(Level::Notice, {}, "the card in " + reader + " is not usable as an eUICC: " + error);
    worker->stop();
    retire(std::move(worker));
    return;  // stays in not_euicc_ until the card changes
  }
  not_euicc_.erase(reader);
  auto [slot, fresh] = index_by_eid_.try_emplace(snapshot->eid, next_index_);
  if (fresh) ++next_index_;
  const unsigned index = slot->second;
  if (euiccs_.count(index)) {
    // The same EID in two readers at once (a cloned test card): serve the first one only.
    log(Level::Warning, {.eid = snapshot->eid},
        "the eUICC in " + reader + " has the EID of one already served; ignoring it");
    worker->stop();
    retire(std::move(worker));
    return;
  }
  auto euicc = std::make_shared<Euicc>(index, reader, transport, modem_object, std::move(*snapshot),
                                       std::move(worker), event_, loop_, settings_);
  if (sim_restart) {
    euicc->switch_through_modem(*sim_restart);
    euicc->on_switch_ended = [this, transport] { switch_ended(transport); };
  }
  euiccs_[index] = euicc;
  log(Level::Notice, {.eid = euicc->eid()},
      "eUICC in " + reader + " with " + std::to_string(euicc->snapshot().profiles.size()) +
          " profile(s)");
  added.notify(euicc);
  // Notifications left on the card by a crash, a power cut or a server that was down: after
  // the publication, so that PendingNotifications follows the delivery on the bus.
  if (!euicc->is_shut_down()) euicc->deliver_pending_notifications();
}

void EuiccRegistry::switch_ended(const std::string& transport) {
  auto it = last_reports_.find(transport);
  if (it == last_reports_.end() || shutting_down_) return;
  LastReport report = it->second;  // slots_changed replaces the entry
  slots_changed(report.backend, report.slots);
}

void EuiccRegistry::withdraw(const std::string& reader, const Error& why) {
  for (auto it = euiccs_.begin(); it != euiccs_.end(); ++it) {
    if (it->second->reader() != reader) continue;
    std::shared_ptr<Euicc> euicc = it->second;
    euiccs_.erase(it);
    log(Level::Notice, {.eid = euicc->eid()}, why.what());
    removed.notify(euicc);
    retire(euicc->shut_down(
        shutting_down_ ? CancelReason::Postponed : CancelReason::UndefinedReason, why));
    return;
  }
}

void EuiccRegistry::retire(std::unique_ptr<CardWorker> worker) {
  if (worker) retired_.push_back(std::move(worker));
}

void EuiccRegistry::reap() {
  for (auto it = retired_.begin(); it != retired_.end();) {
    if ((*it)->finished()) {
      (*it)->join();
      it = retired_.erase(it);
    } else {
      ++it;
    }
  }
}

void EuiccRegistry::shut_down() {
  if (shutting_down_) return;
  shutting_down_ = true;
  for (auto& [reader, probe] : probes_) {
    probe.worker->stop();
    retire(std::move(probe.worker));
  }
  probes_.clear();
  std::vector<std::string> readers;
  for (const auto& [index, euicc] : euiccs_) readers.push_back(euicc->reader());
  for (const auto& reader : readers) withdraw(reader, Error(Errc::Cancelled, "euiccd is stopping"));
}

bool EuiccRegistry::all_workers_finished() {
  reap();
  return retired_.empty() && probes_.empty();
}

}  // namespace euiccd::daemon
