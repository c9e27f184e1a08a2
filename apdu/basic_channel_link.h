// apdu::ChannelLink over a card that takes every APDU on its basic channel (a PC/SC reader, a
// modem that passes APDUs through with AT+CSIM, a test card): the LPA opens the logical channel
// itself with MANAGE CHANNEL and SELECT, and sends the channel's commands as they are.
#pragma once

#include <cstdint>
#include <vector>

#include "apdu/card.h"
#include "apdu/channel_link.h"
#include "apdu/command.h"
#include "apdu/response_procedure.h"
#include "apdu/transport_stats.h"
#include "base/bytes.h"

namespace euiccd::apdu {

class BasicChannelLink : public ChannelLink {
 public:
  // The Card must outlive the link. `stats` (optional; it must outlive the link) counts the
  // APDUs the link sends on its own: MANAGE CHANNEL, SELECT and their GET RESPONSEs.
  explicit BasicChannelLink(Card& card, TransportStats* stats = nullptr);

  // MANAGE CHANNEL open, then SELECT of each AID in turn while the card answers 6A82. The
  // channel is closed again when no AID is found (NotSupported, naming what was tried) or
  // SELECT fails otherwise (the status word's error). A channel opened before is forgotten,
  // not closed: whoever opens again learnt that it is gone.
  OpenedChannel open(const std::vector<Bytes>& aids) override;
  Bytes transmit(ByteView command_apdu) override { return card_.transmit(command_apdu); }
  // MANAGE CHANNEL close; nothing when the card was reset since open() (the channel is gone).
  void close() noexcept override;
  // Card::reconnect (PC/SC: SCardReconnect without power-down), which counts the reset.
  void reattach() override;
  Protocol protocol() const override { return card_.protocol(); }
  uint64_t reset_count() const override { return card_.reset_count(); }

  Card& card() { return card_; }

 private:
  Response exchange(const Command& command, uint8_t channel);
  void close_channel(uint8_t number);  // throws for a status other than 9000

  Card& card_;
  TransportStats own_stats_;
  TransportStats& stats_;
  bool open_ = false;
  uint8_t number_ = 0;
  uint64_t opened_at_reset_count_ = 0;
};

}  // namespace euiccd::apdu
