// The frame of every method handler: no exception crosses into sd-bus. What the body throws
// (a validation failure, Busy, ...) becomes the call's D-Bus error; a body that defers its
// reply returns 1 and answers through a PendingCall.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>

#include "dbus/errors.h"

namespace euiccd::dbus {

template <typename Body>
int run_method(sd_bus_message* call, Body&& body) {
  try {
    return body();
  } catch (const Error& e) {
    return reply_error(call, to_bus_error(e));
  } catch (const std::exception& e) {
    return reply_error(call, to_bus_error(Error(Errc::Internal, e.what())));
  }
}

// The sd-bus handler of `Method`, which takes the object registered as the vtable's userdata
// and the call: a member `void Object::method(sd_bus_message*)` or a function
// `void method(Object&, sd_bus_message*)` (one that needs only the object's public API). It
// reads and checks the arguments and hands the call on (a PendingCall replies now or later);
// what it throws becomes the error reply. In a vtable:
// SD_BUS_METHOD(..., &method_handler<&Object::method>, ...).
template <typename Method>
struct ObjectOf;
template <typename Object>
struct ObjectOf<void (Object::*)(sd_bus_message*)> {
  using Type = Object;
};
template <typename Object>
struct ObjectOf<void (*)(Object&, sd_bus_message*)> {
  using Type = Object;
};

template <auto Method>
int method_handler(sd_bus_message* call, void* userdata, sd_bus_error*) {
  using Object = typename ObjectOf<decltype(Method)>::Type;
  return run_method(call, [&] {
    std::invoke(Method, *static_cast<Object*>(userdata), call);
    return 1;
  });
}

// Property getters/setters likewise.
template <typename Body>
int run_property(sd_bus_error* error, Body&& body) {
  try {
    return body();
  } catch (const Error& e) {
    const BusError b = to_bus_error(e);
    return sd_bus_error_set(error, b.name.c_str(), b.message.c_str());
  } catch (const std::exception& e) {
    return sd_bus_error_set(error, error_name(Errc::Internal).c_str(), e.what());
  }
}

}  // namespace euiccd::dbus
