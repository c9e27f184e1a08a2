#include "daemon/loop_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"
#include "daemon/log.h"

namespace euiccd::daemon {

LoopQueue::LoopQueue(sd_event* event) {
  fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd_ < 0) throw Error(Errc::Internal, std::string("eventfd: ") + std::strerror(errno));
  const int r = sd_event_add_io(event, source_.put(), fd_, EPOLLIN, &LoopQueue::on_ready, this);
  if (r < 0) {
    close(fd_);
    throw Error(Errc::Internal, std::string("sd_event_add_io: ") + std::strerror(-r));
  }
}

LoopQueue::~LoopQueue() {
  source_.reset();  // before the fd it watches goes
  close(fd_);
}

void LoopQueue::post(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    work_.push_back(std::move(work));
  }
  const uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable, so nothing is lost.
  [[maybe_unused]] ssize_t w = write(fd_, &one, sizeof one);
}

int LoopQueue::on_ready(sd_event_source*, int fd, uint32_t, void* userdata) {
  uint64_t count = 0;
  [[maybe_unused]] ssize_t r = read(fd, &count, sizeof count);
  static_cast<LoopQueue*>(userdata)->run_posted();
  return 0;
}

void LoopQueue::run_posted() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(work_);
  }
  for (auto& work : batch) {
    // No exception may unwind into sd-event: a throwing closure is a bug, logged and dropped.
    try {
      work();
    } catch (const std::exception& e) {
      log(Level::Error, {}, std::string("internal error in posted work: ") + e.what());
    }
  }
}

}  // namespace euiccd::daemon
