#include "dbus/pending_call.h"

#include <algorithm>

namespace euiccd::dbus {

PendingCall::PendingCall(sd_bus_message* call) : call_(sdbus::Message::ref(call)) {}

PendingCall::~PendingCall() {
  if (!replied_)
    reply_error(call_, {error_name(Errc::Internal), "euiccd dropped this call without an answer"});
}

const char* PendingCall::sender() const {
  const char* s = sd_bus_message_get_sender(call_);
  return s ? s : "";
}

void PendingCall::reply(const std::function<int(sd_bus_message*)>& append) {
  if (replied_) return;
  replied_ = true;
  sdbus::Message reply;
  int r = sd_bus_message_new_method_return(call_, reply.put());
  if (r >= 0 && append) r = append(reply);
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  if (r < 0) {
    sdbus::Error e;
    sd_bus_error_set_errno(e, r);
    sd_bus_reply_method_error(call_, e);
  }
}

void PendingCall::fail(const BusError& error) {
  if (replied_) return;
  replied_ = true;
  reply_error(call_, error);
}

PendingCalls::~PendingCalls() {
  abort_all("the object went away before the call finished");
}

PendingCallPtr PendingCalls::add(sd_bus_message* call) {
  std::erase_if(calls_, [](const PendingCallPtr& c) { return c->replied(); });
  auto c = std::make_shared<PendingCall>(call);
  calls_.push_back(c);
  return c;
}

void PendingCalls::abort_all(const std::string& message) {
  auto calls = std::move(calls_);
  calls_.clear();
  for (auto& c : calls) c->fail(aborted(message));
}

}  // namespace euiccd::dbus
