// ES10b ListNotification (BF28), RetrieveNotificationsList (BF2B),
// RemoveNotificationFromList (BF30).
#include <algorithm>

#include "base/error.h"
#include "lpa/iccid.h"
#include "veuicc/bits.h"
#include "veuicc/notifications.h"

namespace euiccd::veuicc {
namespace {

constexpr uint64_t kUndefinedError = 127;

bool matches(const PendingNotification& n, uint32_t event_mask) {
  return event_mask & (1u << static_cast<int>(n.event));
}

}  // namespace

Bytes list_notification(const tlv::Tlv& request, Es10Context& ctx) {
  uint32_t filter = 0xFFFFFFFF;
  if (auto f = request.find(0x81)) filter = decode_named_bits(f->value);
  tlv::Builder list(0xA0);
  for (const auto& n : ctx.state().notifications) {
    if (matches(n, filter)) list.add_raw(notification_metadata(n));
  }
  return tlv::Builder(0xBF28).add(list).bytes();
}

Bytes retrieve_notifications_list(const tlv::Tlv& request, Es10Context& ctx) {
  std::optional<uint64_t> seq;
  uint32_t filter = 0xFFFFFFFF;
  if (auto criteria = request.find(0xA0)) {
    const auto children = criteria->children();
    if (children.size() != 1)
      throw Error(Errc::Malformed, "BF2B search criteria must hold one choice");
    if (children[0].tag == 0x80) {
      seq = tlv::decode_uint(children[0].value, "seqNumber");
    } else if (children[0].tag == 0x81) {
      filter = decode_named_bits(children[0].value);
    } else {
      throw Error(Errc::Malformed, "BF2B search criteria is neither 80 nor 81");
    }
  }
  if (!ctx.credentials.can_sign()) {
    // Without key and certificates the card cannot sign: say so the ES10 way.
    return result_response(0xBF2B, kUndefinedError, 0x81);
  }
  // An unknown seqNumber gives an empty list (v2.5 dropped noResultAvailable).
  tlv::Builder list(0xA0);
  for (const auto& n : ctx.state().notifications) {
    if (seq ? n.seq == *seq : matches(n, filter))
      list.add_raw(pending_notification(n, ctx.credentials));
  }
  return tlv::Builder(0xBF2B).add(list).bytes();
}

Bytes remove_notification_from_list(const tlv::Tlv& request, Es10Context& ctx) {
  const uint64_t seq = tlv::decode_uint(request.require(0x80, "seqNumber").value, "seqNumber");
  auto& list = ctx.state().notifications;
  const auto it =
      std::find_if(list.begin(), list.end(), [&](const auto& n) { return n.seq == seq; });
  if (it == list.end()) return result_response(0xBF30, 1);  // nothingToDelete
  list.erase(it);
  ctx.store.commit();
  return result_response(0xBF30, 0);
}

void queue_notification(CardState& state, const Profile& profile, NotificationEvent event) {
  if (!profile.notification_configuration) return;
  for (const auto& config : *profile.notification_configuration) {
    if (config.event != event) continue;
    PendingNotification n;
    n.seq = state.next_seq_number++;
    n.event = event;
    n.address = config.address;
    n.iccid = profile.iccid;
    state.notifications.push_back(std::move(n));
  }
}

Bytes notification_metadata(const PendingNotification& n) {
  tlv::Builder b(0xBF2F);
  b.add(0x80, tlv::encode_uint(n.seq));
  b.add(0x81, encode_named_bits(1u << static_cast<int>(n.event)));
  b.add(0x0C, n.address);
  if (n.iccid) b.add(0x5A, lpa::encode_iccid(*n.iccid));
  return b.bytes();
}

Bytes pending_notification(const PendingNotification& n, const Credentials& credentials) {
  if (n.stored) return *n.stored;
  const Bytes metadata = notification_metadata(n);
  tlv::Builder b(0x30);
  b.add_raw(metadata);
  b.add(0x5F37, credentials.sign(metadata));
  b.add_raw(credentials.euicc_certificate());
  b.add_raw(credentials.eum_certificate());
  return b.bytes();
}

}  // namespace euiccd::veuicc
