#include "dbus/profile_object.h"

#include <cstring>
#include <vector>

#include "daemon/prepaid.h"
#include "dbus/euicc_object.h"
#include "dbus/method_call.h"
#include "dbus/object_paths.h"
#include "dbus/polkit.h"
#include "dbus/property_table.h"
#include "dbus/service.h"
#include "dbus/validate.h"
#include "lpa/value_names.h"
#include "topup/errors.h"
#include "topup/voucher.h"

namespace euiccd::dbus {

const char* profile_state_name(const lpa::ProfileInfo& info) {
  return info.state == lpa::ProfileState::Enabled ? "enabled" : "disabled";
}

const char* profile_class_name(const std::optional<lpa::ProfileClass>& profile_class) {
  return profile_class ? lpa::name_of(*profile_class) : "";
}

namespace {

// What a Profile getter reads: the card's view of the profile and the daemon's prepaid record.
struct ProfileView {
  const lpa::ProfileInfo& info;
  const daemon::PrepaidRecord& prepaid;
};
using Info = lpa::ProfileInfo;
using Table = PropertyTable<ProfileView, bool (*)(const Info&, const Info&)>;

constexpr uint64_t kConst = SD_BUS_VTABLE_PROPERTY_CONST;
constexpr uint64_t kEmits = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;

// Never reached: take_property_set answers every Set of PlanExpiresAt first. The vtable keeps
// the property writable so that introspection says so.
int set_plan_expires_at(sd_bus*, const char*, const char*, const char*, sd_bus_message*, void*,
                        sd_bus_error* error) {
  return run_property(error, []() -> int {
    throw Error(Errc::Internal, "PlanExpiresAt is set through its polkit-checked handler");
  });
}

// The card's properties change with the snapshot (the diff); the prepaid ones when Prepaid
// says so (dbus/service.cpp), so they have no diff here.
constexpr Table::Row kProperties[] = {
    {"Iccid", "s", kConst,
     [](sd_bus_message* m, const ProfileView& p) { return append_string(m, p.info.iccid); }},
    {"IsdpAid", "s", kConst,
     [](sd_bus_message* m, const ProfileView& p) {
       return append_string(m, to_hex(p.info.isdp_aid));
     }},
    {"State", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) {
       return append_string(m, profile_state_name(p.info));
     },
     [](const Info& a, const Info& b) { return a.state != b.state; }},
    {"Nickname", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) { return append_string(m, p.info.nickname); },
     [](const Info& a, const Info& b) { return a.nickname != b.nickname; }},
    {"ServiceProviderName", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) {
       return append_string(m, p.info.service_provider_name);
     },
     [](const Info& a, const Info& b) {
       return a.service_provider_name != b.service_provider_name;
     }},
    {"ProfileName", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) { return append_string(m, p.info.profile_name); },
     [](const Info& a, const Info& b) { return a.profile_name != b.profile_name; }},
    {"ProfileClass", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) {
       return append_string(m, profile_class_name(p.info.profile_class));
     },
     [](const Info& a, const Info& b) { return a.profile_class != b.profile_class; }},
    {"OwnerMccMnc", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) {
       return append_string(m, p.info.profile_owner ? p.info.profile_owner->mcc_mnc : "");
     },
     [](const Info& a, const Info& b) { return a.profile_owner != b.profile_owner; }},
    // --- prepaid (see the header): what the daemon remembers ---
    {"Balance", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) { return append_string(m, p.prepaid.balance); }},
    {"BalanceCheckedAt", "t", kEmits,
     [](sd_bus_message* m, const ProfileView& p) {
       return sd_bus_message_append(m, "t", p.prepaid.balance_checked_at);
     }},
    {"BalanceAmount", "s", kEmits,
     [](sd_bus_message* m, const ProfileView& p) {
       return append_string(m, daemon::balance_amount_text(p.prepaid.amount));
     }},
    {"PlanExpiresAt", "t", kEmits | SD_BUS_VTABLE_UNPRIVILEGED,
     [](sd_bus_message* m, const ProfileView& p) {
       return sd_bus_message_append(m, "t", p.prepaid.plan_expires_at);
     },
     nullptr, &set_plan_expires_at},
};
constexpr Table kTable{kProperties};

}  // namespace

