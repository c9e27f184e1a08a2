// Opening a logical channel to an AID with MANAGE CHANNEL + SELECT sent on the basic channel,
// for carriers that pass any APDU through (AT+CSIM). A minimal version written for the AT
// fallback; the seam's shared basic-channel link (branch m-seam) does the same for PC/SC, and
// one of the two should go when both are merged.
#pragma once

#include <functional>
#include <vector>

#include "apdu/channel_link.h"
#include "lpa/bytes.h"

namespace euiccd::modem::at {

// Sends one command APDU, returns response data + SW1 SW2.
using ApduSender = std::function<Bytes(ByteView)>;

// MANAGE CHANNEL open, then SELECT (by DF name, first occurrence) of each of `aids` in order
// on the new channel until one answers 9000 (61xx is fetched with GET RESPONSE). 6A82 moves to
// the next AID; any other status closes the channel and throws as apdu::throw_for_status. No
// AID found: closes the channel, throws NotSupported listing what was tried.
apdu::OpenedChannel open_on_basic_channel(const ApduSender& send, const std::vector<Bytes>& aids);

// MANAGE CHANNEL close of `channel`. Throws as apdu::throw_for_status.
void close_on_basic_channel(const ApduSender& send, uint8_t channel);

}  // namespace euiccd::modem::at
