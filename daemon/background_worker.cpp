#include "daemon/background_worker.h"

#include "daemon/memory.h"

namespace euiccd::daemon {

BackgroundWorker::BackgroundWorker() {
  thread_ = std::thread([this] { loop(); });
}

BackgroundWorker::~BackgroundWorker() {
  stop();
  join();
}

void BackgroundWorker::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void BackgroundWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_one();
}

void BackgroundWorker::join() {
  if (thread_.joinable()) thread_.join();
}

void BackgroundWorker::loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) break;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    task = nullptr;  // its captures too
    release_when_idle();
  }
  finished_ = true;
}

// The queue ran empty: what the last tasks allocated and freed goes back to the kernel, so an
// idle daemon's RSS returns to its idle figure (daemon/memory.h).
void BackgroundWorker::release_when_idle() {
  {
    std::lock_guard lock(mutex_);
    if (!tasks_.empty()) return;
  }
  release_free_memory();
}

}  // namespace euiccd::daemon
