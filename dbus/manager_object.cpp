#include "dbus/manager_object.h"

#include <cstring>

#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/service.h"

namespace euiccd::dbus {

const sd_bus_vtable ManagerObject::kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Euiccs", "ao", &ManagerObject::get_euiccs, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Version", "s", &ManagerObject::get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

ManagerObject::ManagerObject(Service& service) : service_(service) {
  const int r =
      sd_bus_add_object_vtable(service_.bus(), &slot_, kRootPath, kManagerInterface, kVtable, this);
  if (r < 0)
    throw Error(Errc::Internal,
                std::string("cannot register the Manager object: ") + std::strerror(-r));
}

ManagerObject::~ManagerObject() {
  sd_bus_slot_unref(slot_);
}

void ManagerObject::euiccs_changed() {
  sd_bus_emit_properties_changed(service_.bus(), kRootPath, kManagerInterface, "Euiccs", nullptr);
}

int ManagerObject::get_euiccs(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                              void* userdata, sd_bus_error* error) {
  auto* self = static_cast<ManagerObject*>(userdata);
  return run_property(error, [&] {
    int r = sd_bus_message_open_container(reply, 'a', "o");
    for (const auto& path : self->service_.euicc_paths())
      if (r >= 0) r = sd_bus_message_append(reply, "o", path.c_str());
    return r < 0 ? r : sd_bus_message_close_container(reply);
  });
}

int ManagerObject::get_version(sd_bus*, const char*, const char*, const char*,
                               sd_bus_message* reply, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<ManagerObject*>(userdata);
  return run_property(
      error, [&] { return sd_bus_message_append(reply, "s", self->service_.version().c_str()); });
}

}  // namespace euiccd::dbus
