// One eUICC as the daemon holds it, on the loop thread: its cached snapshot, its card worker,
// and the rule for concurrent requests:
//
// - Short changes (enable, disable, delete, nickname, addresses, memory reset, notifications,
//   refresh) are queued on the card worker and run one after the other in arrival order.
// - A job (download, discovery) holds the card until it ends: while it runs, every other
//   change and every new job is refused at once with Errc::Busy instead of waiting for it
//   (a download may wait minutes for the user's Confirm).
// - At most kMaxQueuedChanges changes wait for one eUICC (the running one included); beyond
//   that a change is refused at once with Errc::Busy, so a caller looping on SetNickname at a
//   slow card cannot grow the daemon without bound.
// - With [Notifications] AutoProcess=, pending notifications are delivered (a queued change)
//   when the eUICC appears and after each change that queues them; those that stay on the
//   card are tried again on a timer until none is left (daemon/notification_scheduler.h
//   decides when; the eUICC runs the deliveries).
// - On an eUICC inside a modem (switch_through_modem), enable and disable are a job of their
//   own: a "switch" (daemon/profile_switch.h) that follows the modem back online or rolls back;
//   their `done` comes when it has ended, and while it runs the eUICC is busy as for a job.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "daemon/card_worker.h"
#include "daemon/download_job.h"
#include "daemon/engine_settings.h"
#include "daemon/euicc_snapshot.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/loop_queue.h"
#include "daemon/notification_scheduler.h"
#include "daemon/subscribers.h"
#include "daemon/travel_view.h"
#include "lpa/notifications.h"

namespace euiccd::daemon {

class Euicc : public std::enable_shared_from_this<Euicc>, private NotificationScheduler::Card {
 public:
  using Done = std::function<void(const std::optional<Error>& error)>;
  // ProcessNotifications: how many notifications were delivered (and left the card).
  using SentDone = std::function<void(const std::optional<Error>& error, unsigned sent)>;

  // Far more than people or scripts queue on purpose (each change takes a fraction of a
  // second on a real card); a bound on what a flood of calls can pile up.
  static constexpr size_t kMaxQueuedChanges = 32;

  // `event`: the loop's, for the notification retry timer.
  // `reader`: the backend's name for the device (a PC/SC reader name, a modem endpoint's key);
  // `transport`: the backend's name ("pcsc", "qmi", ...); `modem_object`: ModemManager's modem
  // object when the eUICC sits in a modem it manages, else "".
  Euicc(unsigned index, std::string reader, std::string transport, std::string modem_object,
        EuiccSnapshot snapshot, std::unique_ptr<CardWorker> worker, sd_event* event,
        LoopQueue& loop, const EngineSettings& settings);
  ~Euicc() override;

  unsigned index() const { return index_; }
  const std::string& reader() const { return reader_; }
  const std::string& transport() const { return transport_; }
  const std::string& modem_object() const { return modem_object_; }
  // ModemManager's modem came back under another object path (after a switch), or was
  // reported after the eUICC appeared; fires on_modem_object_changed when it differs.
  void set_modem_object(std::string path);
  // From now on enable/disable are switch jobs that restart the SIM `way` (a modem eUICC).
  void switch_through_modem(SimRestart way) { modem_switch_ = way; }
  bool switches_modem() const { return modem_switch_.has_value(); }
  // A switch job is running (its modem may step away meanwhile: daemon/euicc_registry.h).
  bool switching() const { return active_job_ && active_job_->operation() == "switch"; }
  const std::string& eid() const override { return snapshot_.eid; }
  const EuiccSnapshot& snapshot() const { return snapshot_; }
  // What the travel policy (daemon/travel_runner.h) says of this eUICC; it sets it.
  const TravelView& travel_view() const { return travel_view_; }
  void set_travel_view(TravelView view) { travel_view_ = std::move(view); }

  // Fired when modem_object() changed, on the loop thread.
  std::function<void()> on_modem_object_changed;
  // Fired after a new snapshot replaced `before` (only when something differs).
  std::function<void(const EuiccSnapshot& before)> on_snapshot_changed;

