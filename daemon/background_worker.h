// One thread that runs slow work away from the sd-event loop, one task at a time in submission
// order: balance checks and top-ups, whose ModemManager calls wait tens of seconds for the
// network. It knows no card (that is CardWorker's job), so a USSD session never holds an eUICC.
// Tasks report back through the LoopQueue themselves.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace euiccd::daemon {

class BackgroundWorker {
 public:
  BackgroundWorker();
  ~BackgroundWorker();  // stop() + join()
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // `task` must not throw. Ignored after stop().
  void submit(std::function<void()> task);
  // Drops queued tasks; the thread ends after the running one (whose owner cancels it).
  void stop();
  void join();
  bool finished() const { return finished_; }

 private:
  void loop();
  void release_when_idle();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace euiccd::daemon
