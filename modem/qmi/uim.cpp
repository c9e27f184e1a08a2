#include "modem/qmi/uim.h"

#include <string>

namespace euiccd::modem::qmi {

namespace {

constexpr uint8_t kSlotTlv = 0x01;

Tlv u8_tlv(uint8_t type, uint8_t v) {
  return {type, Bytes{v}};
}

Tlv sw_tlv(uint8_t type, uint16_t sw) {
  return {type, Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)}};
}

// A TLV holding one value and nothing else, read with `read` (a TlvReader member: u8, or a byte
// string behind its 1- or 2-byte length).
template <typename Value>
Value read_tlv_as(const Tlv& t, const char* what, Value (TlvReader::*read)()) {
  TlvReader r(t.value, what);
  Value v = (r.*read)();
  r.finish();
  return v;
}

uint8_t read_u8_tlv(const Tlv& t, const char* what) {
  return read_tlv_as(t, what, &TlvReader::u8);
}

std::optional<uint16_t> read_sw(const Sdu& sdu, uint8_t type) {
  const Tlv* t = sdu.find(type);
  if (!t) return std::nullopt;
  TlvReader r(t->value, "the card result TLV");
  const uint8_t sw1 = r.u8();
  const uint8_t sw2 = r.u8();
  r.finish();
  return static_cast<uint16_t>(sw1 << 8 | sw2);
}

[[noreturn]] void malformed(const std::string& what) {
  throw Error(Errc::Malformed, "malformed QMI message: " + what);
}

// The TLV a request cannot do without; `missing` says what is wrong when it is not there.
const Tlv& required_tlv(const Sdu& request, uint8_t type, const char* missing) {
  const Tlv* t = request.find(type);
  if (!t) malformed(missing);
  return *t;
}

void check_aid(const Bytes& aid) {
  if (aid.size() < kMinAidBytes || aid.size() > kMaxAidBytes) {
    malformed("an AID of " + std::to_string(aid.size()) + " bytes (ISO 7816-4 allows 5..16)");
  }
}

uint8_t slot_of(const Sdu& request) {
  const auto slot = decode_slot(request);
  if (!slot) malformed("the request has no slot TLV");
  return *slot;
}

Bytes u8_prefixed(ByteView b) {
  Bytes out{static_cast<uint8_t>(b.size())};
  append(out, b);
  return out;
}

Bytes u16_prefixed(ByteView b) {
  Bytes out;
  put_u16(out, static_cast<uint16_t>(b.size()));
  append(out, b);
  return out;
}

}  // namespace

std::optional<uint8_t> decode_slot(const Sdu& request) {
  const Tlv* t = request.find(kSlotTlv);
  if (!t) return std::nullopt;
  const uint8_t slot = read_u8_tlv(*t, "the slot TLV");
  if (slot == 0) malformed("slot 0 (slots count from 1)");
  return slot;
}

// ---- requests ------------------------------------------------------------------------------

std::vector<Tlv> encode(const OpenLogicalChannelRequest& request) {
  if (request.aid.size() < kMinAidBytes || request.aid.size() > kMaxAidBytes) {
    throw Error(Errc::InvalidArgument,
                "an ISD-R AID must be 5..16 bytes, not " + std::to_string(request.aid.size()));
  }
  std::vector<Tlv> tlvs{u8_tlv(kSlotTlv, request.slot), {0x10, u8_prefixed(request.aid)}};
  if (request.file_control_information) {
    tlvs.push_back(u8_tlv(0x11, *request.file_control_information));
  }
  return tlvs;
}

std::vector<Tlv> encode(const SendApduRequest& request) {
  if (request.apdu.size() < 4 || request.apdu.size() > kMaxCommandApduBytes) {
    throw Error(Errc::InvalidArgument,
                "a command APDU of " + std::to_string(request.apdu.size()) + " bytes");
  }
  std::vector<Tlv> tlvs{u8_tlv(kSlotTlv, request.slot), {0x02, u16_prefixed(request.apdu)}};
  if (request.channel) tlvs.push_back(u8_tlv(0x10, *request.channel));
  return tlvs;
}

