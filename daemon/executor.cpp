#include "daemon/executor.h"

#include "daemon/memory.h"

namespace euiccd::daemon {

Executor::Executor(std::function<void()> at_exit) : at_exit_(std::move(at_exit)) {
  thread_ = std::thread([this] { loop(); });
}

Executor::~Executor() {
  stop();
  join();
}

void Executor::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void Executor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_one();
}

void Executor::join() {
  if (thread_.joinable()) thread_.join();
}

void Executor::loop() {
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
  if (at_exit_) at_exit_();
  finished_ = true;
}

// The queue ran empty: what the last tasks allocated and freed goes back to the kernel.
void Executor::release_when_idle() {
  {
    std::lock_guard lock(mutex_);
    if (!tasks_.empty()) return;
  }
  release_free_memory();
}

}  // namespace euiccd::daemon
