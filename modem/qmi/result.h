// The standard Result TLV 0x02 every QMI response carries (result u16: 0 success, 1 failure;
// error u16: QmiProtocolError), the names of the errors that matter for the ISD-R channel, and
// their mapping to euiccd::Error with a message that says what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "modem/code_table.h"
#include "modem/qmi/qmux.h"

namespace euiccd::modem::qmi {

constexpr uint8_t kResultTlv = 0x02;

// QmiProtocolError values (libqmi qmi-errors.h).
#define EUICCD_QMI_ERROR_TABLE(X)  \
  X(kErrNone, 0)                   \
  X(kErrMalformedMessage, 1)       \
  X(kErrNoMemory, 2)               \
  X(kErrInternal, 3)               \
  X(kErrClientIdsExhausted, 5)     \
  X(kErrInvalidClientId, 7)        \
  X(kErrMissingArgument, 17)       \
  X(kErrArgumentTooLong, 19)       \
  X(kErrDeviceInUse, 23)           \
  X(kErrUimUninitialized, 37)      \
  X(kErrGeneralError, 46)          \
  X(kErrInvalidArgument, 48)       \
  X(kErrNoEntry, 50)               \
  X(kErrDeviceNotReady, 52)        \
  X(kErrInsufficientResources, 68) \
  X(kErrInvalidOperation, 70)      \
  X(kErrInvalidQmiCommand, 71)     \
  X(kErrSimFileNotFound, 80)       \
  X(kErrExtendedInternal, 81)      \
  X(kErrAccessDenied, 82)          \
  X(kErrHardwareRestricted, 83)    \
  X(kErrIncompatibleState, 90)     \
  X(kErrNotSupported, 94)          \
  X(kErrNoSim, 102)                \
  X(kErrNoPermission, 115)
enum QmiError : uint16_t { EUICCD_QMI_ERROR_TABLE(EUICCD_CODE_ENUMERATOR) };

struct Result {
  uint16_t result = 0;  // 0 success, 1 failure
  uint16_t error = kErrNone;
  bool ok() const { return result == 0 && error == kErrNone; }
};

Tlv encode_result(uint16_t error);  // result 1 when error != 0
// The Result TLV of a response; throws Malformed when it is missing or not 4 bytes.
Result decode_result(const Sdu& response);

// "AccessDenied (82)", or "error 123" for codes without a name here.
std::string describe_error(uint16_t error);

// What a failed UIM request means, as euiccd::Error. `operation` names the request for the
// message ("Open Logical Channel"); `card_sw` is the Card result TLV (SW1 SW2) when the modem
// gave one. AccessDenied → NotAllowed (with the firmware-policy hint), InsufficientResources
// → Busy, InvalidQmiCommand / NotSupported → NotSupported, SimFileNotFound or a card 6A82 →
// NotSupported, NoSim / InvalidClientId → CardRemoved, malformed-request errors → Internal,
// the rest → CardError.
Error error_for(const std::string& operation, uint16_t error, std::optional<uint16_t> card_sw);

}  // namespace euiccd::modem::qmi
