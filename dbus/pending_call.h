// A method call whose reply comes later (after polkit, after the card worker). It holds a
// reference to the call message and replies exactly once; later replies are ignored. An object
// keeps its unanswered calls in a PendingCalls set so that, when it goes away (card removed,
// daemon stopping), each caller gets org.euiccd1.Error.Aborted instead of a timeout.
//
// sd-bus is not thread-safe: PendingCalls live on the loop thread only; card workers never hold
// one (they report back by request id, see daemon/euicc.h).
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dbus/errors.h"
#include "sdbus/sdbus.h"

namespace euiccd::dbus {

class PendingCall {
 public:
  explicit PendingCall(sd_bus_message* call);
  ~PendingCall();  // an unanswered call gets Error.Internal rather than a silent timeout
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  sd_bus_message* message() const { return call_; }
  const char* sender() const;
  bool replied() const { return replied_; }

  // Builds and sends the reply: `append` adds the return values (may be empty).
  void reply(const std::function<int(sd_bus_message*)>& append = {});
  void fail(const BusError& error);
  void fail(const Error& error) { fail(to_bus_error(error)); }

 private:
  sdbus::Message call_;
  bool replied_ = false;
};

using PendingCallPtr = std::shared_ptr<PendingCall>;

class PendingCalls {
 public:
  ~PendingCalls();  // abort_all("...") with a generic message
  PendingCallPtr add(sd_bus_message* call);
  void abort_all(const std::string& message);

 private:
  std::vector<PendingCallPtr> calls_;
};

}  // namespace euiccd::dbus
