#include "daemon/notification_retry.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "daemon/log.h"

namespace euiccd::daemon {

namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

// A retry minutes or hours away need not wake the machine at its own moment: sd-event may move
// it by up to 1% (at least 1 s) to share a wakeup with other timers.
uint64_t accuracy_usec(seconds delay) {
  const microseconds one_percent = std::chrono::duration_cast<microseconds>(delay) / 100;
  return static_cast<uint64_t>(std::max<microseconds>(seconds(1), one_percent).count());
}

}  // namespace

seconds next_retry_delay(seconds interval, seconds current) {
  const seconds cap = std::max(interval, NotificationRetry::kMaxDelay);
  return current >= cap / 2 ? cap : current * 2;
}

NotificationRetry::NotificationRetry(sd_event* event, seconds interval)
    : event_(event), interval_(interval), delay_(interval) {}

NotificationRetry::~NotificationRetry() {
  cancel();
}

bool NotificationRetry::arm(std::function<void()> fire) {
  if (!enabled() || armed()) return true;
  const auto usec = static_cast<uint64_t>(std::chrono::duration_cast<microseconds>(delay_).count());
  const int r =
      sd_event_add_time_relative(event_, source_.put(), CLOCK_MONOTONIC, usec,
                                 accuracy_usec(delay_), &NotificationRetry::on_elapsed, this);
  if (r < 0) {
    log(Level::Warning, {},
        std::string("cannot arm the notification retry timer: ") + std::strerror(-r));
    return false;
  }
  fire_ = std::move(fire);
  return true;
}

void NotificationRetry::cancel() {
  source_.reset();
  fire_ = nullptr;
}

void NotificationRetry::back_off() {
  delay_ = next_retry_delay(interval_, delay_);
}

void NotificationRetry::reset() {
  delay_ = interval_;
}

int NotificationRetry::on_elapsed(sd_event_source*, uint64_t, void* userdata) {
  auto* self = static_cast<NotificationRetry*>(userdata);
  // Disarmed before `fire` runs, so that it may arm again.
  std::function<void()> fire = std::move(self->fire_);
  self->cancel();
  if (fire) fire();
  return 0;
}

}  // namespace euiccd::daemon
