// When an eUICC's pending notifications go back to their servers, with [Notifications]
// AutoProcess=: when the eUICC appears, after each change that queues them (enable, disable,
// delete, download), and on the retry timer (daemon/notification_retry.h) while some stay on the
// card, until none is left. A delivery covers what the card holds when it runs, so none is
// queued while another one is on its way.
//
// daemon::Euicc owns one and runs the deliveries it asks for as changes on its card worker (the
// Card below); this class decides only when. Loop thread only.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <optional>
#include <string>

#include "daemon/engine_settings.h"
#include "daemon/log.h"
#include "daemon/notification_retry.h"
#include "base/error.h"
#include "lpa/notifications.h"

namespace euiccd::daemon {

class NotificationScheduler {
 public:
  using ReportDone =
      std::function<void(const std::optional<Error>& error, const lpa::NotificationReport&)>;

  // The eUICC as the scheduler sees it.
  class Card {
   public:
    virtual ~Card() = default;
    virtual const std::string& eid() const = 0;
    // As the snapshot says now.
    virtual unsigned pending_notifications() const = 0;
    // The operation of the job that holds the card ("download"), nullptr when none does.
    virtual const std::string* job_operation() const = 0;
    // Queues a delivery as a change named `operation`; `done` comes on the loop thread once the
    // snapshot tells what is left, or at once when the change is refused.
    virtual void queue_delivery(const std::string& operation, ReportDone done) = 0;
  };

  // `card` and `event` must outlive this object.
  NotificationScheduler(Card& card, sd_event* event, NotificationsConfig settings);

  // The eUICC appeared: delivers what the card holds pending (left by a crash, a power cut, a
  // server that was down); the retry timer takes over for what stays.
  void card_appeared();
  // After every change and job: a delivery when `operation` queued notifications, and the
  // retry timer in step with what is pending.
  void change_finished(const std::string& operation);
  // A delivery asked for (ProcessNotifications); `done` gets the report.
  void deliver(const std::string& operation, ReportDone done);
  // What the retry timer runs when it fires.
  void retry();
  // The eUICC is shut down: the timer is removed and nothing is queued any more.
  void stop();

  const NotificationRetry& timer() const { return timer_; }
  unsigned deliveries_in_flight() const { return in_flight_; }

 private:
  // `retry`: the timer's delivery, whose outcome is logged and decides the next wait; `done`
  // gets the report (nullptr: none wanted).
  void queue(const std::string& operation, bool retry, ReportDone done = nullptr);
  // A timer while notifications are pending and none is on its way to the servers; none once
  // the card holds nothing pending.
  void keep_timer_in_step();
  void arm();
  void retry_done(const LogFields& fields, const lpa::NotificationReport& report,
                  const std::optional<Error>& error);

  Card& card_;
  NotificationsConfig settings_;
  NotificationRetry timer_;
  // Deliveries queued and not yet finished.
  unsigned in_flight_ = 0;
  bool stopped_ = false;
};

}  // namespace euiccd::daemon
