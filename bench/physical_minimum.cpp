#include "bench/physical_minimum.h"

#include <algorithm>

#include "lpa/es10_download.h"

namespace euiccd::bench {
namespace {

constexpr size_t kMaxResponsePerApdu = 256;

bool essential(Work work, uint32_t tag) {
  switch (work) {
    case Work::EidAndInfo: return tag == 0xBF3E || tag == 0xBF22;
    case Work::ListProfiles: return tag == 0xBF2D;
    case Work::Enable: return tag == 0xBF31;
    case Work::Disable: return tag == 0xBF32;
    case Work::Delete: return tag == 0xBF33;
    case Work::Nickname: return tag == 0xBF29;
    case Work::Download:
      return tag == 0xBF2E || tag == 0xBF20 || tag == 0xBF38 || tag == 0xBF21 ||
             lpa::is_bound_profile_package_tag(tag) || tag == 0xBF30;
    case Work::Notifications: return tag == 0xBF30;  // BF2B is folded into one below
  }
  return false;
}

}  // namespace

uint64_t apdus_for_message(size_t command_bytes, size_t response_bytes, size_t segment) {
  const uint64_t blocks = std::max<uint64_t>(1, (command_bytes + segment - 1) / segment);
  const uint64_t answers =
      std::max<uint64_t>(1, (response_bytes + kMaxResponsePerApdu - 1) / kMaxResponsePerApdu);
  return blocks - 1 + answers;
}

Minimum minimum_for(Work work, const std::vector<Es10Message>& messages, size_t segment) {
  Minimum m;
  size_t removes = 0;
  size_t retrieved_bytes = 0;
  for (const Es10Message& msg : messages) {
    if (work == Work::Notifications && msg.tag == 0xBF2B) {
      // One RetrieveNotificationsList without a filter returns every notification at once.
      retrieved_bytes += msg.response_bytes;
      continue;
    }
    if (msg.tag == 0xBF30) ++removes;
    if (essential(work, msg.tag))
      m.apdus += apdus_for_message(msg.command_bytes, msg.response_bytes, segment);
  }
  if (work == Work::Notifications && removes > 0) {
    m.apdus += apdus_for_message(3, retrieved_bytes, segment);  // BF2B 00
    m.https_requests = removes;                                 // one handleNotification each
    m.servers = 1;
  }
  if (work == Work::Download) {
    // initiateAuthentication, authenticateClient, getBoundProfilePackage, handleNotification.
    m.https_requests = 4;
    m.servers = 1;
  }
  return m;
}

}  // namespace euiccd::bench
