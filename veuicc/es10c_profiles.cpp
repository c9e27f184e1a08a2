// ES10c: GetProfilesInfo (BF2D), EnableProfile (BF31), DisableProfile (BF32), DeleteProfile
// (BF33), EuiccMemoryReset (BF34), GetEID (BF3E), SetNickname (BF29).
#include <algorithm>
#include <set>

#include "base/error.h"
#include "lpa/iccid.h"
#include "veuicc/bits.h"
#include "veuicc/notifications.h"

namespace euiccd::veuicc {
namespace {

// Result codes shared by enable/disable/delete (SGP.22 ASN.1).
constexpr uint64_t kOk = 0;
constexpr uint64_t kIccidOrAidNotFound = 1;
constexpr uint64_t kNotInRequiredState = 2;  // profileNotInDisabledState / ...EnabledState
constexpr uint64_t kDisallowedByPolicy = 3;
constexpr uint64_t kCatBusy = 5;

// ---- GetProfilesInfo ----

constexpr uint64_t kIncorrectInputValues = 1;

std::set<tlv::Tag> parse_tag_list(ByteView list) {
  std::set<tlv::Tag> tags;
  size_t i = 0;
  while (i < list.size()) {
    tlv::Tag tag = list[i++];
    if ((tag & 0x1F) == 0x1F) {
      do {
        if (i >= list.size() || tag > 0xFFFFFF)
          throw Error(Errc::Malformed, "truncated tag in tag list");
        tag = (tag << 8) | list[i];
      } while (list[i++] & 0x80);
    }
    tags.insert(tag);
  }
  return tags;
}

Bytes operator_id(tlv::Tag tag, const OperatorId& op) {
  tlv::Builder b(tag);
  b.add(0x80, op.mcc_mnc);
  if (op.gid1) b.add(0x81, *op.gid1);
  if (op.gid2) b.add(0x82, *op.gid2);
  return b.bytes();
}

Bytes profile_info(const Profile& p, const std::optional<std::set<tlv::Tag>>& wanted) {
  const auto want = [&](tlv::Tag t) { return !wanted || wanted->count(t) != 0; };
  tlv::Builder b(0xE3);
  if (want(0x5A)) b.add(0x5A, lpa::encode_iccid(p.iccid));
  if (want(0x4F)) b.add(0x4F, p.isdp_aid);
  if (want(0x9F70)) b.add(0x9F70, tlv::encode_uint(p.enabled ? 1 : 0));
  if (want(0x90) && p.nickname) b.add(0x90, *p.nickname);
  if (want(0x91) && p.service_provider_name) b.add(0x91, *p.service_provider_name);
  if (want(0x92) && p.profile_name) b.add(0x92, *p.profile_name);
  if (want(0x93) && p.icon_type) b.add(0x93, tlv::encode_uint(*p.icon_type));
  if (want(0x94) && p.icon) b.add(0x94, *p.icon);
  if (want(0x95) && p.profile_class)
    b.add(0x95, tlv::encode_uint(static_cast<uint64_t>(*p.profile_class)));
  if (want(0xB6) && p.notification_configuration) {
    tlv::Builder list(0xB6);
    for (const auto& c : *p.notification_configuration) {
      list.add(tlv::Builder(0x30)
                   .add(0x80, encode_named_bits(1u << static_cast<int>(c.event)))
                   .add(0x81, c.address));
    }
    b.add(list);
  }
  if (want(0xB7) && p.profile_owner) b.add_raw(operator_id(0xB7, *p.profile_owner));
  if (want(0xB8) && p.dp_proprietary_data) b.add(0xB8, *p.dp_proprietary_data);
  if (want(0x99) && p.policy_rules) b.add(0x99, encode_named_bits(*p.policy_rules));
  return b.bytes();
}

// ---- Enable / Disable / Delete ----

struct StateChangeRequest {
  tlv::Tlv identifier;
  bool refresh = false;
};

StateChangeRequest parse_state_change(const tlv::Tlv& request) {
  const auto children = request.require(0xA0, "profileIdentifier").children();
  if (children.size() != 1) throw Error(Errc::Malformed, "profileIdentifier must hold one choice");
  const tlv::Tlv flag = request.require(0x81, "refreshFlag");
  if (flag.value.size() != 1) throw Error(Errc::Malformed, "refreshFlag is not a 1-byte BOOLEAN");
  return {children[0], flag.value[0] != 0};
}

std::optional<size_t> enabled_profile(const CardState& state) {
  for (size_t i = 0; i < state.profiles.size(); ++i) {
    if (state.profiles[i].enabled) return i;
  }
  return std::nullopt;
}

bool has_rule(const Profile& p, uint32_t rule) {
  return p.policy_rules && (*p.policy_rules & rule);
}

}  // namespace

Bytes get_profiles_info(const tlv::Tlv& request, Es10Context& ctx) {
  const auto error = [] { return result_response(0xBF2D, kIncorrectInputValues, 0x81); };
  std::optional<tlv::Tlv> criterion;
  if (auto criteria = request.find(0xA0)) {
    const auto children = criteria->children();
    if (children.size() != 1) return error();
    criterion = children[0];
    if (criterion->tag != 0x4F && criterion->tag != 0x5A && criterion->tag != 0x95) return error();
    if (criterion->tag == 0x5A && criterion->value.size() != 10) return error();
  }
  std::optional<std::set<tlv::Tag>> wanted;
  if (auto list = request.find(0x5C)) {
    try {
      wanted = parse_tag_list(list->value);
    } catch (const Error&) {
      return error();
    }
  }
  tlv::Builder list(0xA0);
  const auto& profiles = ctx.state().profiles;
  for (size_t i = 0; i < profiles.size(); ++i) {
    const Profile& p = profiles[i];
    if (criterion) {
      if (criterion->tag == 0x95) {
        const auto cls = static_cast<uint64_t>(p.profile_class.value_or(ProfileClass::Operational));
        if (tlv::decode_uint(criterion->value, "profileClass") != cls) continue;
      } else if (find_profile(ctx.state(), *criterion) != i) {
        continue;
      }
    }
    list.add_raw(profile_info(p, wanted));
  }
  return tlv::Builder(0xBF2D).add(list).bytes();
}

// Enable and Disable up to their own rules: the request parsed, then catBusy and a missing
// profile, which end the command with `refused`; else the target profile's index.
struct StateChange {
  StateChangeRequest request;
  std::optional<uint64_t> refused;
  size_t target = 0;
};

StateChange begin_state_change(const tlv::Tlv& request, Es10Context& ctx) {
  StateChange change{parse_state_change(request), std::nullopt, 0};
  if (ctx.behaviour.cat_busy) {
    change.refused = kCatBusy;
  } else if (const auto target = find_profile(ctx.state(), change.request.identifier)) {
    change.target = *target;
  } else {
    change.refused = kIccidOrAidNotFound;
  }
  return change;
}

// The change is made: stored, and the REFRESH the request asked for requested.
void end_state_change(const StateChange& change, Es10Context& ctx) {
  ctx.store.commit();
  ctx.refresh_requested = change.request.refresh;
}

Bytes enable_profile(const tlv::Tlv& request, Es10Context& ctx) {
  const auto respond = [](uint64_t r) { return result_response(0xBF31, r); };
  const StateChange change = begin_state_change(request, ctx);
  if (change.refused) return respond(*change.refused);
  CardState& state = ctx.state();
  const size_t target = change.target;
  if (state.profiles[target].enabled) return respond(kNotInRequiredState);
  const auto current = enabled_profile(state);
  // Enabling another profile disables the current one, which PPR1 forbids, unless the new one
  // is a test profile (SGP.22 TPRO8: enabling a test profile overrides PPR1).
  if (current && has_rule(state.profiles[*current], kPpr1) &&
      state.profiles[target].profile_class != ProfileClass::Test) {
    return respond(kDisallowedByPolicy);
  }
  if (current) {
    state.profiles[*current].enabled = false;
    queue_notification(state, state.profiles[*current], NotificationEvent::Disable);
  }
  state.profiles[target].enabled = true;
  queue_notification(state, state.profiles[target], NotificationEvent::Enable);
  end_state_change(change, ctx);
  return respond(kOk);
}

Bytes disable_profile(const tlv::Tlv& request, Es10Context& ctx) {
  const auto respond = [](uint64_t r) { return result_response(0xBF32, r); };
  const StateChange change = begin_state_change(request, ctx);
  if (change.refused) return respond(*change.refused);
  CardState& state = ctx.state();
  Profile& p = state.profiles[change.target];
  if (!p.enabled) return respond(kNotInRequiredState);
  if (has_rule(p, kPpr1)) return respond(kDisallowedByPolicy);
  p.enabled = false;
  queue_notification(state, p, NotificationEvent::Disable);
  end_state_change(change, ctx);
  return respond(kOk);
}

Bytes delete_profile(const tlv::Tlv& request, Es10Context& ctx) {
  // DeleteProfileRequest is the CHOICE itself: BF33 { 4F | 5A }.
  const auto children = request.children();
  if (children.size() != 1) throw Error(Errc::Malformed, "DeleteProfile must hold one identifier");
  const auto respond = [](uint64_t r) { return result_response(0xBF33, r); };
  CardState& state = ctx.state();
  const auto target = find_profile(state, children[0]);
  if (!target) return respond(kIccidOrAidNotFound);
  const Profile& p = state.profiles[*target];
  if (p.enabled) return respond(kNotInRequiredState);
  if (has_rule(p, kPpr2)) return respond(kDisallowedByPolicy);
  queue_notification(state, p, NotificationEvent::Delete);
  state.profiles.erase(state.profiles.begin() + static_cast<std::ptrdiff_t>(*target));
  ctx.store.commit();
  return respond(kOk);
}

// ---- EuiccMemoryReset ----

constexpr uint32_t kDeleteOperational = 1u << 0;
constexpr uint32_t kDeleteFieldLoadedTest = 1u << 1;
constexpr uint32_t kResetDefaultSmdp = 1u << 2;

// No notifications are queued for the profiles a memory reset removes [unverified: SGP.22
// 5.7.19 is not at hand]; pending ones stay, so the LPA can still deliver them.
Bytes euicc_memory_reset(const tlv::Tlv& request, Es10Context& ctx) {
  const uint32_t options = decode_named_bits(request.require(0x82, "resetOptions").value);
  const auto respond = [](uint64_t r) { return result_response(0xBF34, r); };
  if (ctx.behaviour.cat_busy) return respond(kCatBusy);
  CardState& state = ctx.state();
  const auto doomed = [&](const Profile& p) {
    const auto cls = p.profile_class.value_or(ProfileClass::Operational);
    return ((options & kDeleteOperational) && cls == ProfileClass::Operational) ||
           ((options & kDeleteFieldLoadedTest) && cls == ProfileClass::Test && !p.preloaded);
  };
  const size_t before = state.profiles.size();
  std::erase_if(state.profiles, doomed);
  bool changed = state.profiles.size() != before;
  if ((options & kResetDefaultSmdp) && state.default_dp_address) {
    state.default_dp_address.reset();
    changed = true;
  }
  if (!changed) return respond(1);  // nothingToDelete
  ctx.store.commit();
  return respond(kOk);
}

// ---- GetEID, SetNickname ----

Bytes get_eid(const tlv::Tlv& request, Es10Context& ctx) {
  // The tag list must ask for 5A; an empty request is accepted too (some LPAs send BF3E 00).
  if (auto list = request.find(0x5C)) {
    const auto tags = parse_tag_list(list->value);
    if (!tags.count(0x5A)) throw Error(Errc::Malformed, "GetEID tag list does not ask for 5A");
  } else if (!request.value.empty()) {
    throw Error(Errc::Malformed, "GetEID request without a 5C tag list");
  }
  return tlv::Builder(0xBF3E).add(0x5A, ctx.eid).bytes();
}

Bytes set_nickname(const tlv::Tlv& request, Es10Context& ctx) {
  const tlv::Tlv iccid = request.require(0x5A, "iccid");
  const tlv::Tlv nickname = request.require(0x90, "profileNickname");
  if (nickname.value.size() > 64) throw Error(Errc::Malformed, "nickname longer than 64 bytes");
  const auto target = find_profile(ctx.state(), iccid);
  if (!target) return result_response(0xBF29, 1);  // iccidNotFound
  ctx.state().profiles[*target].nickname = as_string(nickname.value);
  ctx.store.commit();
  return result_response(0xBF29, kOk);
}

}  // namespace euiccd::veuicc
