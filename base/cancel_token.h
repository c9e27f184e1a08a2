// A cancel request shared between the thread running a long operation (download, discovery,
// notification delivery, a balance check) and whoever may stop it (a D-Bus Job.Cancel, daemon
// shutdown, ^C). The operation checks it between steps; it does not interrupt a command already
// sent.
#pragma once

#include <atomic>
#include <cstdint>

namespace euiccd {

// Why an operation was cancelled: SGP.22's CancelSessionReason (ES10b.CancelSession /
// ES9+.CancelSession), whose values the engine sends to the eUICC and the server as they are
// (lpa/es10_download.h). Layers that talk to neither (top-up) only ask whether a token was
// cancelled.
enum class CancelReason : uint8_t {
  EndUserRejection = 0,
  Postponed = 1,
  Timeout = 2,
  PprNotAllowed = 3,
  MetadataMismatch = 4,       // v2.2.2+
  LoadBppExecutionError = 5,  // v2.2.2+
  UndefinedReason = 127,      // v2.2.2+
};

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

}  // namespace euiccd
