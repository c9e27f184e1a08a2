// The client side of the bus: connecting (system, session or an address), calling methods and
// reading properties, with every failure turned into a BusCallError that keeps the D-Bus error
// name ("org.euiccd1.Error.NotAuthorized") for the message and the exit code.
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "dbus/object_paths.h"
#include "sdbus/sdbus.h"

namespace euiccctl {

// The daemon's names (dbus/object_paths.h is header-only: nothing of the daemon is linked).
using euiccd::dbus::kBusName;
using euiccd::dbus::kEuiccInterface;
using euiccd::dbus::kJobInterface;
using euiccd::dbus::kManagerInterface;
using euiccd::dbus::kProfileInterface;
using euiccd::dbus::kRootPath;

class BusCallError : public std::runtime_error {
 public:
  BusCallError(std::string name, const std::string& message)
      : std::runtime_error(message), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// One sd_bus message reference.
using Message = euiccd::sdbus::Message;

class Bus {
 public:
  // `where`: "system", "session" or a D-Bus address ("unix:path=/run/x"). Throws BusCallError.
  explicit Bus(const std::string& where);
  sd_bus* get() const { return bus_; }
  bool is_system() const { return system_; }
  // Lets polkit ask the user for a password during a call (ALLOW_INTERACTIVE_AUTHORIZATION).
  void allow_interactive_authorization(bool allow);
  void set_call_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  std::chrono::milliseconds call_timeout() const { return timeout_; }

  // Calls `method` on euiccd; `append` adds the arguments. Returns the reply.
  Message call(const std::string& path, const char* interface, const char* method,
               const std::function<void(sd_bus_message*)>& append = {});
  // Properties.GetAll(interface) as a JSON object.
  nlohmann::json get_all(const std::string& path, const char* interface);

 private:
  euiccd::sdbus::Bus bus_;
  bool system_ = false;
  std::chrono::milliseconds timeout_{std::chrono::minutes(5)};
};

// Throws BusCallError for a negative sd-bus return value (`what` says what was being done).
void check(int r, const std::string& what);

}  // namespace euiccctl
