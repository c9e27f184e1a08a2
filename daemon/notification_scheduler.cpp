#include "daemon/notification_scheduler.h"

#include <set>
#include <string>

namespace euiccd::daemon {

namespace {

// "90 s", "2 min", "4 h": for log lines about the next retry.
std::string wait_text(std::chrono::seconds wait) {
  const auto n = wait.count();
  if (n >= 3600 && n % 3600 == 0) return std::to_string(n / 3600) + " h";
  if (n >= 60 && n % 60 == 0) return std::to_string(n / 60) + " min";
  return std::to_string(n) + " s";
}

}  // namespace

NotificationScheduler::NotificationScheduler(Card& card, sd_event* event,
                                             NotificationsConfig settings)
    : card_(card), settings_(settings), timer_(event, settings.retry_interval) {}

void NotificationScheduler::card_appeared() {
  const unsigned pending = card_.pending_notifications();
  if (!settings_.auto_process || pending == 0 || stopped_ || card_.job_operation() ||
      in_flight_ > 0)
    return;
  log(Level::Info, {.eid = card_.eid(), .operation = "auto-notifications"},
      std::to_string(pending) + " notification(s) pending on the card; delivering them");
  queue("auto-notifications", false);
}

void NotificationScheduler::change_finished(const std::string& operation) {
  static const std::set<std::string> kQueueingOperations = {"enable", "disable", "delete",
                                                            "boot-enable", "download"};
  if (settings_.auto_process && card_.pending_notifications() > 0 &&
      kQueueingOperations.count(operation) && !card_.job_operation() && !stopped_ &&
      in_flight_ == 0)
    queue("auto-notifications", false);
  keep_timer_in_step();
}

void NotificationScheduler::deliver(const std::string& operation, ReportDone done) {
  queue(operation, false, std::move(done));
}

void NotificationScheduler::queue(const std::string& operation, bool retry, ReportDone done) {
  const LogFields fields{.eid = card_.eid(), .operation = operation};
  ++in_flight_;
  // `done` comes only while the eUICC (and so this object, which it owns) is alive.
  card_.queue_delivery(
      operation, [this, fields, retry, done = std::move(done)](
                     const std::optional<Error>& error, const lpa::NotificationReport& report) {
        if (in_flight_ > 0) --in_flight_;
        if (retry)
          retry_done(fields, report, error);
        else if (error && !done)
          log(Level::Warning, fields, error->what());
        if (done) done(error, report);
      });
  // A change refused at once (a full queue) has called back already: nothing is on its way.
  keep_timer_in_step();
}

void NotificationScheduler::keep_timer_in_step() {
  if (stopped_) return;
  const unsigned pending = card_.pending_notifications();
  if (pending == 0) {
    timer_.cancel();
    timer_.reset();
    return;
  }
  if (!settings_.auto_process || !timer_.enabled() || timer_.armed() || in_flight_ > 0) return;
  log(Level::Info, {.eid = card_.eid(), .operation = "notification-retry"},
      std::to_string(pending) + " notification(s) stay on the card; next delivery attempt in " +
          wait_text(timer_.delay()));
  arm();
}

void NotificationScheduler::arm() {
  timer_.arm([this] { retry(); });
}

void NotificationScheduler::retry() {
  if (stopped_ || !settings_.auto_process) return;
  if (const std::string* job = card_.job_operation()) {
    // A job holds the card (a download may wait minutes for Confirm); its end delivers what
    // it queued, and this timer covers the rest.
    log(Level::Debug, {.eid = card_.eid(), .operation = "notification-retry"},
        "the card is busy with a profile " + *job + "; notification retry in " +
            wait_text(timer_.delay()));
    arm();
    return;
  }
  // A delivery on its way covers the same notifications; its end re-arms the timer.
  if (in_flight_ > 0) return;
  if (card_.pending_notifications() == 0) {
    timer_.reset();
    return;
  }
  queue("notification-retry", true);
}

void NotificationScheduler::retry_done(const LogFields& fields,
                                       const lpa::NotificationReport& report,
                                       const std::optional<Error>& error) {
  if (stopped_) return;
  const unsigned left = card_.pending_notifications();
  if (left == 0) {
    timer_.reset();
    if (error)
      log(Level::Warning, fields, std::string("notification retry: ") + error->what());
    else
      log(Level::Info, fields,
          "notification retry delivered " + std::to_string(report.sent) +
              " notification(s); none left on the card");
    return;
  }
  std::string why;
  if (error) {
    why = error->what();
  } else {
    for (const auto& outcome : report.outcomes)
      if (!outcome.error.empty()) {
        why = outcome.error;
        break;
      }
  }
  timer_.back_off();
  arm();
  log(Level::Warning, fields,
      "notification retry: " + std::to_string(report.sent) + " delivered, " + std::to_string(left) +
          " still on the card" + (why.empty() ? "" : " (" + why + ")") +
          (timer_.armed() ? "; next try in " + wait_text(timer_.delay())
                          : std::string("; no further try")));
}

void NotificationScheduler::stop() {
  stopped_ = true;
  timer_.cancel();
  in_flight_ = 0;
}

}  // namespace euiccd::daemon