  // Changes. Each is queued on the card worker, runs its ES10 command(s) and updates the
  // snapshot from what the command tells plus the narrowest re-read (daemon/card_changes.h);
  // an error re-reads everything, since the card may then differ from what the daemon thinks.
  // `done` comes on the loop thread after the new snapshot is in place (and after
  // on_snapshot_changed). Busy while a job runs or kMaxQueuedChanges are waiting; `done` is
  // not called once the eUICC is shut down: whoever waits on it learns that from its removal.
  // `operation` names the change in the log ("boot-enable", "config-nickname", ...).
  void enable(const std::string& iccid, Done done, const std::string& operation = "enable");
  void disable(const std::string& iccid, Done done);
  // Of the enabled profile on a modem eUICC: the disabling switch job first, then the delete.
  void remove(const std::string& iccid, Done done);
  void set_nickname(const std::string& iccid, const std::string& nickname, Done done,
                    const std::string& operation = "set-nickname");
  void set_default_smdp_address(const std::string& address, Done done);
  void reset_memory(const lpa::MemoryResetOptions& options, Done done);
  // Delivers what the card holds pending (one RetrieveNotificationsList, which is all it costs
  // when nothing is pending). An error when there were some and none could be delivered.
  void process_notifications(SentDone done);
  // Reads everything again (for a card that others may have changed).
  void refresh(Done done);

  // Long operations; the Job is returned already queued. Throw Error(Busy) while a job runs.
  std::shared_ptr<Job> start_download(uint64_t job_id, const std::string& owner,
                                      DownloadRequest request);
  std::shared_ptr<Job> start_discovery(uint64_t job_id, const std::string& owner,
                                       std::string smds_address);
  const std::shared_ptr<Job>& active_job() const { return active_job_; }
  // Fired when active_job() changes (a job started or ended), on the loop thread.
  std::function<void()> on_active_job_changed;
  // Fired after a switch job ended (after on_active_job_changed and its caller's `done`).
  std::function<void()> on_switch_ended;
  // Fired after any job ended (a download, a discovery, a switch), after the above; for those
  // who wait for the card to be free (the travel policy).
  Subscribers<> job_ended;

  // When the eUICC appears: delivers what the card holds pending if auto-processing is on
  // (left by a crash, a power cut, a server that was down); the retry timer takes over for
  // what stays.
  void deliver_pending_notifications() { notifications_.card_appeared(); }
  const NotificationScheduler& notifications() const { return notifications_; }

  // The card went away or the daemon stops: the running job is cancelled with `reason` (a
  // download ends its session on card and server) and ends now with `why`; queued changes are
  // dropped; the notification retry timer is removed. Returns the worker so the caller can
  // reap its thread once it has finished.
  std::unique_ptr<CardWorker> shut_down(CancelReason reason, const Error& why);
  bool is_shut_down() const { return !worker_; }

 private:
  using JobBody = std::function<void(CardSession&, class JobContext&)>;
  // The card worker's copy of the snapshot: only tasks touch it, one at a time, so it is
  // current for each change however many are queued. `stale` when a re-read failed: the next
  // change then reads everything first.
  struct CardCache {
    EuiccSnapshot snapshot;
    bool stale = false;
  };
  // What a change does on the worker: its ES10 command(s) and the update of the cache.
  using CardChange = std::function<void(lpa::Es10Client& card, EuiccSnapshot& cache)>;

  // Queues `op` (see the changes above). `hold_card`: run inside the backend's hold (a PC/SC
  // transaction; false for operations that wait on servers, e.g. notification delivery).
  void change(const std::string& operation, Done done, CardChange op, bool hold_card = true);
  // `after`: called on the loop thread with the job's outcome once it has finished.
  std::shared_ptr<Job> start_job(std::shared_ptr<Job> job, JobBody body, Done after = {});
  // enable/disable on a modem eUICC: a switch job, `done` when it has ended.
  void start_switch(bool enable, const std::string& iccid, Done done);
  // The card's delete of a profile (WrongState from the card when it is enabled).
  void delete_disabled(const std::string& iccid, Done done);
  void set_active_job(std::shared_ptr<Job> job);
  void apply(EuiccSnapshot next);
  // NotificationScheduler::Card: what the scheduler asks of its eUICC.
  unsigned pending_notifications() const override { return snapshot_.pending_notifications; }
  const std::string* job_operation() const override;
  // A delivery as a change, without the card hold (it waits on servers).
  void queue_delivery(const std::string& operation,
                      NotificationScheduler::ReportDone done) override;
  Error busy_error() const;

  unsigned index_;
  std::string reader_;
  std::string transport_;
  std::string modem_object_;
  std::optional<SimRestart> modem_switch_;
  EuiccSnapshot snapshot_;
  TravelView travel_view_;
  std::shared_ptr<CardCache> card_cache_;
  std::unique_ptr<CardWorker> worker_;
  LoopQueue& loop_;
  const EngineSettings& settings_;
  std::shared_ptr<Job> active_job_;
  // Callers' continuations stay on the loop thread; the worker reports back by request id.
  uint64_t next_request_ = 1;
  std::map<uint64_t, Done> waiting_;
  NotificationScheduler notifications_;
};

}  // namespace euiccd::daemon
