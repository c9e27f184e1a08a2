#include "daemon/prepaid.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

#include "daemon/log.h"
#include "topup/balance_amount.h"
#include "topup/plan_expiry.h"

namespace euiccd::daemon {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::seconds;

constexpr uint64_t kUsecPerSecond = 1'000'000;
// The first periodic check after a start waits this long at most (less when the interval is
// shorter): the eUICC and the modem need a moment to come up, and a restart loop must not
// turn into a USSD storm.
constexpr uint64_t kFirstCheckDelayUsec = 60 * kUsecPerSecond;
constexpr uint64_t kTimerAccuracyUsec = kUsecPerSecond;

uint64_t usec_of(seconds s) {
  return s.count() <= 0 ? 0 : static_cast<uint64_t>(s.count()) * kUsecPerSecond;
}

std::chrono::sys_seconds sys_seconds_of(uint64_t usec) {
  return std::chrono::sys_seconds{seconds{static_cast<int64_t>(usec / kUsecPerSecond)}};
}

}  // namespace

topup::ProfileOperator topup_profile(const lpa::ProfileInfo& profile,
                                     const std::string& modem_object) {
  topup::ProfileOperator op;
  op.iccid = profile.iccid;
  op.modem_object = modem_object;
  op.service_provider_name = profile.service_provider_name;
  if (profile.profile_owner) {
    op.mcc_mnc = profile.profile_owner->mcc_mnc;
    if (profile.profile_owner->gid1)
      op.gid1_hex = topup::gid1_key(to_hex(*profile.profile_owner->gid1));
  }
  if (profile.state) op.enabled = *profile.state == lpa::ProfileState::Enabled;
  return op;
}

std::string balance_amount_text(const std::optional<topup::BalanceAmount>& amount) {
  if (!amount) return {};
  char number[64];
  const auto [end, ec] = std::to_chars(number, number + sizeof number, amount->value);
  std::string text = ec == std::errc() ? std::string(number, end) : std::string();
  if (!amount->currency.empty()) text += " " + amount->currency;
  return text;
}

