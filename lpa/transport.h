// The engine's whole view of the outside world. lpa/ includes no PC/SC, curl or sd-bus header:
// the daemon plugs real implementations in (apdu/Es10Channel over PC/SC), tests plug in theirs.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace euiccd::lpa {

// The eUICC's ISD-R, as the engine sees it: send one ES10 command (a complete DER TLV such as
// BF2E00), get its complete response TLV (empty for commands the card answers with no data,
// e.g. the intermediate pieces of LoadBoundProfilePackage). STORE DATA framing, logical
// channels and status words belong to the transport. Throws euiccd::Error.
class Es10Transport {
 public:
  virtual ~Es10Transport() = default;
  virtual Bytes transceive(ByteView command) = 0;

  // How many times the card was reset (by the reader, or another program on it) since this
  // transport was made. A reset ends the card's RSP session, so the engine compares counts to
  // tell "the card lost the session" from "the card refused". Transports that cannot tell
  // keep the default.
  virtual uint64_t reset_count() const { return 0; }
};

}  // namespace euiccd::lpa
