// Asks polkit whether the sender of a method call may do an action
// (org.freedesktop.PolicyKit1.Authority.CheckAuthorization, subject = the caller's bus name),
// without blocking the loop. The interactive flag follows the caller's
// ALLOW_INTERACTIVE_AUTHORIZATION message flag.
//
// Action ids, as systemd/org.euiccd1.policy declares them:
//   org.euiccd1.enable-disable        Profile.Enable, Profile.Disable
//   org.euiccd1.rename                Profile.SetNickname
//   org.euiccd1.download              Euicc.DownloadProfile; Job.Confirm/Cancel by others
//   org.euiccd1.discover              Euicc.DiscoverProfiles
//   org.euiccd1.delete                Profile.Delete
//   org.euiccd1.reset-memory          Euicc.ResetMemory
//   org.euiccd1.process-notifications Euicc.ProcessNotifications
//   org.euiccd1.configure             Euicc.SetDefaultSmdpAddress (and PlanExpiresAt)
//   org.euiccd1.check-balance         Profile.CheckBalance
//   org.euiccd1.topup                 Profile.TopUp
//
// Where no polkit service is on the bus at all, only root (uid 0) callers are allowed.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <optional>
#include <string>

#include "dbus/errors.h"
#include "dbus/pending_call.h"
#include "sdbus/sdbus.h"

namespace euiccd::dbus {

inline constexpr char kActionEnableDisable[] = "org.euiccd1.enable-disable";
inline constexpr char kActionRename[] = "org.euiccd1.rename";
inline constexpr char kActionDownload[] = "org.euiccd1.download";
inline constexpr char kActionDiscover[] = "org.euiccd1.discover";
inline constexpr char kActionDelete[] = "org.euiccd1.delete";
inline constexpr char kActionResetMemory[] = "org.euiccd1.reset-memory";
inline constexpr char kActionProcessNotifications[] = "org.euiccd1.process-notifications";
inline constexpr char kActionConfigure[] = "org.euiccd1.configure";
inline constexpr char kActionCheckBalance[] = "org.euiccd1.check-balance";
inline constexpr char kActionTopup[] = "org.euiccd1.topup";

class Authorizer {
 public:
  explicit Authorizer(sd_bus* bus) : bus_(bus) {}

  // Calls `granted` (on the loop) when polkit allows `action` for the caller of `call`; replies
  // org.euiccd1.Error.NotAuthorized itself otherwise. Nothing happens if the call was already
  // answered meanwhile (its object went away).
  void check(const PendingCallPtr& call, const char* action, std::function<void()> granted);

 private:
  sd_bus* bus_;
};

}  // namespace euiccd::dbus
