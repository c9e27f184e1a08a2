#include "dbus/errors.h"

#include <cerrno>

namespace euiccd::dbus {

std::string error_name(Errc code) {
  return std::string(kErrorPrefix) + errc_name(code);
}

BusError to_bus_error(const Error& error) {
  return {error_name(error.code()), error.what()};
}

BusError not_authorized(const std::string& message) {
  return {std::string(kErrorPrefix) + "NotAuthorized", message};
}

BusError aborted(const std::string& message) {
  return {std::string(kErrorPrefix) + "Aborted", message};
}

int reply_error(sd_bus_message* call, const BusError& error) {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_error_set(&e, error.name.c_str(), error.message.c_str());
  const int r = sd_bus_reply_method_error(call, &e);
  sd_bus_error_free(&e);
  return r;
}

void register_error_map() {
  static const sd_bus_error_map kMap[] = {
      SD_BUS_ERROR_MAP("org.euiccd1.Error.InvalidArgument", EINVAL),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Malformed", EBADMSG),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.NoReader", ENODEV),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.CardRemoved", ENOMEDIUM),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.CardError", EIO),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.NotSupported", EOPNOTSUPP),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Timeout", ETIMEDOUT),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.NotFound", ENOENT),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.WrongState", EALREADY),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.NotAllowed", EPERM),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Busy", EBUSY),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.NoMemory", ENOSPC),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.ServerError", EREMOTEIO),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Network", ENETUNREACH),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Tls", EPROTO),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Cancelled", ECANCELED),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Internal", EFAULT),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.NoModem", ENXIO),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Rejected", ECONNREFUSED),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.NotAuthorized", EACCES),
      SD_BUS_ERROR_MAP("org.euiccd1.Error.Aborted", ECONNABORTED),
      SD_BUS_ERROR_MAP_END,
  };
  static const bool registered = sd_bus_error_add_map(kMap) >= 0;
  (void)registered;
}

}  // namespace euiccd::dbus
