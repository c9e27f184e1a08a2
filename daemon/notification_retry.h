// The one-shot timer that brings an eUICC's undelivered notifications back to their servers
// ([Notifications] RetryIntervalSec=). SGP.22 leaves a notification on the card until its
// SM-DP+ acknowledged it and expects the LPA to keep trying: an operator that never hears of a
// delete keeps billing for the profile.
//
// The wait starts at the configured interval and doubles after every retry that left
// notifications on the card, up to kMaxDelay (or the interval itself, if that is longer): a
// server that is down for a day is asked about once an hour at first, then ever more rarely,
// instead of 24 times an hour forever. Once nothing is pending the wait goes back to the
// interval. An interval of 0 turns the timer off. Loop thread only.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <functional>

#include "sdbus/sdbus.h"

namespace euiccd::daemon {

class NotificationRetry {
 public:
  static constexpr std::chrono::seconds kMaxDelay = std::chrono::hours(24);

  // `event` must outlive this object.
  NotificationRetry(sd_event* event, std::chrono::seconds interval);
  ~NotificationRetry();
  NotificationRetry(const NotificationRetry&) = delete;
  NotificationRetry& operator=(const NotificationRetry&) = delete;

  bool enabled() const { return interval_.count() > 0; }
  bool armed() const { return source_.get() != nullptr; }
  // The wait the next arm() uses.
  std::chrono::seconds delay() const { return delay_; }

  // Runs `fire` once, delay() from now, unless cancelled first. Does nothing when disabled or
  // already armed. False when sd-event refused the timer.
  bool arm(std::function<void()> fire);
  void cancel();
  // After a retry that left notifications on the card: the next wait doubles.
  void back_off();
  // Nothing is pending any more: the next wait is the interval again.
  void reset();

 private:
  static int on_elapsed(sd_event_source* source, uint64_t usec, void* userdata);

  sd_event* event_;
  std::chrono::seconds interval_;
  std::chrono::seconds delay_;
  sdbus::EventSource source_;
  std::function<void()> fire_;
};

// The wait after `current` failed: doubled, at most max(interval, kMaxDelay).
std::chrono::seconds next_retry_delay(std::chrono::seconds interval, std::chrono::seconds current);

}  // namespace euiccd::daemon
