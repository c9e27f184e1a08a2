// The frame of every method handler: no exception crosses into sd-bus. What the body throws
// (a validation failure, Busy, ...) becomes the call's D-Bus error; a body that defers its
// reply returns 1 and answers through a PendingCall.
#pragma once

#include <systemd/sd-bus.h>

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
