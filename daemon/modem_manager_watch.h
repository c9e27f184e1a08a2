// Watches ModemManager's modems on D-Bus and reports where their eUICCs are reached (one
// ModemEndpoint per modem, daemon/modem_endpoint_choice.h): ObjectManager GetManagedObjects at
// start and whenever ModemManager (re)appears, InterfacesAdded / InterfacesRemoved for modems
// coming and going, PropertiesChanged of a modem's ports and SIM slots, and NameOwnerChanged
// for ModemManager starting, stopping or restarting (its modems go with it). Every call is
// asynchronous on the daemon's sd-event loop, with a deadline. A modem whose properties have
// the wrong D-Bus types gets a journal line and no endpoint; the others are unaffected.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/card_backend.h"
#include "daemon/config.h"
#include "daemon/modem_endpoint.h"
#include "daemon/modem_endpoint_choice.h"
#include "sdbus/sdbus.h"

namespace euiccd::daemon {

using ModemOverrides = std::map<std::string, ModemOverrideConfig, std::less<>>;

class ModemManagerWatch : public DeviceWatch {
 public:
  // `bus`: "system" (or "") for the system bus, else a D-Bus address (tests). The watch opens
  // its own connection and attaches it to `event`, so ModemManager's signals never queue
  // behind the daemon's own service. `changed` runs on the loop thread with every endpoint
  // each time the list changes, and once after start() when ModemManager's answer (or its
  // absence) is known.
  ModemManagerWatch(sd_event* event, std::string bus, ModemOverrides overrides,
                    ModemEndpointsChanged changed);
  ~ModemManagerWatch() override;  // stop()
  ModemManagerWatch(const ModemManagerWatch&) = delete;
  ModemManagerWatch& operator=(const ModemManagerWatch&) = delete;

  // On the loop thread. A bus that cannot be reached gives a journal line and no endpoints.
  void start() override;
  // Drops the connection and every pending call; no further callback.
  void stop() override;

  const std::vector<ModemEndpoint>& endpoints() const { return reported_; }

 private:
  using SlotPtr = sdbus::Slot;

  struct Modem {
    ModemFacts facts;
    bool has_ports = false;
    std::map<std::string, std::string> problems;  // property → what is wrong with it
    std::string said;                             // the last journal line about it
    SlotPtr get_all;                              // a pending Properties.GetAll
  };

  static int on_signal(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_filter(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_name_owner(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_managed_objects(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_get_all(sd_bus_message* m, void* self, sd_bus_error* error);
  static int on_retry(sd_event_source* source, uint64_t usec, void* self);

  void add_match(const std::string& rule);
  SlotPtr call_async(const std::string& path, const char* interface, const char* member,
                     sd_bus_message_handler_t handler, const char* argument);
  void handle_signal(sd_bus_message* m);
  void owner_changed(const std::string& new_owner);
  void request_objects();
  void retry_later();
  void read_managed_objects(sd_bus_message* m);
  void read_interfaces(const std::string& path, sd_bus_message* m);
  void read_modem_properties(Modem& modem, sd_bus_message* m);
  void publish();

  sd_event* event_;
  std::string bus_name_;
  ModemOverrides overrides_;
  ModemEndpointsChanged changed_;

  sdbus::Bus bus_;
  std::vector<SlotPtr> matches_;
  SlotPtr pending_;  // GetNameOwner or GetManagedObjects
  sdbus::EventSource retry_;
  std::string owner_;  // ModemManager's unique name; empty while it is not on the bus
  std::map<std::string, Modem> modems_;  // by object path
  std::vector<ModemEndpoint> reported_;
  bool reported_once_ = false;
};

}  // namespace euiccd::daemon