std::vector<Tlv> encode(const CloseLogicalChannelRequest& request) {
  std::vector<Tlv> tlvs{u8_tlv(kSlotTlv, request.slot), u8_tlv(0x11, request.channel)};
  if (request.terminate_application) {
    tlvs.push_back(u8_tlv(0x13, *request.terminate_application ? 1 : 0));
  }
  return tlvs;
}

std::vector<Tlv> encode(const SimPowerRequest& request) {
  return {u8_tlv(kSlotTlv, request.slot)};
}

OpenLogicalChannelRequest decode_open_logical_channel_request(const Sdu& request) {
  OpenLogicalChannelRequest out;
  out.slot = slot_of(request);
  out.aid = read_tlv_as(required_tlv(request, 0x10, "Open Logical Channel without an AID"),
                        "the AID TLV", &TlvReader::u8_prefixed);
  check_aid(out.aid);
  if (const Tlv* fci = request.find(0x11)) {
    out.file_control_information = read_u8_tlv(*fci, "the file control information TLV");
  }
  return out;
}

SendApduRequest decode_send_apdu_request(const Sdu& request) {
  SendApduRequest out;
  out.slot = slot_of(request);
  out.apdu = read_tlv_as(required_tlv(request, 0x02, "Send APDU without an APDU"), "the APDU TLV",
                         &TlvReader::u16_prefixed);
  if (out.apdu.size() < 4 || out.apdu.size() > kMaxCommandApduBytes) {
    malformed("a command APDU of " + std::to_string(out.apdu.size()) + " bytes");
  }
  if (const Tlv* ch = request.find(0x10)) out.channel = read_u8_tlv(*ch, "the channel TLV");
  return out;
}

CloseLogicalChannelRequest decode_close_logical_channel_request(const Sdu& request) {
  CloseLogicalChannelRequest out;
  out.slot = slot_of(request);
  const Tlv* ch = request.find(0x11);
  if (!ch) {
    throw Error(Errc::InvalidArgument, "Logical Channel without a channel id (the open form)");
  }
  out.channel = read_u8_tlv(*ch, "the channel TLV");
  if (const Tlv* t = request.find(0x13)) {
    out.terminate_application = read_u8_tlv(*t, "the terminate application TLV") != 0;
  }
  return out;
}

SimPowerRequest decode_sim_power_request(const Sdu& request) {
  return {slot_of(request)};
}

// ---- responses -----------------------------------------------------------------------------

OpenLogicalChannelResponse decode_open_logical_channel_response(const Sdu& response) {
  OpenLogicalChannelResponse out;
  out.result = decode_result(response);
  out.card_sw = read_sw(response, 0x11);
  if (const Tlv* ch = response.find(0x10)) out.channel = read_u8_tlv(*ch, "the channel TLV");
  if (const Tlv* sel = response.find(0x12)) {
    out.select_response = read_tlv_as(*sel, "the select response TLV", &TlvReader::u8_prefixed);
  }
  if (out.result.ok()) {
    if (!out.channel) malformed("Open Logical Channel succeeded without a channel id");
    if (*out.channel == 0 || *out.channel > 19) {
      malformed("logical channel " + std::to_string(*out.channel) + " (ISO 7816-4: 1..19)");
    }
  }
  return out;
}

SendApduResponse decode_send_apdu_response(const Sdu& response) {
  SendApduResponse out;
  out.result = decode_result(response);
  if (const Tlv* t = response.find(0x10)) {
    out.apdu_response = read_tlv_as(*t, "the APDU response TLV", &TlvReader::u16_prefixed);
  }
  if (out.result.ok()) {
    if (!out.apdu_response) malformed("Send APDU succeeded without a response APDU");
    if (out.apdu_response->size() < 2) {
      malformed("a response APDU of " + std::to_string(out.apdu_response->size()) +
                " bytes (no status word)");
    }
    if (out.apdu_response->size() > kMaxResponseApduBytes) {
      malformed("a response APDU of " + std::to_string(out.apdu_response->size()) + " bytes");
    }
  }
  return out;
}

CloseLogicalChannelResponse decode_close_logical_channel_response(const Sdu& response) {
  CloseLogicalChannelResponse out;
  out.result = decode_result(response);
  out.card_sw = read_sw(response, 0x11);
  return out;
}

