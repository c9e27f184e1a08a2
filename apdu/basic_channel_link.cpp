#include "apdu/basic_channel_link.h"

#include <string>

#include "apdu/status_words.h"
#include "base/error.h"

namespace euiccd::apdu {
namespace {

constexpr uint8_t kInsManageChannel = 0x70;
constexpr uint8_t kInsSelect = 0xA4;

}  // namespace

BasicChannelLink::BasicChannelLink(Card& card, TransportStats* stats)
    : card_(card), stats_(stats ? *stats : own_stats_) {}

Response BasicChannelLink::exchange(const Command& command, uint8_t channel) {
  return run_command([this](ByteView apdu) { return card_.transmit(apdu); }, card_.protocol(),
                     command, channel, stats_);
}

void BasicChannelLink::close_channel(uint8_t number) {
  Command manage{0x00, kInsManageChannel, 0x80, number, {}, 0x00};
  Response r = exchange(manage, 0);
  if (!r.ok()) throw_for_status(r.sw, "closing logical channel " + std::to_string(number));
}

OpenedChannel BasicChannelLink::open(const std::vector<Bytes>& aids) {
  open_ = false;
  const uint64_t reset_count = card_.reset_count();

  Command manage{0x00, kInsManageChannel, 0x00, 0x00, {}, 0x01};
  Response opened = exchange(manage, 0);
  if (!opened.ok()) throw_for_status(opened.sw, "opening a logical channel (MANAGE CHANNEL)");
  if (opened.data.size() != 1 || opened.data[0] == 0 || opened.data[0] > kMaxLogicalChannel) {
    throw Error(Errc::Malformed, "MANAGE CHANNEL answered " + to_hex(opened.data) +
                                     " instead of one channel number between 1 and 19");
  }
  const uint8_t number = opened.data[0];
  std::string tried;
  for (const auto& aid : aids) {
    Command select{0x00, kInsSelect, 0x04, 0x00, aid, std::nullopt};
    Response r = exchange(select, number);
    if (r.ok()) {
      open_ = true;
      number_ = number;
      opened_at_reset_count_ = reset_count;
      return OpenedChannel{number, aid, std::move(r.data)};
    }
    if (r.sw != sw::kFileNotFound) {
      const std::string context =
          "selecting the ISD-R " + to_hex(aid) + " on logical channel " + std::to_string(number);
      try {
        close_channel(number);
      } catch (const Error&) {
        // The SELECT failure is the error worth reporting.
      }
      throw_for_status(r.sw, context);
    }
    tried += (tried.empty() ? "" : ", ") + to_hex(aid);
  }
  try {
    close_channel(number);
  } catch (const Error&) {
  }
  throw Error(Errc::NotSupported,
              "this card is not an eUICC, or its ISD-R has an unknown AID: "
              "it answered 6A82 (not found) to SELECT of " +
                  tried + " (add the card's ISD-R AID to the configuration)");
}

void BasicChannelLink::close() noexcept {
  if (!open_) return;
  open_ = false;
  if (card_.reset_count() != opened_at_reset_count_) return;  // the reset closed it
  try {
    close_channel(number_);
  } catch (...) {
    // The card is gone or refused: the channel is of no use to anyone either way, and a
    // reset or removal closes it on the card.
  }
}

void BasicChannelLink::reattach() {
  open_ = false;
  card_.reconnect();
}

}  // namespace euiccd::apdu
