// Owning handles for sd-bus and sd-event objects: each holds one reference and drops it once,
// like systemd's _cleanup_(sd_bus_message_unrefp). Move-only; they convert to the raw pointer,
// so they go straight into sd_* calls, and put() hands out the address an sd_*_new() fills:
//
//   sdbus::Message reply;
//   sdbus::Error error;
//   int r = sd_bus_call(bus, call, 0, error, reply.put());
//
// Bus closes the connection (flush, close, unref); BusRef only drops a reference to a
// connection someone else closes. EventSource disables its source as it drops it, so a callback
// never runs after its owner has let go.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <string>
#include <utility>

namespace euiccd::sdbus {

template <typename T, T* (*Unref)(T*), T* (*Ref)(T*)>
class Owned {
 public:
  Owned() noexcept = default;
  explicit Owned(T* adopted) noexcept : p_(adopted) {}  // takes over the caller's reference
  // A new reference to `p` (which the caller keeps).
  static Owned ref(T* p) noexcept { return Owned(p ? Ref(p) : nullptr); }
  ~Owned() { reset(); }
  Owned(Owned&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  Owned& operator=(Owned&& other) noexcept {
    if (this != &other) reset(std::exchange(other.p_, nullptr));
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;

  T* get() const noexcept { return p_; }
  operator T*() const noexcept { return p_; }  // NOLINT: reads like the C API
  // Drops what is held and returns the slot an sd_*_new()/sd_bus_call() writes into.
  T** put() noexcept {
    reset();
    return &p_;
  }
  T* release() noexcept { return std::exchange(p_, nullptr); }
  void reset(T* adopted = nullptr) noexcept {
    if (p_) Unref(p_);
    p_ = adopted;
  }

 private:
  T* p_ = nullptr;
};

using Bus = Owned<sd_bus, sd_bus_flush_close_unref, sd_bus_ref>;
using BusRef = Owned<sd_bus, sd_bus_unref, sd_bus_ref>;
using Message = Owned<sd_bus_message, sd_bus_message_unref, sd_bus_message_ref>;
using Slot = Owned<sd_bus_slot, sd_bus_slot_unref, sd_bus_slot_ref>;
using EventSource = Owned<sd_event_source, sd_event_source_disable_unref, sd_event_source_ref>;
using Event = Owned<sd_event, sd_event_unref, sd_event_ref>;

// An sd_bus_error, freed on destruction. Converts to sd_bus_error* for the out-parameter.
class Error {
 public:
  Error() noexcept = default;
  ~Error() { sd_bus_error_free(&error_); }
  Error(const Error&) = delete;
  Error& operator=(const Error&) = delete;

  sd_bus_error* get() noexcept { return &error_; }
  operator sd_bus_error*() noexcept { return &error_; }  // NOLINT: reads like the C API
  const sd_bus_error& operator*() const noexcept { return error_; }
  bool is_set() const noexcept { return sd_bus_error_is_set(&error_); }
  // "" when not set.
  std::string name() const { return error_.name ? error_.name : ""; }
  std::string message() const { return error_.message ? error_.message : ""; }

 private:
  sd_bus_error error_{};  // == SD_BUS_ERROR_NULL, which is a C compound literal
};

// Connects as a client to the bus at a D-Bus address ("unix:path=/run/x/bus"). Returns the
// negative errno of the step that failed (and leaves `bus` empty), else >= 0.
inline int open_address(Bus& bus, const std::string& address) {
  int r = sd_bus_new(bus.put());
  if (r >= 0) r = sd_bus_set_address(bus, address.c_str());
  if (r >= 0) r = sd_bus_set_bus_client(bus, 1);
  if (r >= 0) r = sd_bus_start(bus);
  if (r < 0) bus.reset();
  return r;
}

// "system", "session" (or "user"), or else a D-Bus address; like open_address.
inline int open(Bus& bus, const std::string& where) {
  int r = 0;
  if (where == "system")
    r = sd_bus_open_system(bus.put());
  else if (where == "session" || where == "user")
    r = sd_bus_open_user(bus.put());
  else
    return open_address(bus, where);
  if (r < 0) bus.reset();
  return r;
}

}  // namespace euiccd::sdbus
