// Watches PC/SC readers and cards on its own thread (pcscd's change notification through
// PcscContext::wait_for_change) and posts every new reader/card picture to the loop. Survives
// pcscd restarts: without pcscd it reports no readers and retries. The PC/SC backend's
// DeviceWatch (daemon/pcsc_backend.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "apdu/pcsc_reader.h"
#include "daemon/card_backend.h"
#include "daemon/loop_queue.h"

namespace euiccd::daemon {

class HotplugWatcher : public DeviceWatch {
 public:
  using Listener = std::function<void(const std::vector<apdu::ReaderStatus>&)>;

  // `listener` runs on the loop thread.
  HotplugWatcher(LoopQueue& loop, Listener listener);
  ~HotplugWatcher() override;  // stop()
  HotplugWatcher(const HotplugWatcher&) = delete;
  HotplugWatcher& operator=(const HotplugWatcher&) = delete;

  void start() override;
  void stop() override;

 private:
  void run();
  void report(std::vector<apdu::ReaderStatus> readers);
  bool pause(std::chrono::milliseconds duration);  // false when stopping

  LoopQueue& loop_;
  Listener listener_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  apdu::PcscContext* context_ = nullptr;  // guarded by mutex_, for cancel()
  std::thread thread_;
};

}  // namespace euiccd::daemon
