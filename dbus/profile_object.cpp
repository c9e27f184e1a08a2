#include "dbus/profile_object.h"

#include <cstring>
#include <vector>

#include "daemon/card_session.h"
#include "dbus/euicc_object.h"
#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/polkit.h"
#include "dbus/service.h"
#include "dbus/validate.h"

namespace euiccd::dbus {

using daemon::CardSession;

const char* profile_state_name(const lpa::ProfileInfo& info) {
  return info.state == lpa::ProfileState::Enabled ? "enabled" : "disabled";
}

const char* profile_class_name(const std::optional<lpa::ProfileClass>& profile_class) {
  if (!profile_class) return "";
  switch (*profile_class) {
    case lpa::ProfileClass::Test: return "test";
    case lpa::ProfileClass::Provisioning: return "provisioning";
    case lpa::ProfileClass::Operational: return "operational";
  }
  return "";
}

const sd_bus_vtable ProfileObject::kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Iccid", "s", &ProfileObject::get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("IsdpAid", "s", &ProfileObject::get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("State", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Nickname", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ServiceProviderName", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ProfileName", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ProfileClass", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("OwnerMccMnc", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    // --- top-up hook (see the header) ---
    SD_BUS_PROPERTY("Balance", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("BalanceCheckedAt", "t", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_WRITABLE_PROPERTY("PlanExpiresAt", "t", &ProfileObject::get_property,
                             &ProfileObject::set_plan_expires_at, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Enable", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, &ProfileObject::enable,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Disable", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, &ProfileObject::disable,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Delete", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, &ProfileObject::remove,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("SetNickname", SD_BUS_ARGS("s", nickname), SD_BUS_NO_RESULT,
                            &ProfileObject::set_nickname, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("CheckBalance", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", reply),
                            &ProfileObject::check_balance, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("TopUp", SD_BUS_ARGS("s", voucher), SD_BUS_RESULT("s", reply),
                            &ProfileObject::top_up, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_ARGS("BalanceLow", SD_BUS_ARGS("s", balance), 0),
    SD_BUS_SIGNAL_WITH_ARGS("PlanExpiring", SD_BUS_ARGS("t", expires_at), 0),
    SD_BUS_VTABLE_END,
};

ProfileObject::ProfileObject(EuiccObject& parent, std::string iccid)
    : parent_(parent),
      iccid_(std::move(iccid)),
      path_(profile_path(parent.euicc().index(), iccid_)) {
  const int r = sd_bus_add_object_vtable(parent_.service().bus(), &slot_, path_.c_str(),
                                         kProfileInterface, kVtable, this);
  if (r < 0) throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
}

ProfileObject::~ProfileObject() {
  if (announced_) sd_bus_emit_object_removed(parent_.service().bus(), path_.c_str());
  sd_bus_slot_unref(slot_);
}

void ProfileObject::announce() {
  if (announced_) return;
  announced_ = true;
  sd_bus_emit_object_added(parent_.service().bus(), path_.c_str());
}

const lpa::ProfileInfo& ProfileObject::info() const {
  const lpa::ProfileInfo* p = parent_.euicc().snapshot().find_profile(iccid_);
  if (!p) throw Error(Errc::NotFound, "profile " + iccid_ + " is no longer on the eUICC");
  return *p;
}

void ProfileObject::emit_changes(const lpa::ProfileInfo& before, const lpa::ProfileInfo& now) {
  std::vector<const char*> names;
  if (before.state != now.state) names.push_back("State");
  if (before.nickname != now.nickname) names.push_back("Nickname");
  if (before.service_provider_name != now.service_provider_name)
    names.push_back("ServiceProviderName");
  if (before.profile_name != now.profile_name) names.push_back("ProfileName");
  if (before.profile_class != now.profile_class) names.push_back("ProfileClass");
  if (before.profile_owner != now.profile_owner) names.push_back("OwnerMccMnc");
  if (names.empty() || !announced_) return;
  names.push_back(nullptr);
  sd_bus_emit_properties_changed_strv(parent_.service().bus(), path_.c_str(), kProfileInterface,
                                      const_cast<char**>(names.data()));
}

int ProfileObject::get_property(sd_bus*, const char*, const char*, const char* property,
                                sd_bus_message* reply, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_property(error, [&]() -> int {
    const lpa::ProfileInfo& p = self->info();
    const std::string name = property;
    auto str = [&](const std::string& v) { return sd_bus_message_append(reply, "s", v.c_str()); };
    if (name == "Iccid") return str(p.iccid);
    if (name == "IsdpAid") return str(to_hex(p.isdp_aid));
    if (name == "State") return str(profile_state_name(p));
    if (name == "Nickname") return str(p.nickname);
    if (name == "ServiceProviderName") return str(p.service_provider_name);
    if (name == "ProfileName") return str(p.profile_name);
    if (name == "ProfileClass") return str(profile_class_name(p.profile_class));
    if (name == "OwnerMccMnc") return str(p.profile_owner ? p.profile_owner->mcc_mnc : "");
    // --- top-up hook: nothing known until balance checks are wired in ---
    if (name == "Balance") return str("");
    if (name == "BalanceCheckedAt" || name == "PlanExpiresAt")
      return sd_bus_message_append(reply, "t", uint64_t{0});
    return -ENOENT;
  });
}

int ProfileObject::enable(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const std::string iccid = self->iccid_;
    // refreshFlag set: the modem resets the UICC and attaches with the new profile.
    self->parent_.authorized_change(
        m, kActionEnableDisable, "enable", iccid, [iccid](CardSession& session) {
          session.client().enable_profile(lpa::ProfileIdentifier::from_iccid(iccid), true);
        });
    return 1;
  });
}

int ProfileObject::disable(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const std::string iccid = self->iccid_;
    self->parent_.authorized_change(
        m, kActionEnableDisable, "disable", iccid, [iccid](CardSession& session) {
          session.client().disable_profile(lpa::ProfileIdentifier::from_iccid(iccid), true);
        });
    return 1;
  });
}

int ProfileObject::remove(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const std::string iccid = self->iccid_;
    self->parent_.authorized_change(
        m, kActionDelete, "delete", iccid, [iccid](CardSession& session) {
          session.client().delete_profile(lpa::ProfileIdentifier::from_iccid(iccid));
        });
    return 1;
  });
}

int ProfileObject::set_nickname(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const char* nickname = nullptr;
    if (int r = sd_bus_message_read(m, "s", &nickname); r < 0) return r;
    validate_nickname(nickname);
    const std::string iccid = self->iccid_;
    self->parent_.authorized_change(m, kActionRename, "set-nickname", iccid,
                                    [iccid, n = std::string(nickname)](CardSession& session) {
                                      session.client().set_nickname(iccid, n);
                                    });
    return 1;
  });
}

// ---- top-up hook ----------------------------------------------------------------------------

namespace {
Error topup_not_available() {
  return Error(Errc::NotSupported,
               "balance checks, top-up and plan expiry are not available in this build of "
               "euiccd yet");
}
}  // namespace

int ProfileObject::set_plan_expires_at(sd_bus*, const char*, const char*, const char*,
                                       sd_bus_message*, void*, sd_bus_error* error) {
  return run_property(error, []() -> int { throw topup_not_available(); });
}

int ProfileObject::check_balance(sd_bus_message* m, void*, sd_bus_error*) {
  return reply_error(m, to_bus_error(topup_not_available()));
}

int ProfileObject::top_up(sd_bus_message* m, void*, sd_bus_error*) {
  return reply_error(m, to_bus_error(topup_not_available()));
}

}  // namespace euiccd::dbus
