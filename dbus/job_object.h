// org.euiccd1.Job at /org/euiccd1/job/<n>: a running download or discovery. Properties follow
// the Job model (PropertiesChanged as they move); Completed(b) when it ends. Confirm and Cancel
// are open to the caller that started the job; anyone else needs polkit's download action.
// A finished job stays on the bus for EngineSettings::job_linger, then goes away.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>
#include <string>

#include "daemon/job.h"
#include "dbus/pending_call.h"
#include "sdbus/sdbus.h"

namespace euiccd::dbus {

class Service;

class JobObject {
 public:
  JobObject(Service& service, std::shared_ptr<daemon::Job> job);
  ~JobObject();
  JobObject(const JobObject&) = delete;
  JobObject& operator=(const JobObject&) = delete;

  const std::string& path() const { return path_; }

 private:
  static const sd_bus_vtable* vtable();
  static int get_property(sd_bus*, const char*, const char*, const char* property,
                          sd_bus_message* reply, void* userdata, sd_bus_error* error);
  void confirm(sd_bus_message* m);
  void cancel(sd_bus_message* m);
  static int on_linger_end(sd_event_source*, uint64_t, void* userdata);

  void changed(unsigned fields);
  void completed(bool success);
  // Runs `act` now for the job's owner, after polkit for anyone else.
  void owner_or_authorized(const PendingCallPtr& call, std::function<void()> act);

  Service& service_;
  std::shared_ptr<daemon::Job> job_;
  std::string path_;
  sdbus::Slot slot_;
  sdbus::EventSource linger_;
  PendingCalls pending_;
};

}  // namespace euiccd::dbus
