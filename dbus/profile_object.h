// org.euiccd1.Profile at /org/euiccd1/euicc/<n>/profile/<ICCID>. Properties come from the
// parent eUICC's cached snapshot; Enable/Disable/Delete/SetNickname go through the parent's
// authorized_change (polkit, card worker, PropertiesChanged, reply).
//
// Prepaid: Balance, BalanceCheckedAt, BalanceAmount and PlanExpiresAt come from the daemon's
// Prepaid (daemon/prepaid.h); CheckBalance and TopUp check the profile is the enabled one, ask
// polkit, and run on Prepaid's worker thread (ModemManager, not the card), replying when the
// network has answered. Setting PlanExpiresAt asks polkit too: sd-bus property setters must
// answer at once, so a Set of it is taken before the vtable (an object callback on the same
// path) and answered after polkit. BalanceLow/PlanExpiring are emitted by dbus/service.cpp.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <optional>
#include <string>

#include "base/error.h"
#include "dbus/pending_call.h"
#include "lpa/es10_types.h"
#include "sdbus/sdbus.h"

namespace euiccd::daemon {
class Euicc;
class Prepaid;
struct PrepaidProfile;
}  // namespace euiccd::daemon

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
  static const sd_bus_vtable* vtable();
  static int get_property(sd_bus*, const char*, const char*, const char* property,
                          sd_bus_message* reply, void* userdata, sd_bus_error* error);
  void enable(sd_bus_message* m);
  void disable(sd_bus_message* m);
  void remove(sd_bus_message* m);
  void set_nickname(sd_bus_message* m);
  // Enable, Disable and Delete: `apply` to this profile through the parent's
  // authorized_change (polkit `action`; `operation` labels the log line).
  using Change = void (*)(daemon::Euicc& euicc, const std::string& iccid,
                          std::function<void(const std::optional<Error>&)> done);
  void change(sd_bus_message* m, const char* action, const char* operation, Change apply);
  // --- prepaid ---
  static int take_property_set(sd_bus_message* m, void* userdata, sd_bus_error*);
  void check_balance(sd_bus_message* m);
  void top_up(sd_bus_message* m);

  using PrepaidReply = std::function<void(const std::optional<Error>&, const std::string&)>;
  using PrepaidOp = std::function<void(daemon::Prepaid&, const daemon::PrepaidProfile&,
                                       const std::string& requester, PrepaidReply)>;
  // The tail of CheckBalance/TopUp: the profile must be the enabled one, polkit `action`, then
  // `op` (which replies through the PrepaidReply with the network's text) on the profile and
  // its eUICC's modem.
  void prepaid_call(sd_bus_message* call, const char* action, PrepaidOp op);
  int plan_expiry_set(sd_bus_message* m);

  const lpa::ProfileInfo& info() const;  // throws NotFound when the profile just went away

  EuiccObject& parent_;
  std::string iccid_;
  std::string path_;
  sdbus::Slot slot_;
  sdbus::Slot set_slot_;  // take_property_set
  bool announced_ = false;
  PendingCalls pending_;  // CheckBalance/TopUp/Set waiting: Aborted when the object goes
};

// Refuses a voucher that can never be valid (empty, too long, control characters, '*' or '#'
// that would change the USSD command) before polkit is asked; the operator's own charset is
// checked later by the top-up library. Error(InvalidArgument); the message never repeats it.
void validate_voucher_shape(std::string_view voucher);
// PlanExpiresAt: 0 (clear) or µs since the epoch between 2000 and 2200, so that a value in
// seconds is caught. Error(InvalidArgument).
void validate_plan_expiry(uint64_t usec);

// "enabled"/"disabled", "test"/"provisioning"/"operational" ("" when the card did not say).
const char* profile_state_name(const lpa::ProfileInfo& info);
const char* profile_class_name(const std::optional<lpa::ProfileClass>& profile_class);

}  // namespace euiccd::dbus
