// euiccd-https: the daemon's short-lived HTTPS helper (https/helper_client.h). It reads one
// Config and then Requests from fd 3, runs each on one net::CurlHttpClient (so the calls of
// one operation share a TLS connection), and answers each with a Reply or a Failure carrying
// the client's Error. It ends when the daemon closes the socket, and dies with the thread that
// started it. Nothing is logged: every failure goes back to the daemon as a message.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>

#include "base/error.h"
#include "https/helper_fd.h"
#include "https/wire.h"
#include "net/curl_http_client.h"

namespace {

using namespace euiccd;
using namespace euiccd::https;

// Exit codes the daemon reports ("exited with status N"): why the helper stopped on its own.
constexpr int kExitBadInput = 2;  // the daemon sent something that is not a message
constexpr int kExitIoError = 3;   // the socket failed

// Reads exactly n bytes; false at a clean end of input before the first byte.
bool read_exact(char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = read(kHelperFd, out + got, n - got);
    if (r > 0) {
      got += size_t(r);
    } else if (r == 0) {
      if (got == 0) return false;
      _exit(kExitBadInput);
    } else if (errno != EINTR) {
      _exit(kExitIoError);
    }
  }
  return true;
}

void write_all(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t w = write(kHelperFd, data.data() + done, data.size() - done);
    if (w > 0) {
      done += size_t(w);
    } else if (w < 0 && errno != EINTR) {
      _exit(kExitIoError);
    }
  }
}

// The next message, or nullopt when the daemon has closed the socket.
std::optional<Message> next_message() {
  char header[kFrameHeaderBytes];
  if (!read_exact(header, sizeof header)) return std::nullopt;
  try {
    const size_t n = frame_length(std::string_view(header, sizeof header));
    std::string payload(n, '\0');
    if (!read_exact(payload.data(), n)) _exit(kExitBadInput);
    return decode_payload(payload);
  } catch (const Error&) {
    _exit(kExitBadInput);
  }
}

net::CurlHttpOptions curl_options(const Config& c) {
  net::CurlHttpOptions o;
  o.ca_files = c.ca_files;
  o.ca_dirs = c.ca_dirs;
  o.resolve = c.resolve;
  o.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
  o.total_timeout = std::chrono::milliseconds(c.total_timeout_ms);
  // A reply must fit in one frame back to the daemon.
  o.max_reply_bytes = size_t(std::min<uint64_t>(c.max_reply_bytes, kMaxFrameBytes - 64 * 1024));
  o.proxy = c.proxy;
  return o;
}

}  // namespace

int main() {
  // Dies with the daemon thread that started it, even in the middle of a transfer.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Only stdin/stdout/stderr and the socket: a descriptor some library in the daemon opened
  // without close-on-exec (a pcscd connection, say) is not the helper's business.
  close_range(kHelperFd + 1, ~0U, 0);
  signal(SIGPIPE, SIG_IGN);

  std::optional<Message> first = next_message();
  if (!first) return 0;
  if (first->kind != Kind::Config) return kExitBadInput;
  const Config config = std::move(first->config);

  std::unique_ptr<net::CurlHttpClient> client;
  while (std::optional<Message> m = next_message()) {
    if (m->kind != Kind::Request) return kExitBadInput;
    try {
      // Made on the first request so a bad trust anchor comes back as that request's error.
      if (!client) client = std::make_unique<net::CurlHttpClient>(curl_options(config));
      write_all(encode_reply(client->post(m->request)));
    } catch (const Error& e) {
      write_all(encode_failure({e.code(), e.what()}));
    } catch (const std::exception& e) {
      write_all(encode_failure({Errc::Internal, std::string("HTTPS helper: ") + e.what()}));
    }
  }
  return 0;
}
