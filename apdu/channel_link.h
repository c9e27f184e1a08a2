// How command APDUs reach one logical channel to the eUICC's ISD-R, whoever opens that channel.
// This is the seam between euiccd's card logic and what carries it:
//  - a card reader (PC/SC), or a modem that passes any APDU through (AT+CSIM): the LPA opens
//    the channel itself with MANAGE CHANNEL and SELECT on the basic channel;
//  - a modem that keeps channel management to itself: QMI UIM Open Logical Channel / Send APDU /
//    Logical Channel (close), MBIM MS UICC Low Level Access Open Channel / APDU / Close Channel,
//    AT+CCHO / +CGLA / +CCHC. The modem opens the channel with the AID and relays APDUs on it.
// What every carrier shares lives above a link, written once: the ISO 7816 response procedures
// (61xx GET RESPONSE, 6Cxx, T=0 case 4), the reset bookkeeping (apdu/logical_channel.h), and
// STORE DATA framing with the segment-size fallback (apdu/es10_channel.h).
//
// A link is used by one thread at a time (the card's worker). It has no GLib, PC/SC or sd-bus
// type in its interface: modem links may run a GMainContext of their own inside.
#pragma once

#include <cstdint>
#include <vector>

#include "apdu/card.h"
#include "base/bytes.h"

namespace euiccd::apdu {

struct OpenedChannel {
  uint8_t number = 0;     // 1..19; every command on the channel carries it in CLA
  Bytes aid;              // the AID that was selected
  Bytes select_response;  // the SELECT answer's data (FCI); empty when the carrier hides it
};

class ChannelLink {
 public:
  virtual ~ChannelLink() = default;

  // Opens a logical channel and selects the first of `aids` (in order) that the card has.
  // Throws euiccd::Error: NotSupported when the card has none of them (the message lists what
  // was tried and says to configure the card's ISD-R AID), Busy when no channel is free,
  // NotAllowed when the carrier refuses access to the AID (e.g. QMI AccessDenied: the message
  // says what the user can try), CardRemoved / NoReader when the card or modem is gone,
  // Timeout when the carrier stays silent past its bound, Malformed for an answer that is not
  // what its protocol says.
  virtual OpenedChannel open(const std::vector<Bytes>& aids) = 0;

  // Sends one command APDU on the open channel (its CLA already carries the channel number)
  // and returns the response data followed by SW1 SW2 exactly as the card gave them: 61xx
  // and 6Cxx come back to the caller, which sends GET RESPONSE or the resend on this link.
  // Throws CardResetError when the card or modem was reset (or the carrier lost the channel)
  // before the command reached the card; other failures as for open().
  virtual Bytes transmit(ByteView command_apdu) = 0;

  // Closes the channel. Never resets or powers down the card, never throws; does nothing when
  // no channel is open (or when a reset already closed it on the card).
  virtual void close() noexcept = 0;

  // The card answered 6881 on our channel: it no longer knows it, so it was reset without the
  // carrier saying so. Re-attach without powering the card down (PC/SC: reconnect; a modem:
  // forget the channel) and count it in reset_count().
  virtual void reattach() = 0;

  // ISO 7816-3 protocol as far as case-4 commands are concerned: under T0 the Le byte is left
  // out and the data comes back through 61xx. Modems relay commands whole: T1.
  virtual Protocol protocol() const = 0;

  // Resets seen so far: the reader's or another program's card reset, a modem restart, a lost
  // proxy, a SIM refresh that closed the channels. A channel opened at an older count no
  // longer exists on the card, and the engine's download restart rules count these as card
  // resets (lpa::Es10Transport::reset_count).
  virtual uint64_t reset_count() const = 0;
};

}  // namespace euiccd::apdu
