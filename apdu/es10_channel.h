// ES10a/b/c transport over a logical channel: one ES10 command TLV goes out as STORE DATA
// blocks (SGP.22 §5.7.2), its response TLV comes back after the last block.
#pragma once

#include <cstddef>

#include "apdu/logical_channel.h"
#include "apdu/transport_stats.h"
#include "lpa/transport.h"

namespace euiccd::apdu {

class Es10Channel : public lpa::Es10Transport {
 public:
  // The largest block a short APDU carries. Cards that refuse it (6700 or 6601) make the
  // channel step down through kFallbackSegmentSizes and remember what worked.
  static constexpr size_t kDefaultSegmentSize = 255;
  static constexpr size_t kFallbackSegmentSizes[] = {120, 64, 32, 16};

  // The LogicalChannel must outlive this object. `segment_size` is 1..255.
  explicit Es10Channel(LogicalChannel& channel, size_t segment_size = kDefaultSegmentSize);

  // STORE DATA `8N E2 P1 P2 Lc data`: P1 11 for blocks with more to follow, 91 for the last,
  // P2 the block number from 00, no Le. Intermediate blocks must answer 9000 without data.
  // Returns the response data of the last block (empty when the card returned none).
  Bytes transceive(ByteView command) override;
  uint64_t reset_count() const override { return channel_.reset_count(); }

  size_t segment_size() const { return segment_size_; }
  const TransportStats& stats() const { return channel_.stats(); }
  LogicalChannel& channel() { return channel_; }

 private:
  enum class Outcome { Done, SegmentRefused, ResetBeforeSending };
  Outcome send_blocks(ByteView command, Bytes& response, uint16_t& refused_sw);

  LogicalChannel& channel_;
  size_t segment_size_;
};

}  // namespace euiccd::apdu
