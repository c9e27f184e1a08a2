// One thread per eUICC (an Executor, daemon/executor.h) that owns its CardSession and runs card
// work strictly one task at a time, so the D-Bus loop never waits for a card or a server. Tasks run
// in submission order; each gets the open session, or the error that kept the session from opening.
// The session is opened through the card backend (daemon/card_backend.h) on first use and again
// after the card went away or was reset.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/error.h"
#include "daemon/card_backend.h"
#include "daemon/card_session.h"
#include "daemon/engine_settings.h"
#include "daemon/executor.h"

namespace euiccd::daemon {

class CardWorker {
 public:
  struct Task {
    std::function<void(CardSession&)> run;   // on the worker thread; may throw euiccd::Error
    std::function<void(const Error&)> fail;  // on the worker thread: what run threw, or why
                                             // the session could not be opened
  };

  // `device` is the backend's name for the eUICC (a reader name for PC/SC).
  CardWorker(std::shared_ptr<CardBackend> backend, std::string device, CardSettings settings);
  ~CardWorker();  // stop() + join()
  CardWorker(const CardWorker&) = delete;
  CardWorker& operator=(const CardWorker&) = delete;

  void submit(Task task);
  // Drops queued tasks and ends the thread after the running one. Callers cancel a running
  // long task themselves (its CancelToken) before.
  void stop() { executor_.stop(); }
  void join() { executor_.join(); }
  // True once the thread has returned (after stop()); join() then does not block.
  bool finished() const { return executor_.finished(); }

 private:
  void run(Task& task);
  void close_session();

  std::shared_ptr<CardBackend> backend_;  // outlives the thread, which may outlive its owner
  std::string device_;
  CardSettings settings_;
  std::unique_ptr<CardSession> session_;  // worker thread only
  Executor executor_;                     // last: its thread starts when the rest is in place
};

}  // namespace euiccd::daemon
