// One thread that runs tasks one at a time in submission order, away from the sd-event loop.
// The card workers (daemon/card_worker.h: one per eUICC) and the prepaid and boot work (balance
// checks, top-ups, registration waits, whose ModemManager calls wait tens of seconds for the
// network) each own one; this is the only task loop in the daemon. Tasks report back through the
// LoopQueue themselves. Whenever the queue runs empty, freed memory goes back to the kernel
// (daemon/memory.h), so an idle daemon's RSS returns to its idle figure.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace euiccd::daemon {

class Executor {
 public:
  // `at_exit` runs on the thread after the last task, before finished() turns true (what the
  // thread alone may touch, e.g. a card session, is closed there). It must not throw.
  explicit Executor(std::function<void()> at_exit = nullptr);
  ~Executor();  // stop() + join()
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // `task` must not throw. Ignored after stop().
  void submit(std::function<void()> task);
  // Drops queued tasks; the thread ends after the running one (whose owner cancels it).
  void stop();
  void join();
  // True once the thread has returned (after stop()); join() then does not block.
  bool finished() const { return finished_; }

 private:
  void loop();
  void release_when_idle();

  std::function<void()> at_exit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace euiccd::daemon
