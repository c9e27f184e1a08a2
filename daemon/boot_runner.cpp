#include "daemon/boot_runner.h"

#include <cstring>

#include "lpa/es10_types.h"

namespace euiccd::daemon {

namespace {
// The policy never tries a profile twice in a round; this only bounds a broken policy.
constexpr size_t kMaxSteps = 32;
}  // namespace

BootRunner::BootRunner(const Config& config, const std::string& modem_manager_bus)
    : config_(config),
      modem_manager_address_(modem_manager_bus == "system" ? std::string() : modem_manager_bus) {
  if (int r = sd_event_default(event_.put()); r < 0)
    throw Error(Errc::Internal, std::string("sd_event_default: ") + std::strerror(-r));
  loop_ = std::make_unique<LoopQueue>(event_);
}

BootRunner::~BootRunner() {
  worker_.reset();   // joins a running query; its result, posted to loop_, is dropped with it
  watches_.clear();  // their timers disabled
  loop_.reset();
}

void BootRunner::euicc_appeared(const std::shared_ptr<Euicc>& euicc) {
  apply_nicknames(euicc);
  step(euicc, {});
}

void BootRunner::apply_nicknames(const std::shared_ptr<Euicc>& euicc) {
  for (const auto& p : euicc->snapshot().profiles) {
    const ProfileConfig* pc = config_.profile(p.iccid);
    if (!pc || !pc->nickname || *pc->nickname == p.nickname) continue;
    LogFields fields{.eid = euicc->eid(), .iccid = p.iccid, .operation = "config-nickname"};
    euicc->set_nickname(
        p.iccid, *pc->nickname,
        [fields](const std::optional<Error>& error) {
          if (error)
            log(Level::Warning, fields,
                std::string("could not set the configured nickname: ") + error->what());
          else
            log(Level::Info, fields, "nickname set from the configuration");
        },
        "config-nickname");
  }
}

void BootRunner::step(const std::weak_ptr<Euicc>& weak, std::vector<BootAttempt> attempts) {
  auto euicc = weak.lock();
  if (!euicc || euicc->is_shut_down() || attempts.size() > kMaxSteps) return;
  std::vector<InstalledProfile> installed;
  for (const auto& p : euicc->snapshot().profiles)
    installed.push_back({p.iccid, p.state == lpa::ProfileState::Enabled});
  const BootAction action = next_boot_action(config_.boot, installed, attempts);
  LogFields fields{.eid = euicc->eid(), .iccid = action.iccid, .operation = "boot-policy"};
  log(action.kind == BootAction::Kind::NothingToDo ? Level::Debug : Level::Notice, fields,
      action.reason);
  switch (action.kind) {
    case BootAction::Kind::NothingToDo: return;
    case BootAction::Kind::KeepCurrent:
      if (action.watch_registration)
        watch_registration({weak, std::move(attempts), action.iccid, fields});
      return;
    case BootAction::Kind::Enable:
      euicc->enable(
          action.iccid,
          [this, weak, attempts, action, fields,
           switched = euicc->switches_modem()](const std::optional<Error>& error) mutable {
            if (error) {
              log(Level::Warning, fields, std::string("boot policy: ") + error->what());
              // A modem's switch that failed after the card changed was rolled back: the
              // profile did not come online (the modem, the SIM or the network).
              const bool rolled_back =
                  error->code() == Errc::RolledBack || error->code() == Errc::SwitchFailed;
              attempts.push_back({action.iccid, rolled_back ? AttemptOutcome::NotRegistered
                                                            : AttemptOutcome::EnableRefused});
              step(weak, std::move(attempts));
              return;
            }
            if (switched && action.watch_registration) {
              // The switch waited for the registration itself.
              attempts.push_back({action.iccid, AttemptOutcome::Ok});
              step(weak, std::move(attempts));
              return;
            }
            if (action.watch_registration)
              watch_registration({weak, std::move(attempts), action.iccid, fields});
          },
          "boot-enable");
      return;
  }
}

void BootRunner::watch_registration(Watch watch) {
  const auto timeout = config_.boot.registration_timeout;
  sdbus::EventSource timer;
  const int r = sd_event_add_time_relative(
      event_, timer.put(), CLOCK_MONOTONIC,
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count()),
      0, on_timeout, this);
  if (r < 0) {
    // Without a timer there is no later moment to look; ask ModemManager now.
    log(Level::Warning, watch.fields,
        std::string("cannot arm the registration timer (") + std::strerror(-r) +
            "); checking the registration at once");
    check_registration_now(std::move(watch));
    return;
  }
  log(Level::Info, watch.fields,
      "checking in " + std::to_string(timeout.count()) + " s whether the modem with " +
          watch.iccid + " registered");
  sd_event_source* key = timer;
  watches_.emplace(key, Armed{std::move(timer), std::move(watch)});
}

int BootRunner::on_timeout(sd_event_source* source, uint64_t, void* userdata) {
  auto* self = static_cast<BootRunner*>(userdata);
  auto it = self->watches_.find(source);
  if (it == self->watches_.end()) return 0;
  Watch watch = std::move(it->second.watch);
  self->watches_.erase(it);  // disables and drops the timer
  self->check_registration_now(std::move(watch));
  return 0;
}

void BootRunner::check_registration_now(Watch watch) {
  if (!worker_) worker_ = std::make_unique<Executor>();
  auto shared = std::make_shared<Watch>(std::move(watch));
  worker_->submit([this, shared] {
    RegistrationCheck check;
    try {
      check = check_registration(modem_manager_address_, shared->iccid);
    } catch (const std::exception& e) {
      check = {RegistrationCheck::Result::Unknown, e.what()};
    }
    loop_->post([this, shared, check] { registration_known(std::move(*shared), check); });
  });
}

void BootRunner::registration_known(Watch watch, const RegistrationCheck& check) {
  using Result = RegistrationCheck::Result;
  AttemptOutcome outcome = AttemptOutcome::Ok;
  switch (check.result) {
    case Result::Registered:
      log(Level::Notice, watch.fields, watch.iccid + " registered: " + check.detail);
      break;
    case Result::NotRegistered:
      log(Level::Warning, watch.fields,
          watch.iccid + " did not register within " +
              std::to_string(config_.boot.registration_timeout.count()) + " s: " + check.detail);
      outcome = AttemptOutcome::NotRegistered;
      break;
    case Result::Unknown:
      log(Level::Notice, watch.fields,
          "cannot tell whether " + watch.iccid + " registered (" + check.detail +
              "); counting it as registered, since without ModemManager nobody can know");
      break;
  }
  watch.attempts.push_back({watch.iccid, outcome});
  step(watch.euicc, std::move(watch.attempts));
}

}  // namespace euiccd::daemon