uint64_t realtime_now_usec() {
  return static_cast<uint64_t>(
      duration_cast<microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Prepaid::Prepaid(sd_event* event, LoopQueue& loop, PrepaidSettings settings, PrepaidStore store)
    : event_(event),
      loop_(loop),
      settings_(std::move(settings)),
      store_(std::move(store)),
      service_([](const std::string& message) {
        log(Level::Warning, {.operation = "prepaid"}, message);  // on the worker: log() locks
      }) {}

Prepaid::~Prepaid() {
  shut_down();
  *alive_ = false;
}

void Prepaid::start(ProfileLookup lookup) {
  lookup_ = std::move(lookup);
  euicc_appeared();  // arms the reminder timers; due ones go out once their profile is seen
  for (const auto& [iccid, watch] : settings_.watch) {
    if (watch.balance_check_interval.count() <= 0) continue;
    const uint64_t now = realtime_now_usec();
    const uint64_t interval = usec_of(watch.balance_check_interval);
    const PrepaidRecord& r = record(iccid);
    const uint64_t due = r.balance_checked_at ? r.balance_checked_at + interval : 0;
    schedule_periodic_check(iccid, std::max(due, now + std::min(interval, kFirstCheckDelayUsec)));
  }
}

void Prepaid::euicc_appeared() {
  std::vector<std::string> dated;
  for (const auto& [iccid, record] : store_.records())
    if (record.plan_expires_at != 0) dated.push_back(iccid);
  for (const auto& iccid : dated) review_expiry(iccid);
}

void Prepaid::shut_down() {
  if (stopped_) return;
  stopped_ = true;
  cancel_.cancel(CancelReason::Postponed);
  worker_.stop();
  balance_timers_.clear();
  expiry_timers_.clear();
}

const PrepaidRecord& Prepaid::record(std::string_view iccid) const {
  static const PrepaidRecord kNothing;
  const PrepaidRecord* r = store_.find(iccid);
  return r ? *r : kNothing;
}

void Prepaid::save() {
  try {
    store_.save();
  } catch (const std::exception& e) {
    log(Level::Warning, {.operation = "prepaid-state"},
        std::string(e.what()) + " (the values stay in memory until the next change)");
  }
}

// ---- work on the worker thread -----------------------------------------------------------------

void Prepaid::run(
    const std::string& operation, const std::string& iccid, const std::string& requester, Work work,
    std::function<void(const std::optional<Error>&, const topup::TopupReply&)> finished) {
  log(Level::Debug, {.iccid = iccid, .operation = operation}, "queued for " + requester);
  std::weak_ptr<bool> alive = alive_;
  LoopQueue* loop = &loop_;
  worker_.submit([this, alive, loop, work = std::move(work), finished = std::move(finished)] {
    std::optional<Error> error;
    topup::TopupReply reply;
    try {
      reply = work(service_, settings_.topup, cancel_);
    } catch (const Error& e) {
      error = e;
    } catch (const std::exception& e) {
      error = Error(Errc::Internal, e.what());
    }
    loop->post([alive, error = std::move(error), reply = std::move(reply), finished] {
      if (auto a = alive.lock(); a && *a) finished(error, reply);
    });
  });
}

void Prepaid::check_balance(const PrepaidProfile& profile, const std::string& requester,
                            Reply done) {
  if (stopped_) {
    if (done) done(Error(Errc::Cancelled, "euiccd is stopping"), {});
    return;
  }
  const std::string iccid = profile.info.iccid;
  checking_.insert(iccid);
  run(
      "check-balance", iccid, requester,
      [profile = topup_profile(profile.info, profile.modem_object)](
          topup::TopupService& service, const topup::TopupSettings& settings,
          const CancelToken& cancel) { return service.check_balance(profile, settings, &cancel); },
      [this, iccid, requester, done](const std::optional<Error>& error,
                                     const topup::TopupReply& reply) {
        if (auto it = checking_.find(iccid); it != checking_.end()) checking_.erase(it);
        const LogFields fields{.iccid = iccid, .operation = "check-balance"};
        if (error) {
          log(Level::Warning, fields, std::string(error->what()) + " (for " + requester + ")");
        } else {
          log(Level::Info, fields,
              "answered through " + reply.modem + " by " + reply.method + " from " + reply.source +
                  " (for " + requester + ")");
          balance_arrived(iccid, reply);
        }
        const uint64_t interval = usec_of(settings_.watch_for(iccid).balance_check_interval);
        if (interval) schedule_periodic_check(iccid, realtime_now_usec() + interval);
        if (done) done(error, reply.text);
      });
}

void Prepaid::top_up(const PrepaidProfile& profile, std::string voucher,
                     const std::string& requester, Reply done) {
  if (stopped_) {
    if (done) done(Error(Errc::Cancelled, "euiccd is stopping"), {});
    return;
  }
  const std::string iccid = profile.info.iccid;
  run(
      "top-up", iccid, requester,
      [profile = topup_profile(profile.info, profile.modem_object), voucher = std::move(voucher)](
          topup::TopupService& service, const topup::TopupSettings& settings,
          const CancelToken& cancel) {
        return service.top_up(profile, voucher, settings, &cancel);
      },
      [iccid, requester, done](const std::optional<Error>& error, const topup::TopupReply& reply) {
        // Neither the voucher nor the reply (the network may echo the voucher) is logged;
        // TopupService keeps the voucher out of its error messages and of reply.method.
        const LogFields fields{.iccid = iccid, .operation = "top-up"};
        if (error) {
          log(Level::Warning, fields, std::string(error->what()) + " (for " + requester + ")");
        } else {
          log(Level::Notice, fields,
              "sent through " + reply.modem + " by " + reply.method + " from " + reply.source +
                  " (for " + requester + ")");
        }
        if (done) done(error, reply.text);
      });
}

void Prepaid::balance_arrived(const std::string& iccid, const topup::TopupReply& reply) {
  PrepaidRecord& r = store_.at(iccid);
  const std::optional<topup::BalanceAmount> previous = r.amount;
  r.balance = reply.text;
  r.balance_checked_at = realtime_now_usec();
  r.amount = topup::parse_balance_amount(reply.text);
  save();
  if (on_changed) on_changed(iccid, {"Balance", "BalanceCheckedAt", "BalanceAmount"});

  const ProfileWatch& watch = settings_.watch_for(iccid);
  if (!watch.low_balance_threshold || !r.amount) return;
  const LogFields fields{.iccid = iccid, .operation = "check-balance"};
  switch (topup::low_balance_crossing(previous, *r.amount, *watch.low_balance_threshold)) {
    case topup::ThresholdCrossing::FellBelow:
      log(Level::Notice, fields,
          "the balance " + balance_amount_text(r.amount) + " is below LowBalanceThreshold=" +
              balance_amount_text(topup::BalanceAmount{*watch.low_balance_threshold, {}}));
      if (on_balance_low) on_balance_low(iccid, r.balance);
      break;
    case topup::ThresholdCrossing::RoseAbove:
      log(Level::Info, fields,
          "the balance " + balance_amount_text(r.amount) + " is above LowBalanceThreshold= again");
      break;
    case topup::ThresholdCrossing::None: break;
  }
}

// ---- plan expiry -----------------------------------------------------------------------------

void Prepaid::set_plan_expires_at(const std::string& iccid, uint64_t usec) {
  PrepaidRecord& r = store_.at(iccid);
  if (r.plan_expires_at == usec) return;
  r.plan_expires_at = usec;
  r.plan_reminded_at = 0;  // a new date gets its reminders anew
  save();
  log(Level::Info, {.iccid = iccid, .operation = "plan-expiry"},
      usec ? "plan expiry set to " + std::to_string(usec / kUsecPerSecond) + " (Unix time)"
           : std::string("plan expiry cleared"));
  if (on_changed) on_changed(iccid, {"PlanExpiresAt"});
  // After the caller's reply: a reminder that is already due comes as a signal after it.
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, iccid] {
    if (auto a = alive.lock(); a && *a) review_expiry(iccid);
  });
}

