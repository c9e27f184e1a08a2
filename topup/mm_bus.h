// A thin sd-bus layer for the ModemManager client: one private connection per operation,
// method calls with explicit deadlines, property reads, and waiting for signals until a
// deadline. D-Bus failures come out as BusFailure so the caller can name them (no
// ModemManager, timeout, rejected) in terms of what it was doing.
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "sdbus/sdbus.h"

namespace euiccd::topup {

// A failed call: the D-Bus error name when the peer (or the bus) answered with one, else the
// local errno (-ETIMEDOUT for a passed deadline).
struct BusFailure : std::runtime_error {
  BusFailure(std::string error_name, std::string error_message, int errno_value);
  std::string name;     // "org.freedesktop.DBus.Error.ServiceUnknown", "" for local errors
  std::string message;  // the peer's message or strerror
  int error = 0;        // positive errno

  bool timed_out() const;
  bool service_missing() const;  // nobody owns the destination name
};

// Throws BusFailure on a negative sd-bus return code (reading a message it produced itself).
int check(int r, const char* what);

class Bus {
 public:
  // `address` "" = the system bus; otherwise a D-Bus address ("unix:path=/tmp/x/bus").
  explicit Bus(const std::string& address);

  sd_bus* get() const { return bus_.get(); }

  using Appender = std::function<void(sd_bus_message*)>;
  sdbus::Message call(const char* destination, const std::string& path, const char* interface,
                      const char* member, std::chrono::milliseconds timeout,
                      const Appender& append = {});

  // call(), except that the wait also ends as soon as `abandon()` is true (checked after each
  // message dispatched while waiting, e.g. a signal whose callback set a flag): nullopt then,
  // and the answer, should one still come, is dropped.
  std::optional<sdbus::Message> call_unless(const std::function<bool()>& abandon,
                                            const char* destination, const std::string& path,
                                            const char* interface, const char* member,
                                            std::chrono::milliseconds timeout,
                                            const Appender& append = {});

  // org.freedesktop.DBus.Properties.Get; the reply is positioned inside the variant.
  sdbus::Message get_property(const char* destination, const std::string& path,
                              const char* interface, const char* property,
                              std::chrono::milliseconds timeout, const char* type);
  std::string get_string(const char* destination, const std::string& path, const char* interface,
                         const char* property, std::chrono::milliseconds timeout);
  uint32_t get_u32(const char* destination, const std::string& path, const char* interface,
                   const char* property, std::chrono::milliseconds timeout);

  // Dispatches incoming messages (signal callbacks run here) until `done()` is true or the
  // deadline passes; returns done(). `keep_going()` is checked between waits (cancellation).
  bool wait_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline,
                  const std::function<bool()>& keep_going = {});

 private:
  sdbus::Message new_call(const char* destination, const std::string& path, const char* interface,
                          const char* member, const Appender& append);

  sdbus::Bus bus_;
};

// Reads a string ("s" or "o") at the message's current position.
std::string read_string(sd_bus_message* m, char type = 's');

}  // namespace euiccd::topup
