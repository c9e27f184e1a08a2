#include "modem/qmi/result.h"

#include <cstdio>

namespace euiccd::modem::qmi {

namespace {

EUICCD_CODE_NAME_FUNCTION(error_name, uint16_t, EUICCD_QMI_ERROR_TABLE, "kErr")

std::string sw_text(std::optional<uint16_t> sw) {
  if (!sw) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "; card status %04X", *sw);
  return buf;
}

}  // namespace

Tlv encode_result(uint16_t error) {
  Tlv t{kResultTlv, {}};
  put_u16(t.value, error == kErrNone ? 0 : 1);
  put_u16(t.value, error);
  return t;
}

Result decode_result(const Sdu& response) {
  const Tlv* t = response.find(kResultTlv);
  if (!t) {
    throw Error(Errc::Malformed, "malformed QMI message: the response has no result TLV");
  }
  TlvReader r(t->value, "the result TLV");
  Result result;
  result.result = r.u16();
  result.error = r.u16();
  r.finish();
  if (result.result > 1) {
    throw Error(Errc::Malformed, "malformed QMI message: result " + std::to_string(result.result) +
                                     " is neither 0 nor 1");
  }
  return result;
}

std::string describe_error(uint16_t error) {
  if (const char* name = error_name(error)) {
    return std::string(name) + " (" + std::to_string(error) + ")";
  }
  return "error " + std::to_string(error);
}

Error error_for(const std::string& operation, uint16_t error, std::optional<uint16_t> card_sw) {
  const std::string what = "the modem answered QMI UIM " + operation + " with " +
                           describe_error(error) + sw_text(card_sw);
  switch (error) {
    case kErrAccessDenied:
    case kErrHardwareRestricted:
    case kErrNoPermission:
      return Error(Errc::NotAllowed,
                   what +
                       ": the modem's firmware refuses access to the eUICC (ISD-R) for every "
                       "client. This is a firmware policy (reported on SIMCom SIM7600G-H and "
                       "Telit LE910C4; Quectel EG25-GL works), euiccd cannot work around it. "
                       "Try a modem firmware update or the vendor's setting that allows eUICC "
                       "access, or the modem's AT port (transport \"at\") if it accepts +CCHO");
    case kErrInsufficientResources:
    case kErrClientIdsExhausted:
    case kErrDeviceInUse:
    case kErrNoMemory:
      return Error(Errc::Busy, what +
                                   ": the modem or card has no free logical channel or client; "
                                   "close other SIM tools (lpac, ModemManager plugins) or "
                                   "restart the modem, then try again");
    case kErrDeviceNotReady:
    case kErrUimUninitialized:
      return Error(Errc::Busy, what + ": the SIM is not ready yet; try again in a few seconds");
    case kErrInvalidQmiCommand:
    case kErrNotSupported:
      return Error(Errc::NotSupported,
                   what +
                       ": this modem firmware does not offer the message; use the modem's "
                       "MBIM or AT port instead if it has one");
    case kErrSimFileNotFound:
    case kErrNoEntry:
      return Error(Errc::NotSupported, what + ": the card has no application with this AID");
    case kErrNoSim:
    case kErrInvalidClientId:
      return Error(Errc::CardRemoved, what +
                                          ": no SIM in this slot (check the configured slot "
                                          "number), or the SIM or the modem's session went away");
    case kErrMalformedMessage:
    case kErrMissingArgument:
    case kErrInvalidArgument:
    case kErrArgumentTooLong:
      return Error(Errc::Internal,
                   what +
                       ": the modem did not understand euiccd's request; please report "
                       "this with the modem model and firmware revision");
    default:
      if (card_sw == 0x6A82) {
        return Error(Errc::NotSupported, what + ": the card has no application with this AID");
      }
      return Error(Errc::CardError, what);
  }
}

}  // namespace euiccd::modem::qmi
