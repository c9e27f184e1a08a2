#include "modem/mbim/message.h"

#include <algorithm>

namespace euiccd::modem::mbim {

const Uuid kServiceBasicConnect = {0xa2, 0x89, 0xcc, 0x33, 0xbc, 0xbb, 0x8b, 0x4f,
                                   0xb6, 0xb0, 0x13, 0x3e, 0xc2, 0xaa, 0xe6, 0xdf};
const Uuid kServiceMsBasicConnectExt = {0x3d, 0x01, 0xdc, 0xc5, 0xfe, 0xf5, 0x4d, 0x05,
                                        0x0d, 0x3a, 0xbe, 0xf7, 0x05, 0x8e, 0x9a, 0xaf};
const Uuid kServiceMsUiccLowLevel = {0xc2, 0xf6, 0x58, 0x8e, 0xf0, 0x37, 0x4b, 0xc9,
                                     0x86, 0x65, 0xf4, 0xd4, 0x4b, 0xd0, 0x93, 0x67};
const Uuid kServiceProxyControl = {0x83, 0x8c, 0xf7, 0xfb, 0x8d, 0x0d, 0x4d, 0x7f,
                                   0x87, 0x1e, 0xd7, 0x1d, 0xbe, 0xfb, 0xb3, 0x9b};

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error(Errc::Malformed, "malformed MBIM message: " + what);
}

bool fragmented_type(uint32_t type) {
  return type == kCommand || type == kCommandDone || type == kIndicateStatus;
}

bool known_type(uint32_t type) {
  switch (type) {
    case kOpen:
    case kClose:
    case kCommand:
    case kHostError:
    case kOpenDone:
    case kCloseDone:
    case kCommandDone:
    case kFunctionError:
    case kIndicateStatus: return true;
    default: return false;
  }
}

// Bytes after the fragment header and before the information buffer.
size_t fixed_after_fragment(uint32_t type) {
  switch (type) {
    case kCommand: return 16 + 4 + 4 + 4;      // service, cid, command type, length
    case kCommandDone: return 16 + 4 + 4 + 4;  // service, cid, status, length
    default: return 16 + 4 + 4;                // INDICATE_STATUS: service, cid, length
  }
}

std::string hex32(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xF];
  return s;
}

// The first fragment's fixed part (everything up to the information buffer).
Bytes first_fixed(const Message& m) {
  Bytes out;
  out.insert(out.end(), m.service.begin(), m.service.end());
  put_u32(out, m.cid);
  if (m.type == kCommand) put_u32(out, m.command_type);
  if (m.type == kCommandDone) put_u32(out, m.status);
  put_u32(out, static_cast<uint32_t>(m.information.size()));
  return out;
}

Bytes header(uint32_t type, size_t length, uint32_t transaction) {
  Bytes out;
  put_u32(out, type);
  put_u32(out, static_cast<uint32_t>(length));
  put_u32(out, transaction);
  return out;
}

}  // namespace

std::string describe_service(const Uuid& service) {
  if (service == kServiceBasicConnect) return "basic-connect";
  if (service == kServiceMsBasicConnectExt) return "ms-basic-connect-extensions";
  if (service == kServiceMsUiccLowLevel) return "ms-uicc-low-level-access";
  if (service == kServiceProxyControl) return "proxy-control";
  return "service " + to_hex(Bytes(service.begin(), service.end()));
}

void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t get_u32(ByteView b, size_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}

