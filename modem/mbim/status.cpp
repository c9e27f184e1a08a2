#include "modem/mbim/status.h"

#include <cstdio>

namespace euiccd::modem::mbim {

namespace {

EUICCD_CODE_NAME_FUNCTION(status_name, uint32_t, EUICCD_MBIM_STATUS_TABLE, "kStatus")

std::string hex(uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", digits, v);
  return buf;
}

}  // namespace

std::string describe_status(uint32_t status) {
  const char* name = status_name(status);
  const std::string number = status > 0xFFFF ? "0x" + hex(status, 8) : std::to_string(status);
  if (name) return std::string(name) + " (" + number + ")";
  return "status 0x" + hex(status, 8);
}

Error error_for(const std::string& operation, uint32_t status, std::optional<uint16_t> card_sw) {
  const std::string what = "the modem answered MBIM " + operation + " with " +
                           describe_status(status) +
                           (card_sw ? "; card status " + hex(*card_sw, 4) : std::string());
  const bool no_application = card_sw == 0x6A82;
  switch (status) {
    case kStatusMsSelectFailed:
      if (no_application) {
        return Error(Errc::NotSupported, what + ": the card has no application with this AID");
      }
      [[fallthrough]];
    case kStatusOperationNotAllowed:
      return Error(Errc::NotAllowed,
                   what +
                       ": the modem's firmware refuses access to the eUICC (ISD-R). This is a "
                       "firmware policy (Qualcomm firmware reports its own AccessDenied this "
                       "way; reported on Intel XMM7560 and Quectel EM05-G), euiccd cannot work "
                       "around it. Try a modem firmware update, the vendor's setting that allows "
                       "eUICC access, or the modem's QMI or AT port if it has one");
    case kStatusMsNoLogicalChannels:
    case kStatusBusy:
    case kStatusStkBusy:
      return Error(Errc::Busy, what +
                                   ": the modem or card has no free logical channel; close other "
                                   "SIM tools (lpac, ModemManager's own EID read) or restart the "
                                   "modem, then try again");
    case kStatusNotInitialized:
    case kStatusRadioPowerOff:
    case kStatusPinRequired:
      return Error(Errc::Busy, what +
                                   ": the SIM is not ready yet; unlock it or try again in a "
                                   "few seconds");
    case kStatusNoDeviceSupport:
    case kStatusInvalidDeviceServiceOperation:
      return Error(Errc::NotSupported,
                   what +
                       ": this modem firmware does not offer MS UICC Low Level Access; use "
                       "the modem's QMI (QMI-over-MBIM on Qualcomm modems) or AT port instead");
    case kStatusSimNotInserted:
    case kStatusBadSim:
    case kStatusMsInvalidLogicalChannel:
      return Error(Errc::CardRemoved, what +
                                          ": no usable SIM in the modem's active slot (check the "
                                          "configured slot), or the SIM was reset and the "
                                          "channel is gone");
    case kStatusInvalidParameters:
      return Error(Errc::Internal, what +
                                       ": the modem did not understand euiccd's request; please "
                                       "report this with the modem model and firmware revision");
    default:
      if (no_application) {
        return Error(Errc::NotSupported, what + ": the card has no application with this AID");
      }
      return Error(Errc::CardError, what);
  }
}

}  // namespace euiccd::modem::mbim
