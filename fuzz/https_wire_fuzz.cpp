// What the HTTPS helper sends the daemon (https/wire.h): frames holding server replies (status,
// headers, body) or errors. Decoding must return or throw Error(Malformed); whatever decodes
// must encode back to frames that decode to the same messages.
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "https/wire.h"

using namespace euiccd;
using namespace euiccd::https;
using euiccd::fuzz::check;

namespace {

std::string encode(const Message& m) {
  switch (m.kind) {
    case Kind::Config: return encode_config(m.config);
    case Kind::Request: return encode_request(m.request);
    case Kind::Reply: return encode_reply(m.response);
    case Kind::Failure: return encode_failure(m.failure);
  }
  check(false);
  return {};
}

bool same(const Message& a, const Message& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::Config:
      return a.config.ca_files == b.config.ca_files && a.config.ca_dirs == b.config.ca_dirs &&
             a.config.resolve == b.config.resolve &&
             a.config.connect_timeout_ms == b.config.connect_timeout_ms &&
             a.config.total_timeout_ms == b.config.total_timeout_ms &&
             a.config.max_reply_bytes == b.config.max_reply_bytes &&
             a.config.proxy == b.config.proxy;
    case Kind::Request:
      return a.request.url == b.request.url && a.request.headers == b.request.headers &&
             a.request.body == b.request.body;
    case Kind::Reply:
      return a.response.status == b.response.status &&
             a.response.content_type == b.response.content_type &&
             a.response.x_admin_protocol == b.response.x_admin_protocol &&
             a.response.body == b.response.body;
    case Kind::Failure:
      return a.failure.code == b.failure.code && a.failure.message == b.failure.message;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::as_text(ByteView(data, size));
  std::vector<Message> messages;
  try {
    messages = decode_frames(input);
  } catch (const Error& e) {
    check(e.code() == Errc::Malformed);
    return 0;
  }
  std::string again;
  for (const Message& m : messages) again += encode(m);
  const std::vector<Message> back = decode_frames(again);
  check(back.size() == messages.size());
  for (size_t i = 0; i < back.size(); ++i) check(same(back[i], messages[i]));
  return 0;
}
