// A small sd-bus client for integration tests: method calls that return the D-Bus error name
// and message instead of throwing, typed property reads, and waiting for a condition with a
// deadline. Header-only (integration tests link euiccd_sdbus through euiccd_dbus).
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sdbus/sdbus.h"

namespace euiccd::testing {

// The reply of one call: either a message to read, or an error name + message.
class BusReply {
 public:
  BusReply() = default;
  BusReply(sdbus::Message m, const sdbus::Error& e)
      : message_(std::move(m)), error_name_(e.name()), error_message_(e.message()) {}

  bool ok() const { return error_name_.empty(); }
  const std::string& error_name() const { return error_name_; }
  const std::string& error_message() const { return error_message_; }
  sd_bus_message* message() const { return message_; }

  // First value of the reply.
  std::string read_string(char type = 's') const {
    const char* s = nullptr;
    if (!message_ || sd_bus_message_read_basic(message_, type, &s) < 0)
      throw std::runtime_error("reply has no string: " + error_name_ + " " + error_message_);
    return s;
  }
  uint32_t read_u32() const {
    uint32_t v = 0;
    if (!message_ || sd_bus_message_read_basic(message_, 'u', &v) < 0)
      throw std::runtime_error("reply has no u: " + error_name_ + " " + error_message_);
    return v;
  }

 private:
  sdbus::Message message_;
  std::string error_name_;
  std::string error_message_;
};

class BusClient {
 public:
  explicit BusClient(const std::string& address) {
    if (const int r = sdbus::open_address(bus_, address); r < 0)
      throw std::runtime_error(std::string("cannot connect: ") + std::strerror(-r));
  }

  sd_bus* bus() const { return bus_; }
  std::string unique_name() const {
    const char* n = nullptr;
    sd_bus_get_unique_name(bus_, &n);
    return n ? n : "";
  }

  // call(dest, path, iface, member, "sa{sv}", args...) with sd_bus_message_append's varargs.
  template <typename... Args>
  BusReply call(const std::string& destination, const std::string& path,
                const std::string& interface, const std::string& member, const char* types,
                Args... args) {
    sdbus::Error error;
    sdbus::Message reply;
    sd_bus_call_method(bus_, destination.c_str(), path.c_str(), interface.c_str(), member.c_str(),
                       error, reply.put(), types, args...);
    return BusReply(std::move(reply), error);
  }

  // A method call to build by hand and send with call_message (empty if it cannot be made).
  sdbus::Message new_call(const char* destination, const std::string& path, const char* interface,
                          const char* member) {
    sdbus::Message m;
    sd_bus_message_new_method_call(bus_, m.put(), destination, path.c_str(), interface, member);
    return m;
  }

  // A call built by hand (for flags such as interactive authorization, or odd arguments).
  BusReply call_message(sd_bus_message* m, uint64_t timeout_usec = 0) {
    sdbus::Error error;
    sdbus::Message reply;
    sd_bus_call(bus_, m, timeout_usec, error, reply.put());
    return BusReply(std::move(reply), error);
  }

  std::string get_string(const std::string& dest, const std::string& path, const std::string& iface,
                         const std::string& name) {
    char* value = nullptr;
    sdbus::Error error;
    const int r = sd_bus_get_property_string(bus_, dest.c_str(), path.c_str(), iface.c_str(),
                                             name.c_str(), error, &value);
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + error.message());
    std::string out = value;
    free(value);
    return out;
  }
  template <typename T>
  T get_basic(const std::string& dest, const std::string& path, const std::string& iface,
              const std::string& name, char type) {
    T value{};
    sdbus::Error error;
    const int r = sd_bus_get_property_trivial(bus_, dest.c_str(), path.c_str(), iface.c_str(),
                                              name.c_str(), error, type, &value);
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + error.message());
    return value;
  }
  std::string get_object_path(const std::string& dest, const std::string& path,
                              const std::string& iface, const std::string& name) {
    sdbus::Message reply;
    sdbus::Error error;
    int r = sd_bus_get_property(bus_, dest.c_str(), path.c_str(), iface.c_str(), name.c_str(),
                                error, reply.put(), "o");
    // sd_bus_get_property leaves the reply positioned inside the variant.
    const char* value = nullptr;
    if (r >= 0) r = sd_bus_message_read(reply, "o", &value);
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + error.message());
    return value;
  }
  std::vector<std::string> get_strv(const std::string& dest, const std::string& path,
                                    const std::string& iface, const std::string& name,
                                    const char* type = "ao") {
    sdbus::Message reply;
    sdbus::Error error;
    int r = sd_bus_get_property(bus_, dest.c_str(), path.c_str(), iface.c_str(), name.c_str(),
                                error, reply.put(), type);
    std::vector<std::string> out;
    if (r >= 0) r = sd_bus_message_enter_container(reply, 'a', type + 1);
    while (r >= 0) {
      const char* s = nullptr;
      r = sd_bus_message_read_basic(reply, type[1], &s);
      if (r <= 0) break;
      out.emplace_back(s);
    }
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + error.message());
    return out;
  }

  // True when `name` has an owner on the bus.
  bool has_owner(const std::string& name) {
    BusReply r = call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                      "NameHasOwner", "s", name.c_str());
    int owned = 0;
    return r.ok() && sd_bus_message_read(r.message(), "b", &owned) >= 0 && owned;
  }

 private:
  sdbus::Bus bus_;
};

// Polls `condition` every 20 ms until it holds or `deadline` passes; true when it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    try {
      if (condition()) return true;
    } catch (const std::exception&) {
      // not there yet (object missing, name not owned, ...)
    }
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace euiccd::testing
