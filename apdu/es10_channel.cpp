#include "apdu/es10_channel.h"

#include <algorithm>
#include <string>

#include "apdu/status_words.h"
#include "base/error.h"

namespace euiccd::apdu {
namespace {

constexpr uint8_t kClaStoreData = 0x80;
constexpr uint8_t kInsStoreData = 0xE2;
constexpr uint8_t kP1MoreBlocks = 0x11;
constexpr uint8_t kP1LastBlock = 0x91;
constexpr size_t kMaxBlocks = 256;  // P2 is one byte

// "ES10 command BF2E" for messages: the TLV tag of the command, as far as it is there.
std::string command_name(ByteView command) {
  if (command.empty()) return "empty ES10 command";
  size_t tag_len = 1;
  if ((command[0] & 0x1F) == 0x1F) {
    while (tag_len < command.size() && tag_len < 4 && (command[tag_len] & 0x80) != 0) ++tag_len;
    if (tag_len < command.size()) ++tag_len;
  }
  return "ES10 command " + to_hex(command.first(tag_len));
}

bool refuses_segment(uint16_t status) {
  return status == sw::kWrongLength || status == sw::kSegmentTooLarge;
}

}  // namespace

Es10Channel::Es10Channel(LogicalChannel& channel, size_t segment_size)
    : channel_(channel), segment_size_(segment_size) {
  if (segment_size < 1 || segment_size > 255) {
    throw Error(Errc::InvalidArgument,
                "STORE DATA segment size " + std::to_string(segment_size) + " is outside 1..255");
  }
}

Es10Channel::Outcome Es10Channel::send_blocks(ByteView command, Bytes& response,
                                              uint16_t& refused_sw) {
  const size_t blocks = command.empty() ? 1 : (command.size() + segment_size_ - 1) / segment_size_;
  if (blocks > kMaxBlocks) {
    throw Error(Errc::InvalidArgument, command_name(command) + " of " +
                                           std::to_string(command.size()) +
                                           " bytes needs more than 256 STORE DATA blocks of " +
                                           std::to_string(segment_size_) + " bytes");
  }
  for (size_t block = 0; block < blocks; ++block) {
    const bool last = block + 1 == blocks;
    const size_t offset = block * segment_size_;
    const size_t length = std::min(segment_size_, command.size() - offset);
    Command store{kClaStoreData,
                  kInsStoreData,
                  last ? kP1LastBlock : kP1MoreBlocks,
                  static_cast<uint8_t>(block),
                  Bytes(command.begin() + static_cast<std::ptrdiff_t>(offset),
                        command.begin() + static_cast<std::ptrdiff_t>(offset + length)),
                  std::nullopt};
    Response r;
    try {
      r = channel_.transmit(store);
    } catch (const CardResetError& e) {
      if (block == 0) return Outcome::ResetBeforeSending;
      throw Error(Errc::CardRemoved, "the card was reset in the middle of " +
                                         command_name(command) + " (after block " +
                                         std::to_string(block) + "): " + e.what());
    }
    const std::string where = "STORE DATA block " + std::to_string(block) + " of " +
                              std::to_string(blocks) + " (" + command_name(command) + ")";
    if (refuses_segment(r.sw)) {
      refused_sw = r.sw;
      return Outcome::SegmentRefused;
    }
    if (!r.ok()) throw_for_status(r.sw, where);
    if (!last && !r.data.empty()) {
      throw Error(Errc::Malformed, "the card answered " + where + " with " +
                                       std::to_string(r.data.size()) +
                                       " bytes of data; only the last block gets a response");
    }
    if (last) response = std::move(r.data);
  }
  return Outcome::Done;
}

Bytes Es10Channel::transceive(ByteView command) {
  bool retried_after_reset = false;
  for (;;) {
    Bytes response;
    uint16_t refused_sw = 0;
    switch (send_blocks(command, response, refused_sw)) {
      case Outcome::Done: return response;
      case Outcome::ResetBeforeSending:
        // Nothing of this command reached the card; the channel re-opens on the next use.
        if (retried_after_reset) {
          throw Error(Errc::CardRemoved,
                      "the card was reset twice while sending " + command_name(command));
        }
        retried_after_reset = true;
        break;
      case Outcome::SegmentRefused: {
        size_t smaller = 0;
        for (size_t size : kFallbackSegmentSizes) {
          if (size < segment_size_) {
            smaller = size;
            break;
          }
        }
        if (smaller == 0) {
          throw_for_status(refused_sw, command_name(command) + " with STORE DATA blocks of " +
                                           std::to_string(segment_size_) + " bytes");
        }
        segment_size_ = smaller;  // kept for the commands that follow
        break;
      }
    }
  }
}

}  // namespace euiccd::apdu
