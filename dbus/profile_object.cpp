#include "dbus/profile_object.h"

#include <cstring>
#include <vector>

#include "daemon/prepaid.h"
#include "dbus/euicc_object.h"
#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/polkit.h"
#include "dbus/service.h"
#include "dbus/validate.h"
#include "topup/errors.h"
#include "topup/voucher.h"

namespace euiccd::dbus {

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
    // --- prepaid (see the header) ---
    SD_BUS_PROPERTY("Balance", "s", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("BalanceCheckedAt", "t", &ProfileObject::get_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("BalanceAmount", "s", &ProfileObject::get_property, 0,
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
  int r = sd_bus_add_object_vtable(parent_.service().bus(), &slot_, path_.c_str(),
                                   kProfileInterface, kVtable, this);
  if (r < 0) throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
  r = sd_bus_add_object(parent_.service().bus(), &set_slot_, path_.c_str(),
                        &ProfileObject::take_property_set, this);
  if (r < 0) {
    sd_bus_slot_unref(slot_);
    throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
  }
}

ProfileObject::~ProfileObject() {
  if (announced_) sd_bus_emit_object_removed(parent_.service().bus(), path_.c_str());
  sd_bus_slot_unref(set_slot_);
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
    // --- prepaid: what the daemon remembers (nothing without a Prepaid) ---
    static const daemon::PrepaidRecord kNothing;
    const daemon::Prepaid* prepaid = self->parent_.service().prepaid();
    const daemon::PrepaidRecord& record = prepaid ? prepaid->record(self->iccid_) : kNothing;
    if (name == "Balance") return str(record.balance);
    if (name == "BalanceCheckedAt")
      return sd_bus_message_append(reply, "t", record.balance_checked_at);
    if (name == "BalanceAmount") return str(daemon::balance_amount_text(record.amount));
    if (name == "PlanExpiresAt") return sd_bus_message_append(reply, "t", record.plan_expires_at);
    return -ENOENT;
  });
}

int ProfileObject::enable(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const std::string iccid = self->iccid_;
    self->parent_.authorized_change(m, kActionEnableDisable, "enable", iccid,
                                    [iccid](daemon::Euicc& euicc, daemon::Euicc::Done done) {
                                      euicc.enable(iccid, std::move(done));
                                    });
    return 1;
  });
}

int ProfileObject::disable(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const std::string iccid = self->iccid_;
    self->parent_.authorized_change(m, kActionEnableDisable, "disable", iccid,
                                    [iccid](daemon::Euicc& euicc, daemon::Euicc::Done done) {
                                      euicc.disable(iccid, std::move(done));
                                    });
    return 1;
  });
}

int ProfileObject::remove(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const std::string iccid = self->iccid_;
    self->parent_.authorized_change(m, kActionDelete, "delete", iccid,
                                    [iccid](daemon::Euicc& euicc, daemon::Euicc::Done done) {
                                      euicc.remove(iccid, std::move(done));
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
    self->parent_.authorized_change(
        m, kActionRename, "set-nickname", iccid,
        [iccid, n = std::string(nickname)](daemon::Euicc& euicc, daemon::Euicc::Done done) {
          euicc.set_nickname(iccid, n, std::move(done));
        });
    return 1;
  });
}

// ---- prepaid -----------------------------------------------------------------------------------

namespace {

Error prepaid_not_available() {
  return Error(Errc::NotSupported, "balance checks and top-ups are not available in this euiccd");
}

void require_enabled(const lpa::ProfileInfo& profile) {
  if (profile.state != lpa::ProfileState::Enabled) throw topup::profile_not_enabled(profile.iccid);
}

// Between 2000-01-01 and 2200-01-01 in µs: below is a value in seconds (or a mistake).
constexpr uint64_t kEarliestPlanExpiry = 946'684'800ULL * 1'000'000ULL;
constexpr uint64_t kLatestPlanExpiry = 7'258'118'400ULL * 1'000'000ULL;
// Scratch cards print spaces and dashes that the top-up library drops; twice its limit is
// more than any voucher with them.
constexpr size_t kMaxVoucherBytes = 2 * topup::kMaxVoucherLength;

}  // namespace

void validate_voucher_shape(std::string_view voucher) {
  if (voucher.empty()) throw topup::voucher_rejected("the voucher is empty");
  if (voucher.size() > kMaxVoucherBytes)
    throw topup::voucher_rejected("a voucher has at most " +
                                  std::to_string(topup::kMaxVoucherLength) + " characters (" +
                                  std::to_string(kMaxVoucherBytes) + " with spaces and dashes)");
  for (const char c : voucher) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f)
      throw topup::voucher_rejected("the voucher contains control characters");
    if (c == '*' || c == '#')
      throw topup::voucher_rejected(
          "a voucher may not contain '*' or '#', which would change the USSD command");
  }
}

