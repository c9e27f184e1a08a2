// org.euiccd1.Manager at /org/euiccd1: Euiccs (ao), Version (s).
#pragma once

#include <systemd/sd-bus.h>

namespace euiccd::dbus {

class Service;

class ManagerObject {
 public:
  explicit ManagerObject(Service& service);
  ~ManagerObject();
  ManagerObject(const ManagerObject&) = delete;
  ManagerObject& operator=(const ManagerObject&) = delete;

  // After an Euicc object came or went.
  void euiccs_changed();

 private:
  static int get_euiccs(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                        void* userdata, sd_bus_error* error);
  static int get_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                         void* userdata, sd_bus_error* error);
  static const sd_bus_vtable kVtable[];

  Service& service_;
  sd_bus_slot* slot_ = nullptr;
};

}  // namespace euiccd::dbus