const sd_bus_vtable* ProfileObject::vtable() {
  static const std::vector<sd_bus_vtable> v = kTable.vtable(
      &ProfileObject::get_property,
      {
          SD_BUS_METHOD_WITH_ARGS("Enable", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                  &method_handler<&ProfileObject::enable>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("Disable", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                  &method_handler<&ProfileObject::disable>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("Delete", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                  &method_handler<&ProfileObject::remove>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("SetNickname", SD_BUS_ARGS("s", nickname), SD_BUS_NO_RESULT,
                                  &method_handler<&ProfileObject::set_nickname>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("CheckBalance", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", reply),
                                  &method_handler<&ProfileObject::check_balance>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_METHOD_WITH_ARGS("TopUp", SD_BUS_ARGS("s", voucher), SD_BUS_RESULT("s", reply),
                                  &method_handler<&ProfileObject::top_up>,
                                  SD_BUS_VTABLE_UNPRIVILEGED),
          SD_BUS_SIGNAL_WITH_ARGS("BalanceLow", SD_BUS_ARGS("s", balance), 0),
          SD_BUS_SIGNAL_WITH_ARGS("PlanExpiring", SD_BUS_ARGS("t", expires_at), 0),
      });
  return v.data();
}

ProfileObject::ProfileObject(EuiccObject& parent, std::string iccid)
    : parent_(parent),
      iccid_(std::move(iccid)),
      path_(profile_path(parent.euicc().index(), iccid_)) {
  int r = sd_bus_add_object_vtable(parent_.service().bus(), slot_.put(), path_.c_str(),
                                   kProfileInterface, vtable(), this);
  if (r < 0) throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
  r = sd_bus_add_object(parent_.service().bus(), set_slot_.put(), path_.c_str(),
                        &ProfileObject::take_property_set, this);
  if (r < 0) throw Error(Errc::Internal, "cannot register " + path_ + ": " + std::strerror(-r));
}

ProfileObject::~ProfileObject() {
  if (announced_) sd_bus_emit_object_removed(parent_.service().bus(), path_.c_str());
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
  if (!announced_) return;
  emit_properties_changed(parent_.service().bus(), path_, kProfileInterface,
                          kTable.changed([&](auto differs) { return differs(before, now); }));
}

int ProfileObject::get_property(sd_bus*, const char*, const char*, const char* property,
                                sd_bus_message* reply, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<ProfileObject*>(userdata);
  // Nothing remembered without a Prepaid.
  static const daemon::PrepaidRecord kNothing;
  const daemon::Prepaid* prepaid = self->parent_.service().prepaid();
  return kTable.get(property, reply, error, [&] {
    return ProfileView{self->info(), prepaid ? prepaid->record(self->iccid_) : kNothing};
  });
}

void ProfileObject::change(sd_bus_message* m, const char* action, const char* operation,
                           Change apply) {
  parent_.authorized_change(
      m, action, operation, iccid_,
      [iccid = iccid_, apply](daemon::Euicc& euicc, daemon::Euicc::Done done) {
        apply(euicc, iccid, std::move(done));
      });
}

void ProfileObject::enable(sd_bus_message* m) {
  change(m, kActionEnableDisable, "enable",
         [](daemon::Euicc& euicc, const std::string& iccid, daemon::Euicc::Done done) {
           euicc.enable(iccid, std::move(done));
         });
}

void ProfileObject::disable(sd_bus_message* m) {
  change(m, kActionEnableDisable, "disable",
         [](daemon::Euicc& euicc, const std::string& iccid, daemon::Euicc::Done done) {
           euicc.disable(iccid, std::move(done));
         });
}

void ProfileObject::remove(sd_bus_message* m) {
  change(m, kActionDelete, "delete",
         [](daemon::Euicc& euicc, const std::string& iccid, daemon::Euicc::Done done) {
           euicc.remove(iccid, std::move(done));
         });
}

void ProfileObject::set_nickname(sd_bus_message* m) {
  parent_.authorized_change(
      m, kActionRename, "set-nickname", iccid_,
      [iccid = iccid_, n = read_nickname(m)](daemon::Euicc& euicc, daemon::Euicc::Done done) {
        euicc.set_nickname(iccid, n, std::move(done));
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
        // A modem's eUICC is served through that modem; the Modem property names it.
        op(*prepaid, daemon::PrepaidProfile{*profile, euicc->modem_object()}, call->sender(),
           [call](const std::optional<Error>& error, const std::string& text) {
             if (error) return call->fail(*error);
             call->reply(
                 [&](sd_bus_message* r) { return sd_bus_message_append(r, "s", text.c_str()); });
           });
      });
}

void ProfileObject::check_balance(sd_bus_message* m) {
  prepaid_call(m, kActionCheckBalance,
               [](daemon::Prepaid& prepaid, const daemon::PrepaidProfile& profile,
                  const std::string& requester, PrepaidReply done) {
                 prepaid.check_balance(profile, requester, std::move(done));
               });
}

void ProfileObject::top_up(sd_bus_message* m) {
  const char* voucher = nullptr;
  read_basic(m, 's', &voucher, "the voucher");
  validate_voucher_shape(voucher);
  prepaid_call(
      m, kActionTopup,
      [v = std::string(voucher)](daemon::Prepaid& prepaid, const daemon::PrepaidProfile& profile,
                                 const std::string& requester, PrepaidReply done) {
        prepaid.top_up(profile, v, requester, std::move(done));
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
