// org.euiccd1.Profile at /org/euiccd1/euicc/<n>/profile/<ICCID>. Properties come from the
// parent eUICC's cached snapshot; Enable/Disable/Delete/SetNickname go through the parent's
// authorized_change (polkit, card worker, PropertiesChanged, reply).
//
// TOP-UP HOOK: Balance, BalanceCheckedAt, PlanExpiresAt, CheckBalance, TopUp, BalanceLow and
// PlanExpiring are declared (they are part of the v1 contract) but answer "not supported" until
// the top-up library (topup/, target euiccd_topup) is wired in here.
#pragma once

#include <systemd/sd-bus.h>

#include <string>

#include "lpa/es10_types.h"

namespace euiccd::dbus {

class EuiccObject;

class ProfileObject {
 public:
  ProfileObject(EuiccObject& parent, std::string iccid);
  ~ProfileObject();  // InterfacesRemoved when announced
  ProfileObject(const ProfileObject&) = delete;
  ProfileObject& operator=(const ProfileObject&) = delete;

  void announce();  // InterfacesAdded
  const std::string& path() const { return path_; }
  // PropertiesChanged for what differs between two snapshots of this profile.
  void emit_changes(const lpa::ProfileInfo& before, const lpa::ProfileInfo& now);

 private:
  static const sd_bus_vtable kVtable[];
  static int get_property(sd_bus*, const char*, const char*, const char* property,
                          sd_bus_message* reply, void* userdata, sd_bus_error* error);
  static int enable(sd_bus_message* m, void* userdata, sd_bus_error*);
  static int disable(sd_bus_message* m, void* userdata, sd_bus_error*);
  static int remove(sd_bus_message* m, void* userdata, sd_bus_error*);
  static int set_nickname(sd_bus_message* m, void* userdata, sd_bus_error*);
  // --- top-up hook ---
  static int set_plan_expires_at(sd_bus*, const char*, const char*, const char*,
                                 sd_bus_message* value, void* userdata, sd_bus_error* error);
  static int check_balance(sd_bus_message* m, void* userdata, sd_bus_error*);
  static int top_up(sd_bus_message* m, void* userdata, sd_bus_error*);

  const lpa::ProfileInfo& info() const;  // throws NotFound when the profile just went away

  EuiccObject& parent_;
  std::string iccid_;
  std::string path_;
  sd_bus_slot* slot_ = nullptr;
  bool announced_ = false;
};

// "enabled"/"disabled", "test"/"provisioning"/"operational" ("" when the card did not say).
const char* profile_state_name(const lpa::ProfileInfo& info);
const char* profile_class_name(const std::optional<lpa::ProfileClass>& profile_class);

}  // namespace euiccd::dbus
