// Hands work from other threads (card workers, the hotplug watcher) to the sd-event loop, which
// owns every D-Bus object and the cached card state. post() is safe from any thread; the
// closures run on the loop thread in the order they were posted.
#pragma once

#include <systemd/sd-event.h>

#include <deque>
#include <functional>
#include <mutex>

#include "sdbus/sdbus.h"

namespace euiccd::daemon {

class LoopQueue {
 public:
  // Adds an eventfd source to `event`; the loop must outlive the queue's use.
  explicit LoopQueue(sd_event* event);
  ~LoopQueue();
  LoopQueue(const LoopQueue&) = delete;
  LoopQueue& operator=(const LoopQueue&) = delete;

  void post(std::function<void()> work);

 private:
  static int on_ready(sd_event_source* source, int fd, uint32_t revents, void* userdata);
  void run_posted();

  int fd_ = -1;
  sdbus::EventSource source_;
  std::mutex mutex_;
  std::deque<std::function<void()>> work_;
};

}  // namespace euiccd::daemon
