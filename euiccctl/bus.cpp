#include "euiccctl/bus.h"

#include <cstring>

#include "euiccctl/dbus_value.h"

namespace euiccctl {

void check(int r, const std::string& what) {
  if (r < 0) {
    throw BusCallError("org.freedesktop.DBus.Error.Failed", what + ": " + std::strerror(-r));
  }
}

Bus::Bus(const std::string& where) {
  int r = 0;
  std::string description;
  if (where == "system") {
    system_ = true;
    description = "the system bus";
    r = sd_bus_open_system(&bus_);
  } else if (where == "session" || where == "user") {
    description = "the session bus";
    r = sd_bus_open_user(&bus_);
  } else {
    description = "the bus at " + where;
    r = sd_bus_new(&bus_);
    if (r >= 0) r = sd_bus_set_address(bus_, where.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(bus_, 1);
    if (r >= 0) r = sd_bus_start(bus_);
  }
  if (r < 0) {
    sd_bus_unref(bus_);
    bus_ = nullptr;
    throw BusCallError("org.freedesktop.DBus.Error.NoServer",
                       "cannot connect to " + description + ": " + std::strerror(-r));
  }
}

Bus::~Bus() {
  sd_bus_flush_close_unref(bus_);
}

void Bus::allow_interactive_authorization(bool allow) {
  sd_bus_set_allow_interactive_authorization(bus_, allow ? 1 : 0);
}

Message Bus::call(const std::string& path, const char* interface, const char* method,
                  const std::function<void(sd_bus_message*)>& append) {
  sd_bus_message* raw = nullptr;
  check(sd_bus_message_new_method_call(bus_, &raw, kBusName, path.c_str(), interface, method),
        "building a call");
  Message message(raw);
  if (append) append(message.get());
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  const uint64_t usec = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count());
  int r = sd_bus_call(bus_, message.get(), usec, &error, &reply);
  if (r < 0) {
    std::string name = error.name ? error.name : "org.freedesktop.DBus.Error.Failed";
    std::string text = error.message ? error.message : std::strerror(-r);
    sd_bus_error_free(&error);
    throw BusCallError(name, text);
  }
  return Message(reply);
}

nlohmann::json Bus::get_all(const std::string& path, const char* interface) {
  Message reply =
      call(path, "org.freedesktop.DBus.Properties", "GetAll", [interface](sd_bus_message* m) {
        check(sd_bus_message_append(m, "s", interface), "building a call");
      });
  return read_value(reply.get());
}

}  // namespace euiccctl
