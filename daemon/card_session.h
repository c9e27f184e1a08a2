// Everything that talks to one eUICC, owned by that card's worker thread: its own PC/SC
// context (pcsc-lite contexts are per thread), the connected card, the logical channel to the
// ISD-R, the STORE DATA framing and the typed ES10 client on top.
#pragma once

#include <memory>
#include <string>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "apdu/pcsc_reader.h"
#include "daemon/engine_settings.h"
#include "lpa/es10_client.h"

namespace euiccd::daemon {

class CardSession {
 public:
  // Connects to the card in `reader` and opens the ISD-R channel. Throws NoReader when the
  // card is gone, NotSupported when it is no eUICC (no ISD-R), Busy when held exclusively.
  CardSession(const std::string& reader, const CardSettings& settings);
  ~CardSession();
  CardSession(const CardSession&) = delete;
  CardSession& operator=(const CardSession&) = delete;

  const std::string& reader() const { return reader_; }
  apdu::PcscCard& card() { return *card_; }
  apdu::Es10Channel& transport() { return *es10_; }
  lpa::Es10Client& client() { return *client_; }

 private:
  std::string reader_;
  std::unique_ptr<apdu::PcscContext> context_;
  std::unique_ptr<apdu::PcscCard> card_;
  std::unique_ptr<apdu::LogicalChannel> channel_;
  std::unique_ptr<apdu::Es10Channel> es10_;
  std::unique_ptr<lpa::Es10Client> client_;
};

}  // namespace euiccd::daemon
