#include "https/helper_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "https/helper_process.h"

// Both from https/CMakeLists.txt: the installed helper, and its path relative to the daemon.
#ifndef EUICCD_HTTPS_HELPER_RELPATH
#define EUICCD_HTTPS_HELPER_RELPATH "../libexec/euiccd-https"
#endif
#ifndef EUICCD_HTTPS_HELPER_INSTALLED
#define EUICCD_HTTPS_HELPER_INSTALLED "/usr/libexec/euiccd-https"
#endif

namespace euiccd::https {
namespace {

using Clock = std::chrono::steady_clock;
// How often a wait for the helper looks at the cancel flag (only while a request is in flight
// and only when there is a flag).
constexpr auto kCancelPoll = std::chrono::milliseconds(50);

// "https://host:port/path" → "host:port", for messages (as net::CurlHttpClient words them).
std::string host_of(const std::string& url) {
  std::string_view s = url;
  const size_t scheme = s.find("://");
  if (scheme != std::string_view::npos) s.remove_prefix(scheme + 3);
  return std::string(s.substr(0, s.find('/')));
}

// The helper's whole environment: nothing of the daemon's but the proxy settings libcurl
// reads (an HTTPS-only client never looks at http_proxy).
std::vector<std::string> helper_environment() {
  std::vector<std::string> env;
  for (const char* name :
       {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  }
  return env;
}

}  // namespace

HelperHttpClient::HelperHttpClient(HelperHttpOptions options) : options_(std::move(options)) {}

HelperHttpClient::~HelperHttpClient() = default;

pid_t HelperHttpClient::helper_pid() const {
  return helper_ ? helper_->pid() : -1;
}

HelperProcess& HelperHttpClient::helper() {
  if (!helper_) {
    helper_ = std::make_unique<HelperProcess>(options_.helper_path, helper_environment());
    ++started_;
  }
  return *helper_;
}

lpa::HttpResponse HelperHttpClient::post(const lpa::HttpRequest& request) {
  const std::string host = host_of(request.url);
  const auto cancelled = [&] { return options_.cancel && options_.cancel->load(); };
  if (cancelled()) throw Error(Errc::Cancelled, "request to " + host + " cancelled");

  const bool fresh = !helper_;
  HelperProcess& h = helper();
  std::string out = fresh ? encode_config(options_.config) : std::string();
  out += encode_request(request);

  const auto deadline =
      Clock::now() + std::chrono::milliseconds(options_.config.total_timeout_ms) + options_.grace;
  // Waits until the socket is ready for `events`; false once it is past the deadline. Throws
  // Cancelled (helper killed) when the flag goes up meanwhile.
  const auto wait_for = [&](short events) {
    for (;;) {
      if (cancelled()) {
        helper_.reset();
        throw Error(Errc::Cancelled, "request to " + host + " cancelled");
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      const auto wait = options_.cancel ? std::min(left, kCancelPoll) : left;
      pollfd p{h.fd(), events, 0};
      const int n = poll(&p, 1, int(wait.count()));
      if (n > 0) return true;
      if (n < 0 && errno != EINTR)
        throw Error(Errc::Internal,
                    std::string("waiting for the HTTPS helper: ") + std::strerror(errno));
    }
  };
  const auto timed_out = [&]() -> Error {
    helper_.reset();
    return Error(Errc::Timeout, "no complete reply from " + host +
                                    " in time: the HTTPS helper did not answer within " +
                                    std::to_string(options_.config.total_timeout_ms) + " ms");
  };

  // Send the request (and the configuration, to a new helper).
  for (size_t sent = 0; sent < out.size();) {
    if (!wait_for(POLLOUT)) throw timed_out();
    const ssize_t n =
        send(h.fd(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += size_t(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      helper_ended(host);  // EPIPE / ECONNRESET: it is gone
    }
  }

  // Receive one frame: the header, then the payload it announces.
  std::string in;
  size_t want = kFrameHeaderBytes;
  bool have_header = false;
  for (;;) {
    while (in.size() < want) {
      if (!wait_for(POLLIN)) throw timed_out();
      char buf[64 * 1024];
      const size_t room = std::min(sizeof buf, want - in.size());
      const ssize_t n = recv(h.fd(), buf, room, MSG_DONTWAIT);
      if (n > 0) {
        in.append(buf, size_t(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        helper_ended(host);
      }
    }
    if (have_header) break;
    try {
      want = kFrameHeaderBytes + frame_length(in);
    } catch (const Error&) {
      helper_.reset();
      throw;
    }
    have_header = true;
  }

  Message m;
  try {
    m = decode_payload(std::string_view(in).substr(kFrameHeaderBytes));
  } catch (const Error&) {
    helper_.reset();
    throw;
  }
  if (m.kind == Kind::Failure) throw Error(m.failure.code, m.failure.message);
  if (m.kind != Kind::Reply) {
    helper_.reset();
    throw Error(Errc::Malformed,
                "the HTTPS helper sent a malformed message: not a reply to a request");
  }
  return std::move(m.response);
}

void HelperHttpClient::helper_ended(const std::string& host) {
  const std::string how = helper_->reap_description();
  helper_.reset();
  throw Error(Errc::Internal, "the HTTPS helper for " + host + " " + how + " before it replied");
}

std::string installed_helper_path() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return EUICCD_HTTPS_HELPER_INSTALLED;
  return (self.parent_path() / EUICCD_HTTPS_HELPER_RELPATH).lexically_normal().string();
}

}  // namespace euiccd::https