void validate_plan_expiry(uint64_t usec) {
  if (usec == 0) return;
  if (usec < kEarliestPlanExpiry || usec >= kLatestPlanExpiry)
    throw Error(Errc::InvalidArgument,
                "PlanExpiresAt is microseconds since 1970-01-01 UTC (0 clears it); " +
                    std::to_string(usec) +
                    " is not between the years 2000 and 2200 (a value in seconds?)");
}

void ProfileObject::prepaid_call(sd_bus_message* m, const char* action, PrepaidOp op) {
  Service* service = &parent_.service();
  if (!service->prepaid()) throw prepaid_not_available();
  require_enabled(info());
  PendingCallPtr call = pending_.add(m);
  std::weak_ptr<daemon::Euicc> weak = parent_.euicc().weak_from_this();
  service->authorizer().check(
      call, action, [call, service, weak, iccid = iccid_, op = std::move(op)] {
        auto euicc = weak.lock();
        if (!euicc || euicc->is_shut_down()) return call->fail(aborted("the eUICC went away"));
        const lpa::ProfileInfo* profile = euicc->snapshot().find_profile(iccid);
        if (!profile)
          throw Error(Errc::NotFound, "profile " + iccid + " is no longer on the eUICC");
        require_enabled(*profile);  // it may have been switched while polkit was asked
        daemon::Prepaid* prepaid = service->prepaid();
        if (!prepaid) throw prepaid_not_available();
        op(*prepaid, *profile, call->sender(),
           [call](const std::optional<Error>& error, const std::string& text) {
             if (error) return call->fail(*error);
             call->reply(
                 [&](sd_bus_message* r) { return sd_bus_message_append(r, "s", text.c_str()); });
           });
      });
}

int ProfileObject::check_balance(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    self->prepaid_call(
        m, kActionCheckBalance,
        [](daemon::Prepaid& prepaid, const lpa::ProfileInfo& profile, const std::string& requester,
           PrepaidReply done) { prepaid.check_balance(profile, requester, std::move(done)); });
    return 1;
  });
}

int ProfileObject::top_up(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ProfileObject*>(userdata);
  return run_method(m, [&] {
    const char* voucher = nullptr;
    if (int r = sd_bus_message_read(m, "s", &voucher); r < 0) return r;
    validate_voucher_shape(voucher);
    self->prepaid_call(
        m, kActionTopup,
        [v = std::string(voucher)](daemon::Prepaid& prepaid, const lpa::ProfileInfo& profile,
                                   const std::string& requester, PrepaidReply done) {
          prepaid.top_up(profile, v, requester, std::move(done));
        });
    return 1;
  });
}

// Never reached: take_property_set answers every Set of PlanExpiresAt first. The vtable keeps
// the property writable so that introspection says so.
int ProfileObject::set_plan_expires_at(sd_bus*, const char*, const char*, const char*,
                                       sd_bus_message*, void*, sd_bus_error* error) {
  return run_property(error, []() -> int {
    throw Error(Errc::Internal, "PlanExpiresAt is set through its polkit-checked handler");
  });
}

int ProfileObject::take_property_set(sd_bus_message* m, void* userdata, sd_bus_error*) {
  if (!sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Set")) return 0;
  const char* interface = nullptr;
  const char* property = nullptr;
  if (sd_bus_message_read(m, "ss", &interface, &property) < 0 ||
      std::strcmp(interface, kProfileInterface) != 0 ||
      std::strcmp(property, "PlanExpiresAt") != 0) {
    sd_bus_message_rewind(m, 1);
    return 0;  // sd-bus's own handling (other properties are read-only)
  }
  const int r = static_cast<ProfileObject*>(userdata)->plan_expiry_set(m);
  return r < 0 ? r : 1;  // answered (now or after polkit): sd-bus must not answer as well
}

int ProfileObject::plan_expiry_set(sd_bus_message* m) {
  return run_method(m, [&] {
    const char* contents = nullptr;
    if (sd_bus_message_peek_type(m, nullptr, &contents) < 0 || !contents ||
        std::strcmp(contents, "t") != 0)
      throw Error(Errc::InvalidArgument,
                  "PlanExpiresAt takes a t (microseconds since 1970-01-01 UTC), not a " +
                      std::string(contents ? contents : "?"));
    uint64_t usec = 0;
    if (int r = sd_bus_message_read(m, "v", "t", &usec); r < 0) return r;
    validate_plan_expiry(usec);
    info();  // NotFound when the profile just left
    Service* service = &parent_.service();
    if (!service->prepaid()) throw prepaid_not_available();
    PendingCallPtr call = pending_.add(m);
    service->authorizer().check(call, kActionConfigure, [call, service, iccid = iccid_, usec] {
      daemon::Prepaid* prepaid = service->prepaid();
      if (!prepaid) throw prepaid_not_available();
      prepaid->set_plan_expires_at(iccid, usec);
      call->reply();
    });
    return 1;
  });
}

}  // namespace euiccd::dbus
