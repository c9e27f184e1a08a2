// A logical channel to the eUICC's ISD-R on an apdu::ChannelLink (whoever opens the channel: the
// LPA with MANAGE CHANNEL + SELECT, or a modem), the channel's CLA on every command, the ISO 7816
// response procedures (61xx GET RESPONSE, 6Cxx resend, T=0 case 4), the 91xx note, and the
// reset bookkeeping: a channel opened before the link's last reset is opened again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "apdu/basic_channel_link.h"
#include "apdu/card.h"
#include "apdu/channel_link.h"
#include "apdu/command.h"
#include "apdu/response_procedure.h"
#include "apdu/status_words.h"
#include "apdu/transport_stats.h"
#include "base/bytes.h"

namespace euiccd::apdu {

// The GSMA ISD-R (SGP.02 Annex H, SGP.22).
Bytes gsma_isd_r_aid();

// The GSMA ISD-R first, then the non-standard AIDs of removable eSIM products seen in the
// field: eSIM.me v2 (A0000005591010000000008900000300) and 5ber
// (A0000005591010FFFFFFFF8900050500).
std::vector<Bytes> default_isd_r_aids();

class LogicalChannel {
 public:
  static constexpr size_t kMaxResponseSize = apdu::kMaxResponseSize;
  static constexpr int kMaxGetResponses = apdu::kMaxGetResponses;

  // `aids` go to ChannelLink::open, which selects the first one the card has. The link must
  // outlive the channel. stats() counts what this object sends (not what a link sends on its
  // own to open or close the channel).
  explicit LogicalChannel(ChannelLink& link, std::vector<Bytes> aids = default_isd_r_aids());
  // Over a card that takes every APDU on its basic channel (a PC/SC reader, a test card): a
  // BasicChannelLink of its own, whose MANAGE CHANNEL and SELECT count in stats() too. The Card
  // must outlive the channel.
  explicit LogicalChannel(Card& card, std::vector<Bytes> aids = default_isd_r_aids());
  ~LogicalChannel();  // closes the channel, never throws
  LogicalChannel(const LogicalChannel&) = delete;
  LogicalChannel& operator=(const LogicalChannel&) = delete;

  // ChannelLink::open: a channel with the first AID the card knows. Does nothing when already
  // open (and not reset since). Throws what the link throws: NotSupported when the card has
  // none of the AIDs, Busy or NotSupported when no channel is free, ...
  void open();
  // ChannelLink::close. Never resets or powers down the card, never throws. No-op when not
  // open or when a reset closed the channel already.
  void close();
  bool is_open() const { return open_; }

  // Sends `command` on this channel (opening and selecting first when needed, e.g. after a
  // card reset) and returns the complete response: GET RESPONSE pieces concatenated, final SW.
  // Status words are returned, not thrown; only transport failures and malformed responses
  // throw. A CardResetError means the command did not reach the card (the next call re-opens);
  // so does 6881 on our channel, after which the link re-attaches (ChannelLink::reattach).
  Response transmit(const Command& command);

  uint8_t number() const { return number_; }
  const Bytes& selected_aid() const { return selected_aid_; }
  const Bytes& fci() const { return fci_; }  // the SELECT response (FCI template 6F), may be empty

  // SW2 of the last 91xx answer: the card has a proactive command of that length waiting.
  std::optional<uint8_t> proactive_pending() const { return proactive_pending_; }
  void clear_proactive_pending() { proactive_pending_.reset(); }

  const TransportStats& stats() const { return stats_; }
  ChannelLink& link() { return link_; }
  // The link's: resets seen so far (lpa::Es10Transport::reset_count).
  uint64_t reset_count() const { return link_.reset_count(); }

 private:
  bool still_valid() const;

  TransportStats stats_;  // before own_link_, which may count into it
  std::unique_ptr<BasicChannelLink> own_link_;
  ChannelLink& link_;
  std::vector<Bytes> aids_;
  bool open_ = false;
  uint8_t number_ = 0;
  uint64_t opened_at_reset_count_ = 0;
  Bytes selected_aid_;
  Bytes fci_;
  std::optional<uint8_t> proactive_pending_;
};

}  // namespace euiccd::apdu
