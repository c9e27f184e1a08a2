// apdu::Card over an apdu::ChannelLink, for tests, until LogicalChannel takes a ChannelLink
// itself (the seam, branch m-seam). It answers MANAGE CHANNEL and SELECT from link.open() and
// link.close() and passes every other APDU to link.transmit(), so tests run the real
// LogicalChannel and Es10Channel code over a modem link unchanged. Header-only.
#pragma once

#include "apdu/card.h"
#include "apdu/channel_link.h"
#include "apdu/logical_channel.h"

namespace euiccd::testing {

class LinkCard : public apdu::Card {
 public:
  explicit LinkCard(apdu::ChannelLink& link) : link_(link) {}

  Bytes transmit(ByteView apdu) override {
    const bool basic = apdu.size() >= 4 && (apdu[0] & 0x43) == 0;
    if (basic && apdu[1] == 0x70 && apdu[2] == 0x00) {  // MANAGE CHANNEL open
      opened_ = link_.open(apdu::default_isd_r_aids());
      return {opened_.number, 0x90, 0x00};
    }
    if (basic && apdu[1] == 0x70 && apdu[2] == 0x80) {  // MANAGE CHANNEL close
      link_.close();
      return {0x90, 0x00};
    }
    if (apdu.size() >= 5 && apdu[1] == 0xA4 && apdu[2] == 0x04 && apdu.size() >= 5u + apdu[4]) {
      const Bytes aid(apdu.begin() + 5, apdu.begin() + 5 + apdu[4]);
      if (aid != opened_.aid) return {0x6A, 0x82};  // the link selected another one
      Bytes fci = opened_.select_response;
      append(fci, Bytes{0x90, 0x00});
      return fci;
    }
    return link_.transmit(apdu);
  }
  apdu::Protocol protocol() const override { return link_.protocol(); }
  void reconnect() override { link_.reattach(); }
  uint64_t reset_count() const override { return link_.reset_count(); }

 private:
  apdu::ChannelLink& link_;
  apdu::OpenedChannel opened_;
};

}  // namespace euiccd::testing
