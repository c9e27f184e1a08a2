// The messages between the daemon and its HTTPS helper (euiccd-https), over a socketpair.
// Every message is one frame: a 4-byte big-endian payload length, then the payload. A payload
// starts with a one-byte kind; its fields are u8, u64 (big-endian) and strings (u32 big-endian
// length + bytes), lists are a u32 count + items. The daemon sends one Config, then Requests;
// the helper answers each Request with exactly one Reply or Failure.
//
// The daemon decodes what the helper sends, and that carries server replies: the decoder
// checks every length against what is left and throws Error(Malformed) on any mismatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "lpa/http.h"

namespace euiccd::https {

// Largest frame either side accepts: a reply body is at most Config::max_reply_bytes (8 MiB
// by default), headers and framing add little.
constexpr size_t kMaxFrameBytes = 16 * 1024 * 1024 + 64 * 1024;
constexpr size_t kFrameHeaderBytes = 4;

enum class Kind : uint8_t { Config = 1, Request = 2, Reply = 3, Failure = 4 };

// What the helper needs to build its libcurl client (see net::CurlHttpOptions).
struct Config {
  std::vector<std::string> ca_files;
  std::vector<std::string> ca_dirs;
  std::vector<std::string> resolve;
  uint64_t connect_timeout_ms = 15'000;
  uint64_t total_timeout_ms = 120'000;
  uint64_t max_reply_bytes = 8 * 1024 * 1024;
  std::optional<std::string> proxy;  // nullopt: curl's default (the helper's environment)
};

// A transport failure the helper met, thrown again as the same Error in the daemon.
struct Failure {
  Errc code = Errc::Internal;
  std::string message;
};

// One decoded message from either side.
struct Message {
  Kind kind = Kind::Failure;
  Config config;               // Kind::Config
  lpa::HttpRequest request;    // Kind::Request
  lpa::HttpResponse response;  // Kind::Reply
  Failure failure;             // Kind::Failure
};

// Whole frames (length prefix included).
std::string encode_config(const Config& config);
std::string encode_request(const lpa::HttpRequest& request);
std::string encode_reply(const lpa::HttpResponse& response);
std::string encode_failure(const Failure& failure);

// The payload length announced by a frame header (`header` holds kFrameHeaderBytes bytes).
// Throws Error(Malformed) when it is above kMaxFrameBytes or zero.
size_t frame_length(std::string_view header);

// Decodes one payload (without its length prefix). Throws Error(Malformed) naming what is
// wrong: unknown kind, a length beyond the end, bytes left over, an unknown error code.
Message decode_payload(std::string_view payload);

// Decodes a buffer of whole frames back to back (the fuzz target's entry point): returns the
// messages; throws Error(Malformed) on the first bad one or a truncated frame.
std::vector<Message> decode_frames(std::string_view frames);

}  // namespace euiccd::https
