// org.euiccd1.Euicc at /org/euiccd1/euicc/<n>, and the Profile objects below it. Properties
// come from the eUICC's cached snapshot; methods follow read args → validate → polkit → act →
// PropertiesChanged → reply. Calls still waiting when the eUICC goes away get Error.Aborted.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "daemon/euicc.h"
#include "dbus/pending_call.h"
#include "sdbus/sdbus.h"

namespace euiccd::dbus {

class Service;
class ProfileObject;

class EuiccObject {
 public:
  EuiccObject(Service& service, std::shared_ptr<daemon::Euicc> euicc);
  ~EuiccObject();  // pending calls → Aborted; InterfacesRemoved for profiles and itself
  EuiccObject(const EuiccObject&) = delete;
  EuiccObject& operator=(const EuiccObject&) = delete;

  // InterfacesAdded for itself and its profiles (once, after construction).
  void announce();

  const std::string& path() const { return path_; }
  daemon::Euicc& euicc() { return *euicc_; }
  Service& service() { return service_; }

  // One of the eUICC's typed changes (daemon::Euicc::enable, ...), started with its completion.
  using Change = std::function<void(daemon::Euicc& euicc, daemon::Euicc::Done done)>;
  // The common tail of every card-changing method: polkit `action` for the caller (none when
  // nullptr), then `change`, then (after the new snapshot is on the bus) the reply, built by
  // `reply` or empty. `operation` and `iccid` only label the log line.
  void authorized_change(sd_bus_message* call, const char* action, const std::string& operation,
                         const std::string& iccid, Change change,
                         std::function<int(sd_bus_message*)> reply = {});
  // The tail of DownloadProfile and DiscoverProfiles: polkit `action`, then `start` the job,
  // put it on the bus and reply with its path.
  using StartJob = std::function<std::shared_ptr<daemon::Job>(daemon::Euicc& euicc, uint64_t id,
                                                              const std::string& owner)>;
  void authorized_job(sd_bus_message* call, const char* action, StartJob start);

  // The travel policy (daemon/travel_runner.h): its state changed (PropertiesChanged of
  // TravelPolicy); it started a switch (the PolicySwitch signal).
  void travel_changed();
  void policy_switch(const std::string& from, const std::string& to, const std::string& reason,
                     uint64_t job_id);

 private:
  static const sd_bus_vtable* vtable();
  static int get_property(sd_bus*, const char*, const char*, const char* property,
                          sd_bus_message* reply, void* userdata, sd_bus_error* error);

  void snapshot_changed(const daemon::EuiccSnapshot& before);
  void active_job_changed();
  void modem_object_changed();
  void add_profile(const std::string& iccid, bool announce);
  void remove_profile(const std::string& iccid);

  Service& service_;
  std::shared_ptr<daemon::Euicc> euicc_;
  std::string path_;
  sdbus::Slot slot_;
  bool announced_ = false;
  PendingCalls pending_;
  std::map<std::string, std::unique_ptr<ProfileObject>> profiles_;  // by ICCID
};

}  // namespace euiccd::dbus
