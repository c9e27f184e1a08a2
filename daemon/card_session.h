// Everything that talks to one eUICC, owned by that card's worker thread: the backend's
// connection (daemon/card_backend.h), the logical channel to the ISD-R on its link, the STORE
// DATA framing and the typed ES10 client on top. Nothing here knows the carrier.
#pragma once

#include <memory>

#include "daemon/card_backend.h"
#include "daemon/engine_settings.h"
#include "lpa/es10_client.h"
#include "lpa/transport.h"

namespace euiccd::apdu {
class LogicalChannel;
class Es10Channel;
}  // namespace euiccd::apdu

namespace euiccd::daemon {

class CardSession {
 public:
  // Opens the ISD-R channel on `connection`'s link. Throws what the link throws: NotSupported
  // when the card is no eUICC (no ISD-R), CardRemoved / NoReader when it is gone, ...
  CardSession(std::unique_ptr<CardConnection> connection, const CardSettings& settings);
  ~CardSession();  // closes the channel (never throws), then the connection
  CardSession(const CardSession&) = delete;
  CardSession& operator=(const CardSession&) = delete;

  lpa::Es10Transport& transport();
  lpa::Es10Client& client() { return *client_; }
  // CardConnection::hold: other programs stay off the card while the result lives.
  std::unique_ptr<CardHold> hold() { return connection_->hold(); }
  // CardConnection::restart_sim: the modem re-reads its SIM (a profile switch).
  void restart_sim(SimRestart how) { connection_->restart_sim(how); }

 private:
  // Declaration order is teardown order reversed: the channel closes before the connection.
  std::unique_ptr<CardConnection> connection_;
  std::unique_ptr<apdu::LogicalChannel> channel_;
  std::unique_ptr<apdu::Es10Channel> es10_;
  std::unique_ptr<lpa::Es10Client> client_;
};

}  // namespace euiccd::daemon
