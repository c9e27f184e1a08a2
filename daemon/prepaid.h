// The daemon's prepaid side, on the loop thread: balance checks and top-ups run on a worker
// thread of their own through topup::TopupService (ModemManager may wait a minute for the
// network; the card is not involved), their results come back here, and here is what the
// daemon keeps and watches:
//
// - the last balance reply per profile, when it came and the amount read from it, kept in the
//   state directory (PrepaidStore) and shown as Profile properties;
// - BalanceLow when a parsed amount falls below the profile's LowBalanceThreshold= (once per
//   crossing, also across restarts);
// - the plan's expiry date (set over D-Bus) and PlanExpiring PlanExpiryReminderDays= before it,
//   on a CLOCK_REALTIME sd-event timer;
// - periodic balance checks for profiles with BalanceCheckIntervalSec= (one timer each; none at
//   all when no profile asks for them).
//
// The voucher of a top-up goes to the worker and nowhere else: it is not logged, not stored,
// and the top-up reply (which the network may use to echo it) does not become the Balance.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/cancel_token.h"
#include "base/error.h"
#include "daemon/executor.h"
#include "daemon/loop_queue.h"
#include "daemon/prepaid_settings.h"
#include "daemon/prepaid_store.h"
#include "lpa/es10_types.h"
#include "sdbus/sdbus.h"
#include "topup/topup_service.h"

namespace euiccd::daemon {

// A profile as a published eUICC lists it, and where that eUICC is: ModemManager's modem
// object when it sits in a modem (Euicc::modem_object(), the Euicc's Modem property), else ""
// (a PC/SC reader).
struct PrepaidProfile {
  lpa::ProfileInfo info;
  std::string modem_object;
};

// What top-up needs of a profile from the card's list: its operator (MCC/MNC, GID1 as
// topup::gid1_key() writes it, service provider name), whether it is the enabled one, and the
// modem that holds its eUICC (then used as it is, without matching the ICCID).
topup::ProfileOperator topup_profile(const lpa::ProfileInfo& profile,
                                     const std::string& modem_object = {});

class Prepaid {
 public:
  // `error` set: the operation failed; else `text` is the network's reply as it came.
  using Reply = std::function<void(const std::optional<Error>& error, const std::string& text)>;
  // The profile with this ICCID on a published eUICC, if any (for the periodic checks).
  using ProfileLookup = std::function<std::optional<PrepaidProfile>(const std::string& iccid)>;

  Prepaid(sd_event* event, LoopQueue& loop, PrepaidSettings settings, PrepaidStore store);
  ~Prepaid();  // cancels and joins the worker
  Prepaid(const Prepaid&) = delete;
  Prepaid& operator=(const Prepaid&) = delete;

  // Arms the timers: reminders for the stored expiry dates (a reminder that came due while
  // the daemon was off fires now), periodic checks for the profiles configured for them.
  void start(ProfileLookup lookup);
  // After an eUICC was published: reminders held back while their profile was not on the bus
  // go out now.
  void euicc_appeared();

  // `profile` as the snapshot has it (the caller has checked that it is the enabled one;
  // TopupService checks again). `requester` labels the log line (a bus name, "periodic").
  // `done` runs on the loop thread, after the properties were updated.
  void check_balance(const PrepaidProfile& profile, const std::string& requester, Reply done);
  void top_up(const PrepaidProfile& profile, std::string voucher, const std::string& requester,
              Reply done);

  // What is known about a profile (an empty record when nothing is).
  const PrepaidRecord& record(std::string_view iccid) const;
  // 0 clears it. Persists, re-arms the reminder (which may fire at once) and reports the
  // change through on_changed.
  void set_plan_expires_at(const std::string& iccid, uint64_t usec);

  // Loop thread. Property names as the D-Bus Profile interface has them.
  std::function<void(const std::string& iccid, const std::vector<const char*>& properties)>
      on_changed;
  std::function<void(const std::string& iccid, const std::string& balance)> on_balance_low;
  std::function<void(const std::string& iccid, uint64_t expires_at)> on_plan_expiring;

  // Daemon stop: the running check is cancelled, queued ones are dropped (their D-Bus callers
  // have already been answered Aborted), timers stop.
  void shut_down();
  bool finished() const { return worker_.finished(); }

 private:
  struct Timer {
    Prepaid* owner = nullptr;
    std::string iccid;
    bool balance = false;  // periodic balance check, else plan expiry reminder
    sdbus::EventSource source;
  };
  using Work = std::function<topup::TopupReply(topup::TopupService&, const topup::TopupSettings&,
                                               const CancelToken&)>;

  void run(const std::string& operation, const std::string& iccid, const std::string& requester,
           Work work,
           std::function<void(const std::optional<Error>&, const topup::TopupReply&)> finished);
  void balance_arrived(const std::string& iccid, const topup::TopupReply& reply);
  void save();

  void arm(std::map<std::string, std::unique_ptr<Timer>>& timers, const std::string& iccid,
           bool balance, uint64_t realtime_usec);
  void disarm(std::map<std::string, std::unique_ptr<Timer>>& timers, const std::string& iccid);
  static int on_timer(sd_event_source* source, uint64_t usec, void* userdata);
  void schedule_periodic_check(const std::string& iccid, std::optional<uint64_t> at = {});
  void periodic_check(const std::string& iccid);
  void review_expiry(const std::string& iccid);

  sd_event* event_;
  LoopQueue& loop_;
  const PrepaidSettings settings_;
  PrepaidStore store_;
  ProfileLookup lookup_;
  bool stopped_ = false;
  std::multiset<std::string> checking_;  // one entry per balance check queued or running
  std::map<std::string, std::unique_ptr<Timer>> balance_timers_;
  std::map<std::string, std::unique_ptr<Timer>> expiry_timers_;
  // Results posted by the worker check this before touching the object.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // Used by the worker thread; the worker is declared last so that it is joined first.
  topup::TopupService service_;
  CancelToken cancel_;
  Executor worker_;
};

// µs since the epoch, now.
uint64_t realtime_now_usec();

// The Profile's BalanceAmount text: "12.5 EUR", "500" (no currency named), "" (none read).
// The number is in the C locale's shortest form: '.' for decimals, no grouping.
std::string balance_amount_text(const std::optional<topup::BalanceAmount>& amount);

}  // namespace euiccd::daemon
