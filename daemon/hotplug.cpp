#include "daemon/hotplug.h"

#include "base/error.h"
#include "daemon/log.h"

namespace euiccd::daemon {

using namespace std::chrono_literals;

namespace {
// PcscContext::wait_for_change hands the milliseconds to SCardGetStatusChange as a DWORD;
// INFINITE (0xFFFFFFFF) there means no timeout.
constexpr std::chrono::milliseconds kNoDeadline{INFINITE};
}  // namespace

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
          // No deadline: an idle daemon must not wake up. A pcscd that goes away closes its
          // socket, which ends the wait at once with an error (the catch below reconnects), and
          // stop() ends it with SCardCancel. (pcsc-lite itself re-arms an INFINITE wait once a
          // minute.)
          if (context.wait_for_change(kNoDeadline)) report(context.reader_status());
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
