#include "daemon/hotplug.h"

#include "daemon/log.h"
#include "lpa/error.h"

namespace euiccd::daemon {

using namespace std::chrono_literals;

HotplugWatcher::HotplugWatcher(LoopQueue& loop, Listener listener)
    : loop_(loop), listener_(std::move(listener)) {}

HotplugWatcher::~HotplugWatcher() {
  stop();
}

void HotplugWatcher::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void HotplugWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (context_) context_->cancel();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool HotplugWatcher::pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return stopping_.load(); });
  return !stopping_;
}

void HotplugWatcher::report(std::vector<apdu::ReaderStatus> readers) {
  loop_.post([this, readers = std::move(readers)] { listener_(readers); });
}

void HotplugWatcher::run() {
  bool said_no_pcscd = false;
  while (!stopping_) {
    try {
      apdu::PcscContext context;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
        context_ = &context;
      }
      said_no_pcscd = false;
      try {
        while (!stopping_) {
          // A bounded wait so a pcscd that dies without telling us is noticed.
          if (context.wait_for_change(2s)) report(context.reader_status());
        }
      } catch (...) {
        std::lock_guard lock(mutex_);
        context_ = nullptr;
        throw;
      }
      std::lock_guard lock(mutex_);
      context_ = nullptr;
    } catch (const Error& e) {
      if (!said_no_pcscd) {
        log(Level::Warning, {}, std::string("PC/SC: ") + e.what() + "; retrying");
        said_no_pcscd = true;
      }
      report({});
      if (!pause(2s)) break;
    }
  }
}

}  // namespace euiccd::daemon
