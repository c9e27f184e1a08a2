// The information buffers of the MBIM commands euiccd and its emulated modem use, both ways
// (the link encodes requests and decodes responses, the emulated modem the other way round):
//  - MS UICC Low Level Access (docs/modem-research.md 4.1): Open Channel 2, Close Channel 3,
//    APDU 4, ATR 1, and Reset 6 (the SIM restart after a profile switch, issue 13). Their Status
//    u32 is the card's SW1 | SW2<<8 (9000 reads as 144) and their Response arrays carry no status
//    word. Byte arrays here are size first, then offset.
//  - Basic Connect Device Caps 1 and Subscriber Ready Status 2, MS Basic Connect Extensions
//    Device Slot Mappings 7 and Slot Info Status 8: what mbim-proxy and mbimcli ask a device.
// Offsets count from the start of the information buffer; data is padded to 4 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "modem/apdu_limits.h"
#include "modem/mbim/message.h"

namespace euiccd::modem::mbim {

enum BasicConnectCid : uint32_t { kCidDeviceCaps = 1, kCidSubscriberReadyStatus = 2 };
enum MsBasicConnectExtCid : uint32_t { kCidDeviceSlotMappings = 7, kCidSlotInfoStatus = 8 };
enum UiccLowLevelCid : uint32_t {
  kCidAtr = 1,
  kCidOpenChannel = 2,
  kCidCloseChannel = 3,
  kCidApdu = 4,
  kCidReset = 6,
};

// AID and command APDU bounds: modem/apdu_limits.h (Qualcomm's firmware takes AIDs up to 32).
// Real modems answer at most 256 bytes (Qualcomm QBI); more is accepted when it fits.
constexpr size_t kMaxResponseBytes = 4096;
constexpr uint32_t kMaxChannel = 19;

// The LLA Status field <-> the card's status word.
uint16_t sw_of_status(uint32_t status);
uint32_t status_of_sw(uint16_t sw);

struct OpenChannelRequest {
  Bytes app_id;
  uint32_t select_p2 = 0;  // P2 of the SELECT the modem sends (0: return FCI)
  uint32_t channel_group = 1;
};
struct OpenChannelResponse {
  uint32_t status = 0;  // SW1 | SW2<<8 of the SELECT
  uint32_t channel = 0;
  Bytes response;  // the SELECT answer's data
};
struct CloseChannelRequest {
  uint32_t channel = 0;
  uint32_t channel_group = 1;
};
struct CloseChannelResponse {
  uint32_t status = 0;
};
struct ApduRequest {
  uint32_t channel = 0;
  uint32_t secure_messaging = 0;  // none
  uint32_t class_byte_type = 0;   // 0 inter-industry, 1 extended
  Bytes command;
};
struct ApduResponse {
  uint32_t status = 0;
  Bytes response;  // data only; the status word is in `status`
};

Bytes encode(const OpenChannelRequest& r);
Bytes encode(const OpenChannelResponse& r);
Bytes encode(const CloseChannelRequest& r);
Bytes encode(const CloseChannelResponse& r);
Bytes encode(const ApduRequest& r);
Bytes encode(const ApduResponse& r);
OpenChannelRequest decode_open_channel_request(ByteView info);
OpenChannelResponse decode_open_channel_response(ByteView info);
CloseChannelRequest decode_close_channel_request(ByteView info);
CloseChannelResponse decode_close_channel_response(ByteView info);
ApduRequest decode_apdu_request(ByteView info);
ApduResponse decode_apdu_response(ByteView info);
Bytes encode_atr_response(const Bytes& atr);

// UICC Reset (MBIM_CID_MS_UICC_RESET): set with the pass-through action, answered (set and
// query) with the pass-through status, both one u32. Action 0 (disable pass-through) resets
// the card and has the modem treat it as a telecom UICC again, reading its new profile; 1
// would leave the card to the host alone, and the modem would not attach.
enum PassThrough : uint32_t { kPassThroughDisabled = 0, kPassThroughEnabled = 1 };
struct ResetRequest {
  uint32_t pass_through_action = kPassThroughDisabled;
};
struct ResetResponse {
  uint32_t pass_through_status = kPassThroughDisabled;
};
Bytes encode(const ResetRequest& r);
Bytes encode(const ResetResponse& r);
ResetRequest decode_reset_request(ByteView info);
ResetResponse decode_reset_response(ByteView info);

struct DeviceCaps {
  uint32_t device_type = 1;     // embedded
  uint32_t cellular_class = 1;  // GSM family
  uint32_t voice_class = 1;     // no voice
  uint32_t sim_class = 2;       // removable
  uint32_t data_class = 0x3F;
  uint32_t sms_caps = 3;
  uint32_t control_caps = 1;
  uint32_t max_sessions = 8;
  std::string custom_data_class, device_id, firmware_info, hardware_info;
};
Bytes encode(const DeviceCaps& caps);

struct SubscriberReadyStatus {
  uint32_t ready_state = 1;  // initialized
  std::string subscriber_id;
  std::string sim_iccid;
  uint32_t ready_info = 0;
};
Bytes encode(const SubscriberReadyStatus& status);

// Slot states (mbim-enums.h MbimUiccSlotState).
enum SlotState : uint32_t {
  kSlotUnknown = 0,
  kSlotOffEmpty = 1,
  kSlotOff = 2,
  kSlotEmpty = 3,
  kSlotNotReady = 4,
  kSlotActive = 5,
  kSlotError = 6,
  kSlotActiveEsim = 7,
  kSlotActiveEsimNoProfiles = 8,
};
struct SlotInfo {
  uint32_t slot_index = 0;  // 0-based
  uint32_t state = kSlotUnknown;
};
Bytes encode_slot_info_request(uint32_t slot_index);
uint32_t decode_slot_info_request(ByteView info);
Bytes encode(const SlotInfo& info);
SlotInfo decode_slot_info(ByteView info);

// Device Slot Mappings: executor i uses slot `slots[i]` (0-based), set or answered.
Bytes encode_slot_mappings(const std::vector<uint32_t>& slots);
std::vector<uint32_t> decode_slot_mappings(ByteView info);

// UTF-16LE strings as MBIM carries them (ASCII here).
Bytes utf16(const std::string& s);

}  // namespace euiccd::modem::mbim
