#include "daemon/card_worker.h"

#include "daemon/log.h"
#include "daemon/memory.h"

namespace euiccd::daemon {

CardWorker::CardWorker(std::shared_ptr<CardBackend> backend, std::string device,
                       CardSettings settings)
    : backend_(std::move(backend)),
      device_(std::move(device)),
      settings_(backend_->card_settings(std::move(settings))) {
  thread_ = std::thread([this] { loop(); });
}

CardWorker::~CardWorker() {
  stop();
  join();
}

void CardWorker::submit(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void CardWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_one();
}

void CardWorker::join() {
  if (thread_.joinable()) thread_.join();
}

void CardWorker::loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) break;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    try {
      if (!session_)
        session_ = std::make_unique<CardSession>(backend_->connect(device_), settings_);
      task.run(*session_);
    } catch (const Error& e) {
      // A card that went away or was reset under us gets a fresh session next time.
      if (e.code() == Errc::CardRemoved || e.code() == Errc::NoReader) session_.reset();
      if (task.fail) task.fail(e);
    } catch (const std::exception& e) {
      if (task.fail) task.fail(Error(Errc::Internal, e.what()));
    }
    task = {};  // its captures too
    release_when_idle();
  }
  try {
    session_.reset();
  } catch (...) {
    // Closing the channel of a card that is gone: nothing left to do.
  }
  finished_ = true;
}

// The queue ran empty: what the last tasks allocated and freed goes back to the kernel, so an
// idle daemon's RSS returns to its idle figure (daemon/memory.h).
void CardWorker::release_when_idle() {
  {
    std::lock_guard lock(mutex_);
    if (!tasks_.empty()) return;
  }
  release_free_memory();
}

}  // namespace euiccd::daemon