std::vector<Tlv> encode(const OpenLogicalChannelResponse& response) {
  std::vector<Tlv> tlvs{encode_result(response.result.error)};
  if (response.channel) tlvs.push_back(u8_tlv(0x10, *response.channel));
  if (response.card_sw) tlvs.push_back(sw_tlv(0x11, *response.card_sw));
  if (response.select_response) tlvs.push_back({0x12, u8_prefixed(*response.select_response)});
  return tlvs;
}

std::vector<Tlv> encode(const SendApduResponse& response) {
  std::vector<Tlv> tlvs{encode_result(response.result.error)};
  if (response.apdu_response) tlvs.push_back({0x10, u16_prefixed(*response.apdu_response)});
  return tlvs;
}

std::vector<Tlv> encode(const CloseLogicalChannelResponse& response) {
  std::vector<Tlv> tlvs{encode_result(response.result.error)};
  if (response.card_sw) tlvs.push_back(sw_tlv(0x11, *response.card_sw));
  return tlvs;
}

std::vector<Tlv> encode(const CardStatus& status) {
  // TLV 0x10 Card Status: primary/secondary GW/1X application indexes (u16: card << 8 | app;
  // FFFF none), then the cards.
  Bytes v;
  put_u16(v, status.applications.empty() ? 0xFFFF : 0x0000);
  put_u16(v, 0xFFFF);
  put_u16(v, 0xFFFF);
  put_u16(v, 0xFFFF);
  v.push_back(1);                       // cards
  v.push_back(status.present ? 1 : 0);  // card state: present / absent
  v.push_back(0);                       // UPIN state: not initialized
  v.push_back(0);                       // UPIN retries
  v.push_back(0);                       // UPUK retries
  v.push_back(0);                       // error code
  v.push_back(static_cast<uint8_t>(status.applications.size()));
  for (const auto& app : status.applications) {
    v.push_back(app.type);
    v.push_back(app.state);
    v.push_back(2);  // personalization state: ready
    v.push_back(0);  // personalization feature
    v.push_back(0);  // personalization retries
    v.push_back(0);  // personalization unblock retries
    append(v, u8_prefixed(app.aid));
    v.push_back(0);   // UPIN replaces PIN1: no
    v.push_back(3);   // PIN1 state: disabled
    v.push_back(3);   // PIN1 retries
    v.push_back(10);  // PUK1 retries
    v.push_back(3);   // PIN2 state: disabled
    v.push_back(3);   // PIN2 retries
    v.push_back(10);  // PUK2 retries
  }
  return {encode_result(kErrNone), {0x10, v}};
}

std::vector<Tlv> encode(const SlotStatus& status) {
  Bytes physical{1};
  put_u32(physical, status.card_present ? 2 : 1);  // card: present / absent
  put_u32(physical, status.active ? 1 : 0);        // slot: active / inactive
  physical.push_back(status.logical_slot);
  append(physical, u8_prefixed(status.iccid));
  Bytes info{1};
  put_u32(info, 2);   // card protocol: UICC
  info.push_back(1);  // valid applications
  append(info, u8_prefixed(status.atr));
  info.push_back(status.is_euicc ? 1 : 0);
  std::vector<Tlv> tlvs{encode_result(kErrNone), {0x10, physical}, {0x11, info}};
  if (!status.eid.empty()) {
    Bytes eid{1};
    append(eid, u8_prefixed(status.eid));
    tlvs.push_back({0x12, eid});
  }
  return tlvs;
}

Bytes iccid_to_bcd(const std::string& digits) {
  Bytes out((digits.size() + 1) / 2, 0xFF);
  for (size_t i = 0; i < digits.size(); ++i) {
    const char c = digits[i];
    if (c < '0' || c > '9') {
      throw Error(Errc::InvalidArgument, "ICCID \"" + digits + "\" has a non-digit");
    }
    const uint8_t d = static_cast<uint8_t>(c - '0');
    uint8_t& b = out[i / 2];
    b = (i % 2 == 0) ? static_cast<uint8_t>((b & 0xF0) | d)
                     : static_cast<uint8_t>((b & 0x0F) | d << 4);
  }
  return out;
}

}  // namespace euiccd::modem::qmi
