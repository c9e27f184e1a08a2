#include "euiccctl/bus.h"

#include <cstring>

#include "euiccctl/dbus_value.h"

namespace euiccctl {

void check(int r, const std::string& what) {
  if (r < 0) {
    throw BusCallError("org.freedesktop.DBus.Error.Failed", what + ": " + std::strerror(-r));
  }
}

Bus::Bus(const std::string& where) : system_(where == "system") {
  const std::string description = system_                                   ? "the system bus"
                                  : (where == "session" || where == "user") ? "the session bus"
                                                                            : "the bus at " + where;
  if (const int r = euiccd::sdbus::open(bus_, where); r < 0)
    throw BusCallError("org.freedesktop.DBus.Error.NoServer",
                       "cannot connect to " + description + ": " + std::strerror(-r));
}

void Bus::allow_interactive_authorization(bool allow) {
  sd_bus_set_allow_interactive_authorization(bus_, allow ? 1 : 0);
}

Message Bus::call(const std::string& path, const char* interface, const char* method,
                  const std::function<void(sd_bus_message*)>& append) {
  Message message;
  check(sd_bus_message_new_method_call(bus_, message.put(), kBusName, path.c_str(), interface,
                                       method),
        "building a call");
  if (append) append(message);
  euiccd::sdbus::Error error;
  Message reply;
  const uint64_t usec = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count());
  if (const int r = sd_bus_call(bus_, message, usec, error, reply.put()); r < 0)
    throw BusCallError(error.is_set() ? error.name() : "org.freedesktop.DBus.Error.Failed",
                       (*error).message ? error.message() : std::strerror(-r));
  return reply;
}

nlohmann::json Bus::get_all(const std::string& path, const char* interface) {
  Message reply =
      call(path, "org.freedesktop.DBus.Properties", "GetAll", [interface](sd_bus_message* m) {
        check(sd_bus_message_append(m, "s", interface), "building a call");
      });
  return read_value(reply.get());
}

}  // namespace euiccctl
