// org.euiccd1.Manager at /org/euiccd1: Euiccs (ao), Version (s).
#pragma once

#include <systemd/sd-bus.h>

#include "sdbus/sdbus.h"

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
  Service& service_;
  sdbus::Slot slot_;
};

}  // namespace euiccd::dbus