std::vector<Bytes> fragment(const Message& m, size_t max_transfer) {
  if (!fragmented_type(m.type)) return {encode_message(m)};
  const Bytes fixed = first_fixed(m);
  const size_t overhead = kHeaderBytes + 8;
  if (max_transfer < overhead + fixed.size() + 4) {
    throw Error(Errc::InvalidArgument, "an MBIM max control transfer of " +
                                           std::to_string(max_transfer) + " bytes is too small");
  }
  if (overhead + fixed.size() + m.information.size() > kMaxMessageBytes) {
    throw Error(Errc::InvalidArgument, "MBIM message too long");
  }
  // Payload pieces: the first carries the fixed part and as much of the buffer as fits.
  std::vector<Bytes> payloads;
  Bytes first = fixed;
  const size_t first_room = max_transfer - overhead - fixed.size();
  size_t at = std::min(first_room, m.information.size());
  first.insert(first.end(), m.information.begin(),
               m.information.begin() + static_cast<std::ptrdiff_t>(at));
  payloads.push_back(std::move(first));
  while (at < m.information.size()) {
    const size_t n = std::min(max_transfer - overhead, m.information.size() - at);
    payloads.emplace_back(m.information.begin() + static_cast<std::ptrdiff_t>(at),
                          m.information.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  std::vector<Bytes> out;
  for (size_t i = 0; i < payloads.size(); ++i) {
    Bytes f = header(m.type, overhead + payloads[i].size(), m.transaction);
    put_u32(f, static_cast<uint32_t>(payloads.size()));
    put_u32(f, static_cast<uint32_t>(i));
    append(f, payloads[i]);
    out.push_back(std::move(f));
  }
  return out;
}

Bytes encode_message(const Message& m) {
  if (!known_type(m.type)) {
    throw Error(Errc::InvalidArgument, "unknown MBIM message type " + hex32(m.type));
  }
  if (fragmented_type(m.type)) {
    return fragment(m, kMaxMessageBytes).front();
  }
  Bytes body;
  if (m.type == kOpen) put_u32(body, m.max_control_transfer);
  if (m.type != kOpen && m.type != kClose) put_u32(body, m.status);
  Bytes out = header(m.type, kHeaderBytes + body.size(), m.transaction);
  append(out, body);
  return out;
}

std::optional<size_t> message_size(ByteView prefix) {
  if (prefix.size() < 8) return std::nullopt;
  const size_t length = get_u32(prefix, 4);
  if (length < kHeaderBytes || length > kMaxMessageBytes) {
    malformed("a message length of " + std::to_string(length) + " bytes");
  }
  return length;
}

namespace {

// Reads one message or fragment; `whole` says a first fragment must hold its whole buffer.
struct Decoded {
  Message message;
  uint32_t total = 1;
  uint32_t current = 0;
  Bytes continuation;  // later fragments: their piece of the information buffer
};

Decoded decode_any(ByteView b) {
  if (b.size() < kHeaderBytes) malformed("the header is cut short");
  const size_t length = get_u32(b, 4);
  if (length != b.size()) {
    malformed("the header says " + std::to_string(length) + " bytes, the message has " +
              std::to_string(b.size()));
  }
  Decoded d;
  Message& m = d.message;
  m.type = get_u32(b, 0);
  m.transaction = get_u32(b, 8);
  if (!known_type(m.type)) malformed("unknown message type " + hex32(m.type));
  if (!fragmented_type(m.type)) {
    const size_t want = m.type == kClose ? kHeaderBytes : kHeaderBytes + 4;
    if (b.size() != want) {
      malformed("a message of type " + hex32(m.type) + " has " + std::to_string(b.size()) +
                " bytes, not " + std::to_string(want));
    }
    if (m.type == kOpen) m.max_control_transfer = get_u32(b, 12);
    if (m.type != kOpen && m.type != kClose) m.status = get_u32(b, 12);
    return d;
  }
  if (b.size() < kHeaderBytes + 8) malformed("the fragment header is cut short");
  d.total = get_u32(b, 12);
  d.current = get_u32(b, 16);
  if (d.total == 0 || d.current >= d.total) {
    malformed("fragment " + std::to_string(d.current) + " of " + std::to_string(d.total));
  }
  size_t at = kHeaderBytes + 8;
  if (d.current > 0) {
    d.continuation.assign(b.begin() + static_cast<std::ptrdiff_t>(at), b.end());
    return d;
  }
  if (b.size() - at < fixed_after_fragment(m.type)) malformed("the command header is cut short");
  std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(at), 16, m.service.begin());
  at += 16;
  m.cid = get_u32(b, at);
  at += 4;
  if (m.type == kCommand) {
    m.command_type = get_u32(b, at);
    if (m.command_type > kSet) malformed("command type " + std::to_string(m.command_type));
    at += 4;
  } else if (m.type == kCommandDone) {
    m.status = get_u32(b, at);
    at += 4;
  }
  const size_t info = get_u32(b, at);
  at += 4;
  const size_t here = b.size() - at;
  if (info > kMaxMessageBytes || (d.total == 1 ? info != here : info < here)) {
    malformed("the information buffer claims " + std::to_string(info) + " bytes, " +
              std::to_string(here) + " follow");
  }
  m.information.reserve(info);
  m.information.assign(b.begin() + static_cast<std::ptrdiff_t>(at), b.end());
  d.continuation.resize(info);  // remembers the announced size for the reassembler
  return d;
}

}  // namespace

Message decode_message(ByteView bytes) {
  Decoded d = decode_any(bytes);
  if (d.total != 1) malformed("a fragment of a longer message came alone");
  return std::move(d.message);
}

std::optional<Message> Reassembler::add(ByteView bytes) {
  Decoded d;
  try {
    d = decode_any(bytes);
  } catch (const Error&) {
    partial_.reset();
    throw;
  }
  if (!fragmented_type(d.message.type) || (d.total == 1 && d.current == 0)) {
    if (partial_) {
      partial_.reset();
      malformed("a message came while fragments of another were missing");
    }
    return std::move(d.message);
  }
  if (d.current == 0) {
    if (partial_) {
      partial_.reset();
      malformed("a new fragmented message started before the last one ended");
    }
    expected_ = d.continuation.size();
    total_ = d.total;
    next_ = 1;
    partial_ = std::move(d.message);
    return std::nullopt;
  }
  if (!partial_ || d.current != next_ || d.total != total_ ||
      d.message.transaction != partial_->transaction || d.message.type != partial_->type) {
    partial_.reset();
    malformed("fragment " + std::to_string(d.current) + " of " + std::to_string(d.total) +
              " out of sequence");
  }
  if (d.continuation.size() > expected_ - partial_->information.size()) {
    partial_.reset();
    malformed("the fragments hold more than the announced information buffer");
  }
  append(partial_->information, d.continuation);
  ++next_;
  if (next_ < total_) return std::nullopt;
  if (partial_->information.size() != expected_) {
    partial_.reset();
    malformed("the fragments hold less than the announced information buffer");
  }
  std::optional<Message> done = std::move(partial_);
  partial_.reset();
  return done;
}

}  // namespace euiccd::modem::mbim
