// ISO 7816-4 / ETSI TS 102 221 / GlobalPlatform status words and how they become errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "apdu/layering.h"

namespace euiccd::apdu {

namespace sw {
inline constexpr uint16_t kOk = 0x9000;
inline constexpr uint16_t kSegmentTooLarge = 0x6601;  // GP/SGP.22 STORE DATA security issue
inline constexpr uint16_t kWrongLength = 0x6700;
inline constexpr uint16_t kLogicalChannelNotSupported = 0x6881;
inline constexpr uint16_t kSecureMessagingNotSupported = 0x6882;
inline constexpr uint16_t kSecurityStatusNotSatisfied = 0x6982;
inline constexpr uint16_t kConditionsNotSatisfied = 0x6985;
inline constexpr uint16_t kIncorrectData = 0x6A80;
inline constexpr uint16_t kFunctionNotSupported = 0x6A81;
inline constexpr uint16_t kFileNotFound = 0x6A82;
inline constexpr uint16_t kNotEnoughMemory = 0x6A84;
inline constexpr uint16_t kIncorrectP1P2 = 0x6A86;
inline constexpr uint16_t kReferencedDataNotFound = 0x6A88;
inline constexpr uint16_t kInsNotSupported = 0x6D00;
inline constexpr uint16_t kClaNotSupported = 0x6E00;
inline constexpr uint16_t kNoPreciseDiagnosis = 0x6F00;
inline constexpr uint16_t kToolkitBusy = 0x9300;

// SW1 values that carry a length or count in SW2.
inline constexpr uint8_t kResponseAvailable = 0x61;  // 61xx: xx bytes wait for GET RESPONSE
inline constexpr uint8_t kWrongLe = 0x6C;            // 6Cxx: resend with Le = xx
inline constexpr uint8_t kProactivePending = 0x91;   // 91xx: done, proactive command pending
}  // namespace sw

inline constexpr uint8_t sw1(uint16_t status) {
  return static_cast<uint8_t>(status >> 8);
}
inline constexpr uint8_t sw2(uint16_t status) {
  return static_cast<uint8_t>(status & 0xFF);
}

// 9000, or 91xx (the command succeeded and the card has a proactive command waiting).
inline constexpr bool is_success(uint16_t status) {
  return status == sw::kOk || sw1(status) == sw::kProactivePending;
}

// "6A82 (file or application not found)"; unknown words get the meaning of their SW1 group.
std::string describe_status(uint16_t status);

// Throws euiccd::Error for an unexpected status word: "<context>: the card answered 6A82
// (file or application not found)". Errc::NotSupported for the "not supported" family
// (6D00, 6E00, 6881, 6A81, 6882), NoMemory for 6A84, Busy for 9300, CardError otherwise.
[[noreturn]] void throw_for_status(uint16_t status, std::string_view context);

}  // namespace euiccd::apdu
