#include "dbus/errors.h"

#include "sdbus/sdbus.h"

namespace euiccd::dbus {

std::string error_name(Errc code) {
  return std::string(kErrorPrefix) + errc_name(code);
}

BusError to_bus_error(const Error& error) {
  return {error_name(error.code()), error.what()};
}

BusError not_authorized(const std::string& message) {
  return to_bus_error(Error(Errc::NotAuthorized, message));
}

BusError aborted(const std::string& message) {
  return to_bus_error(Error(Errc::Aborted, message));
}

int reply_error(sd_bus_message* call, const BusError& error) {
  sdbus::Error e;
  sd_bus_error_set(e, error.name.c_str(), error.message.c_str());
  return sd_bus_reply_method_error(call, e);
}

void register_error_map() {
  static const sd_bus_error_map kMap[] = {
#define EUICCD_SD_BUS_ERROR_MAP_ENTRY(name, errno_value, meaning) \
  SD_BUS_ERROR_MAP(EUICCD_DBUS_ERROR_PREFIX #name, errno_value),
      EUICCD_ERROR_TABLE(EUICCD_SD_BUS_ERROR_MAP_ENTRY)
#undef EUICCD_SD_BUS_ERROR_MAP_ENTRY
          SD_BUS_ERROR_MAP_END,
  };
  static const bool registered = sd_bus_error_add_map(kMap) >= 0;
  (void)registered;
}

}  // namespace euiccd::dbus
