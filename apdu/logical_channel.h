// A logical channel to the eUICC's ISD-R: MANAGE CHANNEL + SELECT, the channel's CLA on every
// command, and the ISO 7816 response procedures (61xx GET RESPONSE, 6Cxx resend, T=0 case 4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "apdu/card.h"
#include "apdu/command.h"
#include "apdu/status_words.h"
#include "apdu/transport_stats.h"
#include "lpa/bytes.h"

namespace euiccd::apdu {

struct Response {
  Bytes data;
  uint16_t sw = 0;
  bool ok() const { return is_success(sw); }
};

// The GSMA ISD-R (SGP.02 Annex H, SGP.22).
Bytes gsma_isd_r_aid();

// The GSMA ISD-R first, then the non-standard AIDs of removable eSIM products seen in the
// field: eSIM.me v2 (A0000005591010000000008900000300) and 5ber
// (A0000005591010FFFFFFFF8900050500).
std::vector<Bytes> default_isd_r_aids();

class LogicalChannel {
 public:
  // Upper bound on one response assembled from GET RESPONSE pieces; the largest ES10 response
  // (a full ProfileInfoList, EUICCInfo2) is a few KiB.
  static constexpr size_t kMaxResponseSize = 64 * 1024;
  static constexpr int kMaxGetResponses = 300;

  // `aids` are tried in order on SELECT; a 6A82 answer moves to the next one. The Card must
  // outlive the channel.
  explicit LogicalChannel(Card& card, std::vector<Bytes> aids = default_isd_r_aids());
  ~LogicalChannel();  // closes the channel, never throws
  LogicalChannel(const LogicalChannel&) = delete;
  LogicalChannel& operator=(const LogicalChannel&) = delete;

  // MANAGE CHANNEL open on the basic channel, then SELECT of the first AID the card knows.
  // Does nothing when already open. Throws NotSupported when the card has none of the AIDs
  // or no free logical channel.
  void open();
  // MANAGE CHANNEL close. Never resets or powers down the card. No-op when not open.
  void close();
  bool is_open() const { return open_; }

  // Sends `command` on this channel (opening and selecting first when needed, e.g. after a
  // card reset) and returns the complete response: GET RESPONSE pieces concatenated, final SW.
  // Status words are returned, not thrown; only transport failures and malformed responses
  // throw. A CardResetError means the command did not reach the card (the next call re-opens).
  Response transmit(const Command& command);

  uint8_t number() const { return number_; }
  const Bytes& selected_aid() const { return selected_aid_; }
  const Bytes& fci() const { return fci_; }  // the SELECT response (FCI template 6F), may be empty

  // SW2 of the last 91xx answer: the card has a proactive command of that length waiting.
  std::optional<uint8_t> proactive_pending() const { return proactive_pending_; }
  void clear_proactive_pending() { proactive_pending_.reset(); }

  const TransportStats& stats() const { return stats_; }
  Card& card() { return card_; }
  const Card& card() const { return card_; }

 private:
  Response exchange(const Command& command, uint8_t channel);
  Response send_raw(const Bytes& apdu);
  bool still_valid() const;

  Card& card_;
  std::vector<Bytes> aids_;
  bool open_ = false;
  uint8_t number_ = 0;
  uint64_t opened_at_reset_count_ = 0;
  Bytes selected_aid_;
  Bytes fci_;
  std::optional<uint8_t> proactive_pending_;
  TransportStats stats_;
};

}  // namespace euiccd::apdu
