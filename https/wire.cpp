#include "https/wire.h"

namespace euiccd::https {
namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error(Errc::Malformed, "the HTTPS helper sent a malformed message: " + what);
}

class Writer {
 public:
  explicit Writer(Kind kind) {
    out_.append(kFrameHeaderBytes, '\0');  // the length, filled in by finish()
    u8(uint8_t(kind));
  }
  void u8(uint8_t v) { out_.push_back(char(v)); }
  void u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(char((v >> shift) & 0xff));
  }
  void u64(uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(char((v >> shift) & 0xff));
  }
  void str(std::string_view s) {
    if (s.size() > kMaxFrameBytes) throw Error(Errc::InvalidArgument, "HTTPS message too large");
    u32(uint32_t(s.size()));
    out_.append(s);
  }
  void list(const std::vector<std::string>& items) {
    u32(uint32_t(items.size()));
    for (const auto& s : items) str(s);
  }
  // Fills in the length prefix.
  std::string finish() {
    const size_t n = out_.size() - kFrameHeaderBytes;
    if (n > kMaxFrameBytes)
      throw Error(Errc::InvalidArgument, "HTTPS message of " + std::to_string(n) +
                                             " bytes is larger than the helper accepts");
    for (size_t i = 0; i < kFrameHeaderBytes; ++i)
      out_[i] = char((n >> (8 * (kFrameHeaderBytes - 1 - i))) & 0xff);
    return std::move(out_);
  }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t u8() { return uint8_t(take(1)[0]); }
  uint32_t u32() {
    const std::string_view b = take(4);
    uint32_t v = 0;
    for (char c : b) v = (v << 8) | uint8_t(c);
    return v;
  }
  uint64_t u64() {
    const std::string_view b = take(8);
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | uint8_t(c);
    return v;
  }
  std::string str() { return std::string(take(u32())); }
  std::vector<std::string> list() {
    const uint32_t n = u32();
    // Each item takes at least its 4-byte length: a count beyond that is a lie.
    if (n > in_.size() / 4) malformed("list of " + std::to_string(n) + " items in a short message");
    std::vector<std::string> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) out.push_back(str());
    return out;
  }
  void end() const {
    if (!in_.empty()) malformed(std::to_string(in_.size()) + " bytes left over");
  }

 private:
  std::string_view take(size_t n) {
    if (n > in_.size())
      malformed("a field of " + std::to_string(n) + " bytes where " + std::to_string(in_.size()) +
                " are left");
    const std::string_view out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }
  std::string_view in_;
};

Errc errc_from_name(const std::string& name) {
  for (int i = 0; i <= int(Errc::Rejected); ++i)
    if (name == errc_name(Errc(i))) return Errc(i);
  malformed("unknown error code \"" + name.substr(0, 40) + "\"");
}

}  // namespace

std::string encode_config(const Config& config) {
  Writer w(Kind::Config);
  w.list(config.ca_files);
  w.list(config.ca_dirs);
  w.list(config.resolve);
  w.u64(config.connect_timeout_ms);
  w.u64(config.total_timeout_ms);
  w.u64(config.max_reply_bytes);
  w.u8(config.proxy ? 1 : 0);
  w.str(config.proxy.value_or(""));
  return w.finish();
}

std::string encode_request(const lpa::HttpRequest& request) {
  Writer w(Kind::Request);
  w.str(request.url);
  w.u32(uint32_t(request.headers.size()));
  for (const auto& [name, value] : request.headers) {
    w.str(name);
    w.str(value);
  }
  w.str(request.body);
  return w.finish();
}

std::string encode_reply(const lpa::HttpResponse& response) {
  Writer w(Kind::Reply);
  w.u64(uint64_t(response.status));
  w.str(response.content_type);
  w.str(response.x_admin_protocol);
  w.str(response.body);
  return w.finish();
}

std::string encode_failure(const Failure& failure) {
  Writer w(Kind::Failure);
  w.str(errc_name(failure.code));
  w.str(failure.message);
  return w.finish();
}

size_t frame_length(std::string_view header) {
  if (header.size() < kFrameHeaderBytes) malformed("a frame header cut short");
  size_t n = 0;
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) n = (n << 8) | uint8_t(header[i]);
  if (n == 0) malformed("an empty frame");
  if (n > kMaxFrameBytes)
    malformed("a frame of " + std::to_string(n) + " bytes (at most " +
              std::to_string(kMaxFrameBytes) + ")");
  return n;
}

Message decode_payload(std::string_view payload) {
  Reader r(payload);
  Message m;
  const uint8_t kind = r.u8();
  switch (Kind(kind)) {
    case Kind::Config: {
      m.config.ca_files = r.list();
      m.config.ca_dirs = r.list();
      m.config.resolve = r.list();
      m.config.connect_timeout_ms = r.u64();
      m.config.total_timeout_ms = r.u64();
      m.config.max_reply_bytes = r.u64();
      const uint8_t has_proxy = r.u8();
      std::string proxy = r.str();
      if (has_proxy > 1) malformed("proxy flag " + std::to_string(has_proxy));
      if (has_proxy) m.config.proxy = std::move(proxy);
      break;
    }
    case Kind::Request: {
      m.request.url = r.str();
      const uint32_t n = r.u32();
      if (n > payload.size() / 8) malformed(std::to_string(n) + " headers in a short message");
      for (uint32_t i = 0; i < n; ++i) {
        std::string name = r.str();
        m.request.headers.emplace_back(std::move(name), r.str());
      }
      m.request.body = r.str();
      break;
    }
    case Kind::Reply: {
      const uint64_t status = r.u64();
      if (status > 999) malformed("HTTP status " + std::to_string(status));
      m.response.status = long(status);
      m.response.content_type = r.str();
      m.response.x_admin_protocol = r.str();
      m.response.body = r.str();
      break;
    }
    case Kind::Failure: {
      m.failure.code = errc_from_name(r.str());
      m.failure.message = r.str();
      break;
    }
    default: malformed("unknown message kind " + std::to_string(kind));
  }
  r.end();
  m.kind = Kind(kind);
  return m;
}

std::vector<Message> decode_frames(std::string_view frames) {
  std::vector<Message> out;
  while (!frames.empty()) {
    const size_t n = frame_length(frames.substr(0, kFrameHeaderBytes));
    if (frames.size() - kFrameHeaderBytes < n)
      malformed("a frame of " + std::to_string(n) + " bytes cut short");
    out.push_back(decode_payload(frames.substr(kFrameHeaderBytes, n)));
    frames.remove_prefix(kFrameHeaderBytes + n);
  }
  return out;
}

}  // namespace euiccd::https
