#include "daemon/euicc.h"

#include <memory>
#include <string>
#include <tuple>

#include "daemon/card_changes.h"
#include "daemon/discovery_job.h"
#include "daemon/job_context.h"
#include "daemon/log.h"
#include "daemon/notification_delivery.h"
#include "daemon/profile_switch.h"

namespace euiccd::daemon {

namespace {

bool same_profile(const lpa::ProfileInfo& a, const lpa::ProfileInfo& b) {
  return a.iccid == b.iccid && a.isdp_aid == b.isdp_aid && a.state == b.state &&
         a.nickname == b.nickname && a.service_provider_name == b.service_provider_name &&
         a.profile_name == b.profile_name && a.profile_class == b.profile_class &&
         a.profile_owner == b.profile_owner;
}

bool same_snapshot(const EuiccSnapshot& a, const EuiccSnapshot& b) {
  if (std::tie(a.eid, a.free_nvm, a.svn, a.default_smdp_address, a.root_smds_address,
               a.pending_notifications) != std::tie(b.eid, b.free_nvm, b.svn,
                                                    b.default_smdp_address, b.root_smds_address,
                                                    b.pending_notifications))
    return false;
  if (a.profiles.size() != b.profiles.size()) return false;
  for (size_t i = 0; i < a.profiles.size(); ++i)
    if (!same_profile(a.profiles[i], b.profiles[i])) return false;
  return true;
}

}  // namespace

Euicc::Euicc(unsigned index, std::string reader, std::string transport, std::string modem_object,
             EuiccSnapshot snapshot, std::unique_ptr<CardWorker> worker, sd_event* event,
             LoopQueue& loop, const EngineSettings& settings)
    : index_(index),
      reader_(std::move(reader)),
      transport_(std::move(transport)),
      modem_object_(std::move(modem_object)),
      snapshot_(std::move(snapshot)),
      card_cache_(std::make_shared<CardCache>(CardCache{snapshot_, false})),
      worker_(std::move(worker)),
      loop_(loop),
      settings_(settings),
      notifications_(*this, event, settings.notifications) {}

// The registry shuts every eUICC down before dropping it; this only covers early exits.
Euicc::~Euicc() {
  if (active_job_) active_job_->control()->cancel(CancelReason::Postponed);
  if (worker_) worker_->stop();
}

Error Euicc::busy_error() const {
  return Error(Errc::Busy, "the eUICC is busy with a profile " + active_job_->operation() +
                               " (job " + std::to_string(active_job_->id()) +
                               "); try again when it has finished, or cancel it");
}

void Euicc::apply(EuiccSnapshot next) {
  if (same_snapshot(next, snapshot_)) return;
  EuiccSnapshot before = std::exchange(snapshot_, std::move(next));
  if (on_snapshot_changed) on_snapshot_changed(before);
}

void Euicc::change(const std::string& operation, Done done, CardChange op, bool hold_card) {
  if (!worker_) {
    done(Error(Errc::CardRemoved, "the eUICC is gone"));
    return;
  }
  if (active_job_) {
    done(busy_error());
    return;
  }
  if (waiting_.size() >= kMaxQueuedChanges) {
    done(Error(Errc::Busy, "the eUICC already has " + std::to_string(waiting_.size()) +
                               " changes queued (at most " + std::to_string(kMaxQueuedChanges) +
                               "); try again when they have finished"));
    return;
  }
  const uint64_t request = next_request_++;
  waiting_[request] = std::move(done);
  // The worker may outlive this object (it finishes its task after a removal): it captures
  // only what outlives both (the loop queue, the cache) and a weak reference.
  std::weak_ptr<Euicc> weak = weak_from_this();
  LoopQueue* loop = &loop_;
  auto post_back = [loop, weak, request, operation](std::optional<Error> error,
                                                    std::optional<EuiccSnapshot> snapshot) {
    loop->post([weak, request, operation, error = std::move(error),
                snapshot = std::move(snapshot)]() mutable {
      auto self = weak.lock();
      if (!self) return;
      auto it = self->waiting_.find(request);
      if (it == self->waiting_.end()) return;  // shut down meanwhile
      Done finished = std::move(it->second);
      self->waiting_.erase(it);
      if (snapshot) self->apply(std::move(*snapshot));
      finished(error);
      self->notifications_.change_finished(operation);
    });
  };
  CardWorker::Task task;
  task.run = [op = std::move(op), cache = card_cache_, post_back, operation,
              hold_card](CardSession& session) {
    const LogFields fields{.eid = cache->snapshot.eid, .operation = operation};
    std::optional<Error> error;
    {
      // Keeps other programs (PC/SC clients) off the card for the few commands of a change.
      std::unique_ptr<CardHold> hold;
      if (hold_card) hold = session.hold();
      try {
        if (cache->stale) {
          card_changes::refresh(session.client(), cache->snapshot);
          cache->stale = false;
        }
        op(session.client(), cache->snapshot);
      } catch (const Error& e) {
        error = e;
        log(Level::Warning, fields, e.what());
      }
      if (error) {
        // The change may have half happened, or the card was not as the cache said (another
        // PC/SC client changed it): only a full read tells.
        try {
          card_changes::refresh(session.client(), cache->snapshot);
          cache->stale = false;
        } catch (const Error& e) {
          log(Level::Warning, fields, std::string("could not re-read the eUICC: ") + e.what());
          cache->stale = true;
        }
      }
    }
    post_back(std::move(error),
              cache->stale ? std::nullopt : std::optional<EuiccSnapshot>(cache->snapshot));
  };
  task.fail = [post_back, cache = card_cache_](const Error& e) {
    // No session: nothing ran, but whether the card is the same one when it is back is
    // unknown.
    cache->stale = true;
    post_back(e, std::nullopt);
  };
  worker_->submit(std::move(task));
}

void Euicc::enable(const std::string& iccid, Done done, const std::string& operation) {
  if (modem_switch_) return start_switch(true, iccid, std::move(done));
  change(operation, std::move(done),
         [iccid, settings = &settings_.card](lpa::Es10Client& card, EuiccSnapshot& cache) {
           card_changes::enable(card, *settings, cache, iccid);
         });
}

void Euicc::disable(const std::string& iccid, Done done) {
  if (modem_switch_) return start_switch(false, iccid, std::move(done));
  change("disable", std::move(done),
         [iccid, settings = &settings_.card](lpa::Es10Client& card, EuiccSnapshot& cache) {
           card_changes::disable(card, *settings, cache, iccid);
         });
}

void Euicc::remove(const std::string& iccid, Done done) {
  // The card deletes only a disabled profile (SGP.22: profileNotInDisabledState, WrongState).
  // On a modem eUICC the enabled one is first switched off as by Disable(): the modem steps
  // aside and comes back without it, and a failure rolls back and deletes nothing. Behind a
  // reader the card's answer stands: the caller disables first.
  const lpa::ProfileInfo* profile = snapshot_.find_profile(iccid);
  if (modem_switch_ && profile && profile->state == lpa::ProfileState::Enabled) {
    std::weak_ptr<Euicc> weak_self = weak_from_this();
    start_switch(false, iccid, [weak_self, iccid, done](const std::optional<Error>& error) {
      if (error) return done(error);
      auto self = weak_self.lock();
      if (!self) return done(Error(Errc::Aborted, "the eUICC went away before the delete"));
      self->delete_disabled(iccid, done);
    });
    return;
  }
  delete_disabled(iccid, std::move(done));
}

void Euicc::delete_disabled(const std::string& iccid, Done done) {
  change("delete", std::move(done), [iccid](lpa::Es10Client& card, EuiccSnapshot& cache) {
    card_changes::remove(card, cache, iccid);
  });
}

void Euicc::set_nickname(const std::string& iccid, const std::string& nickname, Done done,
                         const std::string& operation) {
  change(operation, std::move(done),
         [iccid, nickname](lpa::Es10Client& card, EuiccSnapshot& cache) {
           card_changes::set_nickname(card, cache, iccid, nickname);
         });
}

void Euicc::set_default_smdp_address(const std::string& address, Done done) {
  change("set-default-smdp-address", std::move(done),
         [address](lpa::Es10Client& card, EuiccSnapshot& cache) {
           card_changes::set_default_smdp_address(card, cache, address);
         });
}

void Euicc::reset_memory(const lpa::MemoryResetOptions& options, Done done) {
  change("reset-memory", std::move(done), [options](lpa::Es10Client& card, EuiccSnapshot& cache) {
    card_changes::reset_memory(card, cache, options);
  });
}

void Euicc::refresh(Done done) {
  change("refresh", std::move(done),
         [](lpa::Es10Client& card, EuiccSnapshot& cache) { card_changes::refresh(card, cache); });
}

void Euicc::process_notifications(SentDone done) {
  notifications_.deliver(
      "process-notifications", [done = std::move(done)](const std::optional<Error>& error,
                                                        const lpa::NotificationReport& report) {
        if (error) return done(error, 0);
        if (report.sent == 0 && report.failed > 0) {
          const auto& first = report.outcomes.front();
          return done(Error(first.error_code.value_or(Errc::Network),
                            "none of the " + std::to_string(report.failed) +
                                " pending notifications could be delivered; the first one "
                                "failed: " +
                                first.error),
                      0);
        }
        done(std::nullopt, report.sent);
      });
}

void Euicc::set_modem_object(std::string path) {
  if (path == modem_object_) return;
  modem_object_ = std::move(path);
  if (on_modem_object_changed) on_modem_object_changed();
}

void Euicc::set_active_job(std::shared_ptr<Job> job) {
  active_job_ = std::move(job);
  if (on_active_job_changed) on_active_job_changed();
}

void Euicc::start_switch(bool enable, const std::string& iccid, Done done) {
  if (!worker_) return done(Error(Errc::CardRemoved, "the eUICC is gone"));
  if (!snapshot_.find_profile(iccid))
    return done(Error(Errc::NotFound, "profile " + iccid + " is not on the eUICC"));
  SwitchTarget target{transport_, endpoint_port(reader_), modem_object_, *modem_switch_};
  SwitchRequest request{enable, iccid};
  // Busy while a job (another switch, a download) holds the card, as for any change.
  if (active_job_) return done(busy_error());
  auto job = std::make_shared<Job>(next_job_id(), "switch", index_, std::string());
  start_job(
      job,
      [target, request](CardSession& session, JobContext& context) {
        run_profile_switch(session, context, target, request, context.settings().switching);
      },
      std::move(done));
}

std::shared_ptr<Job> Euicc::start_job(std::shared_ptr<Job> job, JobBody body, Done after) {
  if (!worker_) throw Error(Errc::CardRemoved, "the eUICC is gone");
  if (active_job_) throw busy_error();
  set_active_job(job);
  std::weak_ptr<Euicc> weak_self = weak_from_this();
  std::weak_ptr<Job> weak_job = job;
  LogFields fields{.eid = snapshot_.eid, .operation = job->operation()};
  LoopQueue* loop = &loop_;
  const EngineSettings* settings = &settings_;
  auto finish = [loop, weak_self, weak_job, after](std::optional<Error> error,
                                                   std::optional<EuiccSnapshot> snapshot) {
    loop->post([weak_self, weak_job, error, snapshot, after]() mutable {
      auto self = weak_self.lock();
      auto finished_job = weak_job.lock();
      const bool switched = finished_job && finished_job->operation() == "switch";
      if (self && !self->is_shut_down()) {
        if (snapshot) self->apply(std::move(*snapshot));
        if (self->active_job_ == finished_job) self->set_active_job(nullptr);
      }
      if (finished_job) finished_job->finish(error);
      if (self && !self->is_shut_down()) {
        // `after` is a caller waiting on the eUICC (a D-Bus call); once it is shut down, the
        // caller learns that from its removal.
        if (after) after(error);
        if (finished_job) self->notifications_.change_finished(finished_job->operation());
        if (switched && self->on_switch_ended) self->on_switch_ended();
        self->job_ended.notify();
      }
    });
  };
  CardWorker::Task task;
  task.run = [loop, settings, job_control = job->control(), weak_job, body, finish, fields,
              cache = card_cache_](CardSession& session) {
    JobContext context(weak_job, job_control, *loop, *settings, fields);
    std::optional<Error> error;
    try {
      if (job_control->cancelled()) throw Error(Errc::Cancelled, "the job was cancelled");
      body(session, context);
      context.log(Level::Info, "finished");
    } catch (const Error& e) {
      error = e;
      context.log(e.code() == Errc::Cancelled ? Level::Notice : Level::Warning, e.what());
    }
    // A download changes profiles, memory and notifications: read everything.
    std::optional<EuiccSnapshot> snapshot;
    try {
      card_changes::refresh(session.client(), cache->snapshot);
      cache->stale = false;
      snapshot = cache->snapshot;
    } catch (const Error& e) {
      context.log(Level::Warning, std::string("could not re-read the eUICC: ") + e.what());
      cache->stale = true;
    }
    finish(error, std::move(snapshot));
  };
  task.fail = [finish, cache = card_cache_](const Error& e) {
    cache->stale = true;
    finish(e, std::nullopt);
  };
  worker_->submit(std::move(task));
  return job;
}

const std::string* Euicc::job_operation() const {
  return active_job_ ? &active_job_->operation() : nullptr;
}

void Euicc::queue_delivery(const std::string& operation, NotificationScheduler::ReportDone done) {
  const LogFields fields{.eid = snapshot_.eid, .operation = operation};
  // Filled on the card worker before its result is posted to the loop thread.
  auto report = std::make_shared<lpa::NotificationReport>();
  change(
      operation,
      [report, done = std::move(done)](const std::optional<Error>& error) { done(error, *report); },
      [settings = &settings_, fields, report](lpa::Es10Client& card, EuiccSnapshot& cache) {
        *report = deliver_notifications(card, *settings, fields);
        card_changes::notifications_delivered(cache, *report);
      },
      false);
}

std::shared_ptr<Job> Euicc::start_download(uint64_t job_id, const std::string& owner,
                                           DownloadRequest request) {
  auto job = std::make_shared<Job>(job_id, "download", index_, owner);
  return start_job(job, [request = std::move(request)](CardSession& session, JobContext& context) {
    run_download(session, context, request);
  });
}

std::shared_ptr<Job> Euicc::start_discovery(uint64_t job_id, const std::string& owner,
                                            std::string smds_address) {
  auto job = std::make_shared<Job>(job_id, "discovery", index_, owner);
  return start_job(
      job, [smds_address = std::move(smds_address)](CardSession& session, JobContext& context) {
        run_discovery(session, context, smds_address);
      });
}

std::unique_ptr<CardWorker> Euicc::shut_down(CancelReason reason, const Error& why) {
  if (active_job_) {
    active_job_->control()->cancel(reason);
    active_job_->finish(why);
    set_active_job(nullptr);
  }
  waiting_.clear();  // their callers learn of the removal from the D-Bus layer
  notifications_.stop();
  if (worker_) worker_->stop();
  return std::move(worker_);
}

}  // namespace euiccd::daemon
