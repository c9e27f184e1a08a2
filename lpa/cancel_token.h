// A cancel request shared between the thread running a long operation (download, discovery,
// notification delivery) and whoever may stop it (a D-Bus Job.Cancel, daemon shutdown, ^C).
// The operation checks it between steps; it does not interrupt a command already sent.
#pragma once

#include <atomic>

#include "lpa/es10_download.h"

namespace euiccd::lpa {

class CancelToken {
 public:
  // The reason goes to the eUICC and the server: EndUserRejection when the user said no,
  // Postponed when the daemon stops (the order stays available for a later attempt).
  void cancel(CancelReason reason = CancelReason::EndUserRejection) {
    int expected = kNone;
    reason_.compare_exchange_strong(expected, static_cast<int>(reason));  // first one wins
  }
  bool cancelled() const { return reason_.load() != kNone; }
  CancelReason reason() const {
    const int r = reason_.load();
    return r == kNone ? CancelReason::EndUserRejection : static_cast<CancelReason>(r);
  }

 private:
  static constexpr int kNone = -1;
  std::atomic<int> reason_{kNone};
};

}  // namespace euiccd::lpa
