// One connection to the eUICC for one euicc-card run: pcscd context → reader → card (in a
// PC/SC transaction, so no other client interleaves) → logical channel to the ISD-R →
// STORE DATA framing → typed ES10 client.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "apdu/pcsc_reader.h"
#include "lpa/es10_client.h"
#include "tools/euicc_card_cli.h"

namespace euiccd::tools {

class CardSession {
 public:
  // Throws Error(NoReader) naming the readers seen when none matches or holds a card.
  explicit CardSession(const CommandLine& cmd);
  ~CardSession();  // closes the logical channel, ends the transaction; never throws
  CardSession(const CardSession&) = delete;
  CardSession& operator=(const CardSession&) = delete;

  lpa::Es10Client& es10() { return *client_; }
  lpa::Es10Transport& transport() { return *es10_channel_; }
  const apdu::TransportStats& stats() const { return es10_channel_->stats(); }
  const std::string& reader() const { return card_->reader(); }

 private:
  // Declaration order is teardown order reversed: the channel closes before the transaction
  // ends, the transaction ends before the card is released.
  apdu::PcscContext context_;
  std::unique_ptr<apdu::PcscCard> card_;
  std::optional<apdu::PcscTransaction> transaction_;
  std::unique_ptr<apdu::LogicalChannel> channel_;
  std::unique_ptr<apdu::Es10Channel> es10_channel_;
  std::unique_ptr<lpa::Es10Client> client_;
};

// The reader to use: `wanted` exactly, else the one reader whose name contains it; with
// `wanted` empty, the first reader holding a card. Waits up to `wait` for a card.
std::string choose_reader(apdu::PcscContext& context, const std::string& wanted,
                          std::chrono::seconds wait);

}  // namespace euiccd::tools
