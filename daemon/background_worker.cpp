#include "daemon/background_worker.h"

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
  }
  finished_ = true;
}

}  // namespace euiccd::daemon
