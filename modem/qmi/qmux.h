// QMUX framing and QMI TLVs (the wire format of Qualcomm MSM Interface messages), pure: no
// GLib, no I/O, so that every byte a modem sends can be fuzzed.
//
// A QMUX frame is `01 | length u16 | flags u8 | service u8 | client id u8 | SDU`, where
// `length` counts everything after the leading 01. The SDU (what libqmi's
// qmi_message_get_data() returns) is a service header, then TLVs:
//   CTL (service 0):  control flags u8 | transaction u8  | message id u16 | TLV length u16
//   other services:   control flags u8 | transaction u16 | message id u16 | TLV length u16
// and a TLV is `type u8 | length u16 | value`. All integers are little-endian.
//
// Decoders check every length against what is there and throw Error(Malformed) naming what is
// wrong; nothing is read past the end of the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::modem::qmi {

constexpr uint8_t kServiceCtl = 0x00;
constexpr uint8_t kServiceUim = 0x0B;

constexpr uint8_t kQmuxMarker = 0x01;
constexpr size_t kQmuxHeaderBytes = 6;  // marker, length u16, flags, service, client id
// QMUX flags: set on frames from the modem ("service"), clear on frames from a client.
constexpr uint8_t kQmuxFlagFromService = 0x80;
// The largest frame we build or accept. libqmi and the modems stay far below this; an APDU of
// 255 bytes + 256 bytes of answer needs about 550.
constexpr size_t kMaxFrameBytes = 16 * 1024;

// The SDU's control flags: services send 00 request / 02 response / 04 indication, CTL
// 00 / 01 / 02.
enum class MessageKind : uint8_t { Request, Response, Indication };

struct Tlv {
  uint8_t type = 0;
  Bytes value;
};

struct Sdu {
  MessageKind kind = MessageKind::Request;
  uint16_t transaction = 0;  // u8 on CTL
  uint16_t message = 0;
  std::vector<Tlv> tlvs;

  // The first TLV of this type, or null.
  const Tlv* find(uint8_t type) const;
};

struct Frame {
  bool from_service = false;  // QMUX flags 0x80
  uint8_t service = 0;
  uint8_t client = 0;
  Sdu sdu;
};

// TLV list <-> bytes. decode_tlvs throws Malformed on a TLV that runs past the end.
Bytes encode_tlvs(const std::vector<Tlv>& tlvs);
std::vector<Tlv> decode_tlvs(ByteView bytes);

// SDU <-> bytes; the header layout depends on the service (CTL has a u8 transaction).
Bytes encode_sdu(uint8_t service, const Sdu& sdu);
Sdu decode_sdu(uint8_t service, ByteView bytes);

// Whole QMUX frames.
Bytes encode_frame(const Frame& frame);
Frame decode_frame(ByteView bytes);

// For reading a byte stream: the size of the whole frame that starts at `prefix[0]` once at
// least 3 bytes are there, nullopt before that. Throws Malformed when the first byte is not
// the QMUX marker or the length is below a minimal frame or above kMaxFrameBytes.
std::optional<size_t> frame_size(ByteView prefix);

// Little-endian helpers for values inside TLVs.
void put_u16(Bytes& out, uint16_t v);
void put_u32(Bytes& out, uint32_t v);

// Reads TLV values front to back with bounds checks; `what` names the TLV in errors.
class TlvReader {
 public:
  TlvReader(ByteView value, const char* what) : data_(value), what_(what) {}
  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  Bytes bytes(size_t n);
  Bytes u8_prefixed();   // u8 length + bytes
  Bytes u16_prefixed();  // u16 length + bytes
  size_t remaining() const { return data_.size() - pos_; }
  // Throws Malformed when bytes are left over.
  void finish() const;

 private:
  void need(size_t n) const;
  ByteView data_;
  const char* what_;
  size_t pos_ = 0;
};

}  // namespace euiccd::modem::qmi
