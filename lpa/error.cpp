#include "lpa/error.h"

namespace euiccd {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::InvalidArgument: return "InvalidArgument";
    case Errc::Malformed: return "Malformed";
    case Errc::NoReader: return "NoReader";
    case Errc::CardRemoved: return "CardRemoved";
    case Errc::CardError: return "CardError";
    case Errc::NotSupported: return "NotSupported";
    case Errc::Timeout: return "Timeout";
    case Errc::NotFound: return "NotFound";
    case Errc::WrongState: return "WrongState";
    case Errc::NotAllowed: return "NotAllowed";
    case Errc::Busy: return "Busy";
    case Errc::NoMemory: return "NoMemory";
    case Errc::ServerError: return "ServerError";
    case Errc::Network: return "Network";
    case Errc::Tls: return "Tls";
    case Errc::Cancelled: return "Cancelled";
    case Errc::Internal: return "Internal";
    case Errc::NoModem: return "NoModem";
    case Errc::Rejected: return "Rejected";
  }
  return "Internal";
}

}  // namespace euiccd
