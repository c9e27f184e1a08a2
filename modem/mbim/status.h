// MBIM status codes (COMMAND_DONE Status; mbim-errors.h MbimStatusError in libmbim 1.28 plus the
// Microsoft UICC codes 1.28 lacks: docs/modem-research.md 4.1), their names, and what a failed
// UICC low-level-access command means as euiccd::Error, with a message that says what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lpa/error.h"
#include "modem/code_table.h"

namespace euiccd::modem::mbim {

#define EUICCD_MBIM_STATUS_TABLE(X)                                            \
  X(kStatusNone, 0, "None")                                                    \
  X(kStatusBusy, 1, "Busy")                                                    \
  X(kStatusFailure, 2, "Failure")                                              \
  X(kStatusSimNotInserted, 3, "SimNotInserted")                                \
  X(kStatusBadSim, 4, "BadSim")                                                \
  X(kStatusPinRequired, 5, "PinRequired")                                      \
  X(kStatusNoDeviceSupport, 9, "NoDeviceSupport")                              \
  X(kStatusNotInitialized, 14, "NotInitialized")                               \
  X(kStatusRadioPowerOff, 20, "RadioPowerOff")                                 \
  X(kStatusInvalidParameters, 21, "InvalidParameters")                         \
  X(kStatusStkBusy, 27, "StkBusy")                                             \
  X(kStatusOperationNotAllowed, 28, "OperationNotAllowed")                     \
  X(kStatusInvalidDeviceServiceOperation, 34, "InvalidDeviceServiceOperation") \
  X(kStatusMsNoLogicalChannels, 0x87430001, "MsNoLogicalChannels")             \
  X(kStatusMsSelectFailed, 0x87430002, "MsSelectFailed")                       \
  X(kStatusMsInvalidLogicalChannel, 0x87430003, "MsInvalidLogicalChannel")
enum MbimStatus : uint32_t { EUICCD_MBIM_STATUS_TABLE(EUICCD_CODE_ENUMERATOR) };

// "OperationNotAllowed (28)", "MsSelectFailed (0x87430002)", or "status 0x…" when unnamed.
std::string describe_status(uint32_t status);

// What a failed command means. `operation` names it ("UICC Open Channel"); `card_sw` is the
// card's status word when the modem passed one. OperationNotAllowed and a SelectFailed without
// a card status → NotAllowed (firmware policy, with the hint); SelectFailed with 6A82 →
// NotSupported (no such application); NoLogicalChannels / Busy → Busy; NoDeviceSupport /
// InvalidDeviceServiceOperation → NotSupported (use QMI-over-MBIM or AT); SimNotInserted /
// BadSim / InvalidLogicalChannel → CardRemoved; InvalidParameters → Internal; the rest →
// CardError.
Error error_for(const std::string& operation, uint32_t status, std::optional<uint16_t> card_sw);

}  // namespace euiccd::modem::mbim
