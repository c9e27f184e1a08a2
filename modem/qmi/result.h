// The standard Result TLV 0x02 every QMI response carries (result u16: 0 success, 1 failure;
// error u16: QmiProtocolError), the names of the errors that matter for the ISD-R channel, and
// their mapping to euiccd::Error with a message that says what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "modem/qmi/qmux.h"

namespace euiccd::modem::qmi {

constexpr uint8_t kResultTlv = 0x02;

// QmiProtocolError values (libqmi qmi-errors.h).
enum QmiError : uint16_t {
  kErrNone = 0,
  kErrMalformedMessage = 1,
  kErrNoMemory = 2,
  kErrInternal = 3,
  kErrClientIdsExhausted = 5,
  kErrInvalidClientId = 7,
  kErrMissingArgument = 17,
  kErrArgumentTooLong = 19,
  kErrDeviceInUse = 23,
  kErrUimUninitialized = 37,
  kErrGeneralError = 46,
  kErrInvalidArgument = 48,
  kErrNoEntry = 50,
  kErrDeviceNotReady = 52,
  kErrInsufficientResources = 68,
  kErrInvalidOperation = 70,
  kErrInvalidQmiCommand = 71,
  kErrSimFileNotFound = 80,
  kErrExtendedInternal = 81,
  kErrAccessDenied = 82,
  kErrHardwareRestricted = 83,
  kErrIncompatibleState = 90,
  kErrNotSupported = 94,
  kErrNoSim = 102,
  kErrNoPermission = 115,
};

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
