// The ISO 7816 side of the virtual eUICC: ATR, logical channels, SELECT, GET RESPONSE, STORE
// DATA assembly, T=0/T=1 response rules. Takes C-APDU bytes, returns R-APDU bytes; no sockets
// here, so unit tests drive it directly.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "veuicc/es10.h"

namespace euiccd::veuicc {

// What the ATR offers, and the response rules. vpcd tells the card nothing of the protocol
// pcscd chose and has no TPDU layer, so with both offered the card answers by T=1's rules
// (data inline), which T=0 clients over vpcd take as well; T0 alone keeps T=0's strict rules
// (61xx + GET RESPONSE, 6Cxx).
enum class Protocol { T0, T1, T0AndT1 };

struct CardConfig {
  Bytes isdr_aid = from_hex("A0000005591010FFFFFFFF8900000100");
  Protocol protocol = Protocol::T0AndT1;  // like real eUICCs (and lpac's default, T=0)
  size_t max_block = 0;            // STORE DATA blocks above this many bytes → 6700 (0: no limit)
  bool proactive_refresh = false;  // refreshFlag true → SW 91xx + a REFRESH for FETCH
  Bytes eid;                       // 16 bytes
  CardInfo info;
};

class Card {
 public:
  static constexpr int kChannels = 20;  // basic channel 0 + 1..19

  Card(CardConfig config, StateStore& store, const Credentials& credentials);

  Bytes atr() const;
  // Power off, power on and reset all close the logical channels and forget selections,
  // partial STORE DATA commands, pending response data and the session (challenge).
  void reset();
  Bytes transmit(ByteView command);
  // True once after an Enable or Disable that asked for a REFRESH (refreshFlag true). A modem,
  // being the terminal, then restarts the UICC session itself after passing the answer on:
  // the emulated modems (vmodem/) take this and reset the card, which closes every channel.
  bool take_refresh_request() { return std::exchange(refresh_requested_, false); }

  Es10Behaviour& behaviour() { return behaviour_; }
  const CardConfig& config() const { return config_; }

 private:
  struct Apdu;
  struct Channel {
    bool open = false;
    bool isdr_selected = false;
    Bytes pending;  // response data not yet fetched with GET RESPONSE
    uint16_t pending_sw = 0x9000;
    Bytes store_data;    // blocks of the ES10 command being assembled
    int next_block = 0;  // expected P2; 0 = no command in progress
  };

  Bytes process(const Apdu& apdu, int channel);
  Bytes manage_channel(const Apdu& apdu, int channel);
  Bytes select(const Apdu& apdu, Channel& ch);
  Bytes get_response(const Apdu& apdu, Channel& ch);
  Bytes store_data(const Apdu& apdu, Channel& ch);
  Bytes fetch(const Apdu& apdu, Channel& ch);
  Bytes run_es10(Channel& ch, const Apdu& apdu);
  // Sends `data` + `sw` the way the protocol allows: inline, or by 61xx/GET RESPONSE.
  Bytes respond(Channel& ch, const Apdu& apdu, Bytes data, uint16_t sw = 0x9000);

  CardConfig config_;
  StateStore& store_;
  const Credentials& credentials_;
  Es10Behaviour behaviour_;
  Session session_;
  std::array<Channel, kChannels> channels_;
  Bytes proactive_command_;  // REFRESH waiting for FETCH
  bool refresh_requested_ = false;
};

// R-APDU helpers.
Bytes sw_only(uint16_t sw);

}  // namespace euiccd::veuicc
