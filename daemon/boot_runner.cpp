#include "daemon/boot_runner.h"

#include "daemon/log.h"
#include "lpa/es10_types.h"

namespace euiccd::daemon {

namespace {
// The policy never tries a profile twice in a round; this only bounds a broken policy.
constexpr size_t kMaxSteps = 32;
}  // namespace

void BootRunner::euicc_appeared(const std::shared_ptr<Euicc>& euicc) {
  apply_nicknames(euicc);
  step(euicc, {});
}

void BootRunner::apply_nicknames(const std::shared_ptr<Euicc>& euicc) {
  for (const auto& p : euicc->snapshot().profiles) {
    const ProfileConfig* pc = config_.profile(p.iccid);
    if (!pc || !pc->nickname || *pc->nickname == p.nickname) continue;
    LogFields fields{.eid = euicc->eid(), .iccid = p.iccid, .operation = "config-nickname"};
    euicc->change(
        "config-nickname",
        [iccid = p.iccid, nickname = *pc->nickname](CardSession& session) {
          session.client().set_nickname(iccid, nickname);
        },
        [fields](const std::optional<Error>& error) {
          if (error)
            log(Level::Warning, fields,
                std::string("could not set the configured nickname: ") + error->what());
          else
            log(Level::Info, fields, "nickname set from the configuration");
        });
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
      if (action.watch_registration) {
        attempts.push_back({action.iccid, AttemptOutcome::Ok});
        step(weak, std::move(attempts));
      }
      return;
    case BootAction::Kind::Enable:
      euicc->change(
          "boot-enable",
          [iccid = action.iccid](CardSession& session) {
            session.client().enable_profile(lpa::ProfileIdentifier::from_iccid(iccid), true);
          },
          [this, weak, attempts, action, fields](const std::optional<Error>& error) mutable {
            if (error) log(Level::Warning, fields, std::string("boot policy: ") + error->what());
            attempts.push_back(
                {action.iccid, error ? AttemptOutcome::EnableRefused : AttemptOutcome::Ok});
            if (action.watch_registration || error) step(weak, std::move(attempts));
          });
      return;
  }
}

}  // namespace euiccd::daemon
