// MBIM status codes (COMMAND_DONE Status; mbim-errors.h MbimStatusError in libmbim 1.28 plus the
// Microsoft UICC codes 1.28 lacks: docs/modem-research.md 4.1), their names, and what a failed
// UICC low-level-access command means as euiccd::Error, with a message that says what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"
#include "modem/code_table.h"

namespace euiccd::modem::mbim {

#define EUICCD_MBIM_STATUS_TABLE(X)           \
  X(kStatusNone, 0)                           \
  X(kStatusBusy, 1)                           \
  X(kStatusFailure, 2)                        \
  X(kStatusSimNotInserted, 3)                 \
  X(kStatusBadSim, 4)                         \
  X(kStatusPinRequired, 5)                    \
  X(kStatusNoDeviceSupport, 9)                \
  X(kStatusNotInitialized, 14)                \
  X(kStatusRadioPowerOff, 20)                 \
  X(kStatusInvalidParameters, 21)             \
  X(kStatusStkBusy, 27)                       \
  X(kStatusOperationNotAllowed, 28)           \
  X(kStatusInvalidDeviceServiceOperation, 34) \
  X(kStatusMsNoLogicalChannels, 0x87430001)   \
  X(kStatusMsSelectFailed, 0x87430002)        \
  X(kStatusMsInvalidLogicalChannel, 0x87430003)
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
