#include "dbus/manager_object.h"

#include <cstring>

#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/property_table.h"
#include "dbus/service.h"

namespace euiccd::dbus {

namespace {

using Table = PropertyTable<Service, unsigned>;  // Euiccs changes through euiccs_changed()

constexpr Table::Row kProperties[] = {
    {"Euiccs", "ao", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE,
     [](sd_bus_message* m, const Service& service) {
       int r = sd_bus_message_open_container(m, 'a', "o");
       for (const auto& path : service.euicc_paths())
         if (r >= 0) r = sd_bus_message_append(m, "o", path.c_str());
       return r < 0 ? r : sd_bus_message_close_container(m);
     }},
    {"Version", "s", SD_BUS_VTABLE_PROPERTY_CONST,
     [](sd_bus_message* m, const Service& service) { return append_string(m, service.version()); }},
};
constexpr Table kTable{kProperties};

int get_property(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply,
                 void* userdata, sd_bus_error* error) {
  return kTable.get(property, reply, error,
                    [&]() -> const Service& { return *static_cast<const Service*>(userdata); });
}

const sd_bus_vtable* vtable() {
  static const std::vector<sd_bus_vtable> v = kTable.vtable(&get_property, {});
  return v.data();
}

}  // namespace

ManagerObject::ManagerObject(Service& service) : service_(service) {
  const int r = sd_bus_add_object_vtable(service_.bus(), slot_.put(), kRootPath, kManagerInterface,
                                         vtable(), &service_);
  if (r < 0)
    throw Error(Errc::Internal,
                std::string("cannot register the Manager object: ") + std::strerror(-r));
}

ManagerObject::~ManagerObject() = default;

void ManagerObject::euiccs_changed() {
  sd_bus_emit_properties_changed(service_.bus(), kRootPath, kManagerInterface, "Euiccs", nullptr);
}

}  // namespace euiccd::dbus
