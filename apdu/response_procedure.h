// The ISO 7816-4 response procedures for one command, over whatever carries raw APDUs: 6Cxx
// (resend once with the card's Le), 61xx (GET RESPONSE until the data is complete, bounded),
// T=0 case 4 (no Le on the wire). Shared by the logical channel (apdu/logical_channel.h) and
// by the basic-channel link that opens it (apdu/basic_channel_link.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "apdu/card.h"
#include "apdu/command.h"
#include "apdu/status_words.h"
#include "apdu/transport_stats.h"
#include "base/bytes.h"

namespace euiccd::apdu {

struct Response {
  Bytes data;
  uint16_t sw = 0;
  bool ok() const { return is_success(sw); }
};

// Upper bound on one response assembled from GET RESPONSE pieces; the largest ES10 response
// (a full ProfileInfoList, EUICCInfo2) is a few KiB.
inline constexpr size_t kMaxResponseSize = 64 * 1024;
inline constexpr int kMaxGetResponses = 300;

// One command APDU in (its CLA already carries the channel), the raw response out: data
// followed by SW1 SW2.
using SendApdu = std::function<Bytes(ByteView command_apdu)>;

// Sends `command` on `channel` through `send` and returns the complete response (GET RESPONSE
// pieces concatenated, final SW; a 91xx stays in the SW for the caller to note). Every APDU is
// counted in `stats`. Status words are returned, not thrown. A CardResetError from the first
// APDU passes through (the command did not reach the card); one from a later APDU becomes
// Error(CardRemoved), since the command ran and its answer is lost. Malformed for a response
// shorter than a status word or a GET RESPONSE chain past the bounds above.
Response run_command(const SendApdu& send, Protocol protocol, const Command& command,
                     uint8_t channel, TransportStats& stats);

}  // namespace euiccd::apdu