void Prepaid::review_expiry(const std::string& iccid) {
  const PrepaidRecord* r = store_.find(iccid);
  const unsigned lead_days = settings_.watch_for(iccid).plan_expiry_reminder_days;
  if (stopped_ || !r || r->plan_expires_at == 0 || lead_days == 0) {
    disarm(expiry_timers_, iccid);
    return;
  }
  const uint64_t now = realtime_now_usec();
  std::optional<std::chrono::sys_seconds> last;
  if (r->plan_reminded_at) last = sys_seconds_of(r->plan_reminded_at);
  const topup::ExpiryReminder reminder =
      topup::plan_expiry_reminder(sys_seconds_of(r->plan_expires_at),
                                  {std::chrono::days{lead_days}}, sys_seconds_of(now), last);
  // The signal goes out on the profile's object: while no published eUICC carries the profile
  // (at start, card out), the reminder waits for euicc_appeared().
  const bool on_bus = lookup_ && lookup_(iccid).has_value();
  if (reminder.remind_now && on_bus) {
    const uint64_t expires_at = r->plan_expires_at;
    store_.at(iccid).plan_reminded_at = now;
    save();
    log(Level::Notice, {.iccid = iccid, .operation = "plan-expiry"},
        "the plan expires in " + std::to_string(reminder.remind_now->count()) + " day(s)");
    if (on_plan_expiring) on_plan_expiring(iccid, expires_at);
  }
  if (reminder.next_check) {
    const auto at = reminder.next_check->time_since_epoch().count();
    arm(expiry_timers_, iccid, false,
        static_cast<uint64_t>(std::max<int64_t>(at, 0)) * kUsecPerSecond);
  } else {
    disarm(expiry_timers_, iccid);
  }
}

// ---- timers ----------------------------------------------------------------------------------

void Prepaid::schedule_periodic_check(const std::string& iccid, std::optional<uint64_t> at) {
  const uint64_t interval = usec_of(settings_.watch_for(iccid).balance_check_interval);
  if (stopped_ || interval == 0) {
    disarm(balance_timers_, iccid);
    return;
  }
  arm(balance_timers_, iccid, true, at.value_or(realtime_now_usec() + interval));
}

void Prepaid::periodic_check(const std::string& iccid) {
  if (checking_.count(iccid)) return;  // the running one re-arms the timer when it ends
  std::optional<PrepaidProfile> profile = lookup_ ? lookup_(iccid) : std::nullopt;
  if (!profile || profile->info.state != lpa::ProfileState::Enabled) {
    log(Level::Debug, {.iccid = iccid, .operation = "check-balance"},
        "periodic check skipped: the profile is not the enabled one on any eUICC");
    schedule_periodic_check(iccid);
    return;
  }
  check_balance(*profile, "periodic check", nullptr);
}

void Prepaid::arm(std::map<std::string, std::unique_ptr<Timer>>& timers, const std::string& iccid,
                  bool balance, uint64_t realtime_usec) {
  if (stopped_ || !event_) return;
  auto& timer = timers[iccid];
  if (!timer) timer.reset(new Timer{this, iccid, balance, {}});
  int r;
  if (timer->source) {
    r = sd_event_source_set_time(timer->source, realtime_usec);
    if (r >= 0) r = sd_event_source_set_enabled(timer->source, SD_EVENT_ONESHOT);
  } else {
    r = sd_event_add_time(event_, timer->source.put(), CLOCK_REALTIME, realtime_usec,
                          kTimerAccuracyUsec, &Prepaid::on_timer, timer.get());
  }
  if (r < 0)
    log(Level::Warning, {.iccid = iccid},
        std::string("cannot arm the ") + (balance ? "balance check" : "plan expiry") +
            " timer: " + std::strerror(-r));
}

void Prepaid::disarm(std::map<std::string, std::unique_ptr<Timer>>& timers,
                     const std::string& iccid) {
  auto it = timers.find(iccid);
  if (it != timers.end()) timers.erase(it);
}

int Prepaid::on_timer(sd_event_source*, uint64_t, void* userdata) {
  // Copies first: what the handlers do may re-arm or drop this very timer.
  auto* timer = static_cast<Timer*>(userdata);
  Prepaid* self = timer->owner;
  const std::string iccid = timer->iccid;
  if (timer->balance)
    self->periodic_check(iccid);
  else
    self->review_expiry(iccid);
  return 0;
}

}  // namespace euiccd::daemon
