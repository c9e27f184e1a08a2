#include "daemon/card_worker.h"

namespace euiccd::daemon {

CardWorker::CardWorker(std::shared_ptr<CardBackend> backend, std::string device,
                       CardSettings settings)
    : backend_(std::move(backend)),
      device_(std::move(device)),
      settings_(backend_->card_settings(std::move(settings))),
      executor_([this] { close_session(); }) {}

CardWorker::~CardWorker() {
  stop();
  join();
}

void CardWorker::submit(Task task) {
  executor_.submit([this, task = std::move(task)]() mutable { run(task); });
}

void CardWorker::run(Task& task) {
  try {
    if (!session_) session_ = std::make_unique<CardSession>(backend_->connect(device_), settings_);
    task.run(*session_);
  } catch (const Error& e) {
    // A card that went away or was reset under us gets a fresh session next time.
    if (e.code() == Errc::CardRemoved || e.code() == Errc::NoReader) session_.reset();
    if (task.fail) task.fail(e);
  } catch (const std::exception& e) {
    if (task.fail) task.fail(Error(Errc::Internal, e.what()));
  }
}

void CardWorker::close_session() {
  try {
    session_.reset();
  } catch (...) {
    // Closing the channel of a card that is gone: nothing left to do.
  }
}

}  // namespace euiccd::daemon
