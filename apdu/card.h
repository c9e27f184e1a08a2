// The raw card contract: one command APDU in, response data + SW1 SW2 out. Implemented by the
// PC/SC reader (apdu/pcsc_reader.h) and by test fakes. Logical channels, GET RESPONSE and
// STORE DATA framing live above this (apdu/logical_channel.h, apdu/es10_channel.h).
#pragma once

#include <cstdint>
#include <string>

#include "apdu/layering.h"
#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::apdu {

// ISO 7816-3 transmission protocol negotiated with the card. It matters for case-4 commands:
// under T=0 the Le byte is dropped and the data comes back through 61xx + GET RESPONSE.
enum class Protocol { T0, T1 };

// Thrown by Card::transmit when the card was reset (by another program, or the reader) before
// the command reached it. The Card has already reconnected without powering the card down, but
// the reset closed every logical channel, so whoever holds one must open and select again.
// It is an Errc::CardRemoved error for everyone who does not care about the difference.
class CardResetError : public Error {
 public:
  explicit CardResetError(const std::string& message) : Error(Errc::CardRemoved, message) {}
};

class Card {
 public:
  virtual ~Card() = default;

  // Sends one command APDU and returns the response data followed by SW1 SW2 (at least 2
  // bytes). Throws Error(CardRemoved / NoReader / ...) or CardResetError.
  virtual Bytes transmit(ByteView command_apdu) = 0;

  virtual Protocol protocol() const = 0;

  // Re-attaches after a reset or re-insertion, WITHOUT powering the card down (a power cycle
  // would undo a profile switch in progress and costs seconds on some readers).
  virtual void reconnect() = 0;

  // Counts resets and reconnects seen so far. A logical channel opened at an older count no
  // longer exists on the card. Cards that cannot tell keep the default.
  virtual uint64_t reset_count() const { return 0; }
};

}  // namespace euiccd::apdu
