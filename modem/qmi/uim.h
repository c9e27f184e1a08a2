// QMI UIM (service 0x0B) messages for the ISD-R channel: Open Logical Channel 0x0042, Send
// APDU 0x003B and Logical Channel 0x003F (close form), which Debian 12's libqmi 1.32 lacks, so
// euiccd encodes them itself and sends them through libqmi's generic message API
// (docs/modem-research.md 1.2); Power Off SIM 0x0030 / Power On SIM 0x0031, which restart the
// SIM after a profile switch (issue 13); plus Get Card Status 0x002F and Get Slot Status 0x0047
// as far as the emulated modem answers qmicli. Requests and responses both ways: the link encodes
// requests and decodes responses, the emulated modem the other way round.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "modem/apdu_limits.h"
#include "modem/qmi/qmux.h"
#include "modem/qmi/result.h"

namespace euiccd::modem::qmi {

enum UimMessage : uint16_t {
  kUimGetCardStatus = 0x002F,
  kUimPowerOffSim = 0x0030,
  kUimPowerOnSim = 0x0031,
  kUimSendApdu = 0x003B,
  kUimLogicalChannel = 0x003F,
  kUimOpenLogicalChannel = 0x0042,
  kUimGetSlotStatus = 0x0047,
};

// AID and command APDU bounds: modem/apdu_limits.h. A response may be longer than 256 bytes +
// SW: a modem's UIM task fetches the 61xx pieces itself and answers with the whole response (as
// vmodem/qmi does), e.g. AuthenticateServer's ~1.4 KB; the TLV's u16 length is the bound.
constexpr size_t kMaxResponseApduBytes = 0xFFFF;

struct OpenLogicalChannelRequest {
  uint8_t slot = 1;  // logical slot, 1-based
  Bytes aid;
  std::optional<uint8_t> file_control_information;  // TLV 0x11
};
struct OpenLogicalChannelResponse {
  Result result;
  std::optional<uint8_t> channel;        // TLV 0x10, on success
  std::optional<uint16_t> card_sw;       // TLV 0x11 SW1 SW2, also on failure
  std::optional<Bytes> select_response;  // TLV 0x12
};

struct SendApduRequest {
  uint8_t slot = 1;
  Bytes apdu;                      // TLV 0x02, u16 length
  std::optional<uint8_t> channel;  // TLV 0x10; absent for the basic channel
};
struct SendApduResponse {
  Result result;
  std::optional<Bytes> apdu_response;  // TLV 0x10, u16 length; data + SW1 SW2
};

struct CloseLogicalChannelRequest {
  uint8_t slot = 1;
  uint8_t channel = 0;                        // TLV 0x11
  std::optional<bool> terminate_application;  // TLV 0x13
};
struct CloseLogicalChannelResponse {
  Result result;
  std::optional<uint16_t> card_sw;  // TLV 0x11
};

// Power Off SIM / Power On SIM (libqmi 1.32 has them typed, qmicli --uim-sim-power-off=N and
// --uim-sim-power-on=N; the same TLV here so that one codec serves link and emulated modem).
// The response is the Result TLV alone.
struct SimPowerRequest {
  uint8_t slot = 1;  // TLV 0x01, logical slot (1-based)
};

// What Get Card Status reports (minimal: one card, its applications).
struct CardStatus {
  struct Application {
    uint8_t type = 2;   // 1 SIM, 2 USIM, 3 RUIM, 4 CSIM, 5 ISIM
    uint8_t state = 7;  // 7 ready
    Bytes aid;
  };
  bool present = true;
  std::vector<Application> applications;
};

// What Get Slot Status reports for one physical slot.
struct SlotStatus {
  bool card_present = true;
  bool active = true;
  uint8_t logical_slot = 1;
  Bytes iccid;  // BCD with swapped nibbles, as on the card (EF ICCID); may be empty
  Bytes atr;
  bool is_euicc = true;
  Bytes eid;  // 16 bytes BCD, empty when unknown
};

// Requests (the link).
std::vector<Tlv> encode(const OpenLogicalChannelRequest& request);
std::vector<Tlv> encode(const SendApduRequest& request);
std::vector<Tlv> encode(const CloseLogicalChannelRequest& request);
std::vector<Tlv> encode(const SimPowerRequest& request);

// Responses (the link): strict bounds; throw Malformed.
OpenLogicalChannelResponse decode_open_logical_channel_response(const Sdu& response);
SendApduResponse decode_send_apdu_response(const Sdu& response);
CloseLogicalChannelResponse decode_close_logical_channel_response(const Sdu& response);

// Requests (the emulated modem): throw Malformed, or InvalidArgument for a request that is
// well-formed but not one this code serves (e.g. the open-by-AID form of 0x003F).
OpenLogicalChannelRequest decode_open_logical_channel_request(const Sdu& request);
SendApduRequest decode_send_apdu_request(const Sdu& request);
CloseLogicalChannelRequest decode_close_logical_channel_request(const Sdu& request);
SimPowerRequest decode_sim_power_request(const Sdu& request);
// The slot TLV 0x01 shared by the UIM requests that have one (nullopt when absent).
std::optional<uint8_t> decode_slot(const Sdu& request);

// Responses (the emulated modem): the Result TLV first, then the message's own TLVs.
std::vector<Tlv> encode(const OpenLogicalChannelResponse& response);
std::vector<Tlv> encode(const SendApduResponse& response);
std::vector<Tlv> encode(const CloseLogicalChannelResponse& response);
std::vector<Tlv> encode(const CardStatus& status);
std::vector<Tlv> encode(const SlotStatus& status);

// Decimal digits ("8949...") to the card's BCD (nibbles swapped, F-padded); throws
// InvalidArgument on a non-digit.
Bytes iccid_to_bcd(const std::string& digits);

}  // namespace euiccd::modem::qmi
