// A small sd-bus client for integration tests: method calls that return the D-Bus error name
// and message instead of throwing, typed property reads, and waiting for a condition with a
// deadline. Header-only (integration tests link libsystemd through euiccd_dbus).
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace euiccd::testing {

// The reply of one call: either a message to read, or an error name + message.
class BusReply {
 public:
  BusReply() = default;
  BusReply(sd_bus_message* m, const sd_bus_error& e)
      : message_(m),
        error_name_(e.name ? e.name : ""),
        error_message_(e.message ? e.message : "") {}
  ~BusReply() { sd_bus_message_unref(message_); }
  BusReply(BusReply&& o) noexcept
      : message_(o.message_),
        error_name_(std::move(o.error_name_)),
        error_message_(std::move(o.error_message_)) {
    o.message_ = nullptr;
  }
  BusReply& operator=(BusReply&& o) noexcept {
    std::swap(message_, o.message_);
    error_name_ = std::move(o.error_name_);
    error_message_ = std::move(o.error_message_);
    return *this;
  }

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
  sd_bus_message* message_ = nullptr;
  std::string error_name_;
  std::string error_message_;
};

class BusClient {
 public:
  explicit BusClient(const std::string& address) {
    int r = sd_bus_new(&bus_);
    if (r >= 0) r = sd_bus_set_address(bus_, address.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(bus_, 1);
    if (r >= 0) r = sd_bus_start(bus_);
    if (r < 0) throw std::runtime_error(std::string("cannot connect: ") + std::strerror(-r));
  }
  ~BusClient() { sd_bus_flush_close_unref(bus_); }
  BusClient(const BusClient&) = delete;
  BusClient& operator=(const BusClient&) = delete;

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
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    sd_bus_call_method(bus_, destination.c_str(), path.c_str(), interface.c_str(), member.c_str(),
                       &error, &reply, types, args...);
    BusReply result(reply, error);
    sd_bus_error_free(&error);
    return result;
  }

  // A call built by hand (for flags such as interactive authorization, or odd arguments).
  BusReply call_message(sd_bus_message* m, uint64_t timeout_usec = 0) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    sd_bus_call(bus_, m, timeout_usec, &error, &reply);
    BusReply result(reply, error);
    sd_bus_error_free(&error);
    return result;
  }

  std::string get_string(const std::string& dest, const std::string& path, const std::string& iface,
                         const std::string& name) {
    char* value = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_get_property_string(bus_, dest.c_str(), path.c_str(), iface.c_str(),
                                             name.c_str(), &error, &value);
    std::string msg = error.message ? error.message : "";
    sd_bus_error_free(&error);
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + msg);
    std::string out = value;
    free(value);
    return out;
  }
  template <typename T>
  T get_basic(const std::string& dest, const std::string& path, const std::string& iface,
              const std::string& name, char type) {
    T value{};
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_get_property_trivial(bus_, dest.c_str(), path.c_str(), iface.c_str(),
                                              name.c_str(), &error, type, &value);
    std::string msg = error.message ? error.message : "";
    sd_bus_error_free(&error);
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + msg);
    return value;
  }
  std::string get_object_path(const std::string& dest, const std::string& path,
                              const std::string& iface, const std::string& name) {
    sd_bus_message* reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    int r = sd_bus_get_property(bus_, dest.c_str(), path.c_str(), iface.c_str(), name.c_str(),
                                &error, &reply, "o");
    std::string msg = error.message ? error.message : "";
    sd_bus_error_free(&error);
    // sd_bus_get_property leaves the reply positioned inside the variant.
    const char* value = nullptr;
    if (r >= 0) r = sd_bus_message_read(reply, "o", &value);
    std::string out = r >= 0 ? value : "";
    sd_bus_message_unref(reply);
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + msg);
    return out;
  }
  std::vector<std::string> get_strv(const std::string& dest, const std::string& path,
                                    const std::string& iface, const std::string& name,
                                    const char* type = "ao") {
    sd_bus_message* reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    int r = sd_bus_get_property(bus_, dest.c_str(), path.c_str(), iface.c_str(), name.c_str(),
                                &error, &reply, type);
    std::string msg = error.message ? error.message : "";
    sd_bus_error_free(&error);
    std::vector<std::string> out;
    if (r >= 0) r = sd_bus_message_enter_container(reply, 'a', type + 1);
    while (r >= 0) {
      const char* s = nullptr;
      r = sd_bus_message_read_basic(reply, type[1], &s);
      if (r <= 0) break;
      out.emplace_back(s);
    }
    sd_bus_message_unref(reply);
    if (r < 0) throw std::runtime_error("get " + path + " " + name + ": " + msg);
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
  sd_bus* bus_ = nullptr;
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
