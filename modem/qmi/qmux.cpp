#include "modem/qmi/qmux.h"

#include <string>

namespace euiccd::modem::qmi {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error(Errc::Malformed, "malformed QMI message: " + what);
}

uint16_t get_u16(ByteView b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}

uint8_t kind_flags(uint8_t service, MessageKind kind) {
  const bool ctl = service == kServiceCtl;
  switch (kind) {
    case MessageKind::Request: return 0x00;
    case MessageKind::Response: return ctl ? 0x01 : 0x02;
    case MessageKind::Indication: return ctl ? 0x02 : 0x04;
  }
  return 0x00;
}

MessageKind kind_of(uint8_t service, uint8_t flags) {
  const bool ctl = service == kServiceCtl;
  if (flags == 0x00) return MessageKind::Request;
  if (flags == (ctl ? 0x01 : 0x02)) return MessageKind::Response;
  if (flags == (ctl ? 0x02 : 0x04)) return MessageKind::Indication;
  malformed("unknown control flags 0x" + to_hex(Bytes{flags}));
}

size_t sdu_header_bytes(uint8_t service) {
  return service == kServiceCtl ? 6 : 7;
}

}  // namespace

const Tlv* Sdu::find(uint8_t type) const {
  for (const Tlv& t : tlvs) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

void put_u16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

void put_u32(Bytes& out, uint32_t v) {
  put_u16(out, static_cast<uint16_t>(v));
  put_u16(out, static_cast<uint16_t>(v >> 16));
}

Bytes encode_tlvs(const std::vector<Tlv>& tlvs) {
  Bytes out;
  for (const Tlv& t : tlvs) {
    if (t.value.size() > 0xFFFF) {
      throw Error(Errc::InvalidArgument,
                  "QMI TLV value too long (" + std::to_string(t.value.size()) + " bytes)");
    }
    out.push_back(t.type);
    put_u16(out, static_cast<uint16_t>(t.value.size()));
    append(out, t.value);
  }
  return out;
}

std::vector<Tlv> decode_tlvs(ByteView bytes) {
  std::vector<Tlv> tlvs;
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 3) malformed("a TLV header is cut short");
    const uint8_t type = bytes[at];
    const size_t len = get_u16(bytes, at + 1);
    at += 3;
    if (len > bytes.size() - at) {
      malformed("TLV 0x" + to_hex(Bytes{type}) + " claims " + std::to_string(len) +
                " bytes, only " + std::to_string(bytes.size() - at) + " are there");
    }
    tlvs.push_back({type, Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                bytes.begin() + static_cast<std::ptrdiff_t>(at + len))});
    at += len;
  }
  return tlvs;
}

Bytes encode_sdu(uint8_t service, const Sdu& sdu) {
  const Bytes tlvs = encode_tlvs(sdu.tlvs);
  if (tlvs.size() > kMaxFrameBytes) {
    throw Error(Errc::InvalidArgument, "QMI message too long for one frame");
  }
  Bytes out;
  out.push_back(kind_flags(service, sdu.kind));
  if (service == kServiceCtl) {
    out.push_back(static_cast<uint8_t>(sdu.transaction));
  } else {
    put_u16(out, sdu.transaction);
  }
  put_u16(out, sdu.message);
  put_u16(out, static_cast<uint16_t>(tlvs.size()));
  append(out, tlvs);
  return out;
}

Sdu decode_sdu(uint8_t service, ByteView bytes) {
  const size_t header = sdu_header_bytes(service);
  if (bytes.size() < header) malformed("the message header is cut short");
  Sdu sdu;
  sdu.kind = kind_of(service, bytes[0]);
  size_t at = 1;
  if (service == kServiceCtl) {
    sdu.transaction = bytes[at++];
  } else {
    sdu.transaction = get_u16(bytes, at);
    at += 2;
  }
  sdu.message = get_u16(bytes, at);
  const size_t len = get_u16(bytes, at + 2);
  at += 4;
  if (len != bytes.size() - at) {
    malformed("the message says its TLVs take " + std::to_string(len) + " bytes, but " +
              std::to_string(bytes.size() - at) + " follow");
  }
  sdu.tlvs = decode_tlvs(bytes.subspan(at));
  return sdu;
}

Bytes encode_frame(const Frame& frame) {
  const Bytes sdu = encode_sdu(frame.service, frame.sdu);
  const size_t length = kQmuxHeaderBytes - 1 + sdu.size();
  if (length + 1 > kMaxFrameBytes) {
    throw Error(Errc::InvalidArgument, "QMI message too long for one frame");
  }
  Bytes out;
  out.push_back(kQmuxMarker);
  put_u16(out, static_cast<uint16_t>(length));
  out.push_back(frame.from_service ? kQmuxFlagFromService : 0x00);
  out.push_back(frame.service);
  out.push_back(frame.client);
  append(out, sdu);
  return out;
}

std::optional<size_t> frame_size(ByteView prefix) {
  if (prefix.empty()) return std::nullopt;
  if (prefix[0] != kQmuxMarker) {
    malformed("a frame starts with 0x" + to_hex(Bytes{prefix[0]}) + ", not the QMUX marker 01");
  }
  if (prefix.size() < 3) return std::nullopt;
  const size_t total = 1 + static_cast<size_t>(get_u16(prefix, 1));
  if (total < kQmuxHeaderBytes + sdu_header_bytes(kServiceCtl) || total > kMaxFrameBytes) {
    malformed("a QMUX length of " + std::to_string(total - 1) + " bytes");
  }
  return total;
}

Frame decode_frame(ByteView bytes) {
  const auto size = frame_size(bytes);
  if (!size || bytes.size() < kQmuxHeaderBytes) malformed("the QMUX header is cut short");
  if (*size != bytes.size()) {
    malformed("the QMUX header says " + std::to_string(*size) + " bytes, the frame has " +
              std::to_string(bytes.size()));
  }
  Frame frame;
  const uint8_t flags = bytes[3];
  if (flags != 0x00 && flags != kQmuxFlagFromService) {
    malformed("unknown QMUX flags 0x" + to_hex(Bytes{flags}));
  }
  frame.from_service = flags == kQmuxFlagFromService;
  frame.service = bytes[4];
  frame.client = bytes[5];
  frame.sdu = decode_sdu(frame.service, bytes.subspan(kQmuxHeaderBytes));
  return frame;
}

void TlvReader::need(size_t n) const {
  if (n > data_.size() - pos_) {
    malformed(std::string(what_) + " is cut short (wants " + std::to_string(n) + " more bytes, " +
              std::to_string(data_.size() - pos_) + " left)");
  }
}

uint8_t TlvReader::u8() {
  need(1);
  return data_[pos_++];
}

uint16_t TlvReader::u16() {
  need(2);
  const uint16_t v = get_u16(data_, pos_);
  pos_ += 2;
  return v;
}

uint32_t TlvReader::u32() {
  const uint32_t lo = u16();
  const uint32_t hi = u16();
  return lo | (hi << 16);
}

Bytes TlvReader::bytes(size_t n) {
  need(n);
  Bytes out(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
            data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
  pos_ += n;
  return out;
}

Bytes TlvReader::u8_prefixed() {
  return bytes(u8());
}
Bytes TlvReader::u16_prefixed() {
  return bytes(u16());
}

void TlvReader::finish() const {
  if (pos_ != data_.size()) {
    malformed(std::string(what_) + " has " + std::to_string(data_.size() - pos_) +
              " unexpected bytes at its end");
  }
}

}  // namespace euiccd::modem::qmi
