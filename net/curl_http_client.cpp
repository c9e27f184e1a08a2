#include "net/curl_http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <mutex>
#include <string_view>

#include "base/error.h"
#include "net/trust_anchors.h"

namespace euiccd::net {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw Error(Errc::Internal, "libcurl global initialisation failed");
  });
}

struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistFree>;

Slist make_slist(const std::vector<std::string>& items) {
  curl_slist* list = nullptr;
  for (const std::string& item : items) {
    curl_slist* next = curl_slist_append(list, item.c_str());
    if (!next) {
      curl_slist_free_all(list);
      throw Error(Errc::Internal, "libcurl: out of memory");
    }
    list = next;
  }
  return Slist(list);
}

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// "https://host:port/path" → "host:port", for messages.
std::string host_of(const std::string& url) {
  std::string_view s = url;
  const size_t scheme = s.find("://");
  if (scheme != std::string_view::npos) s.remove_prefix(scheme + 3);
  return std::string(s.substr(0, s.find('/')));
}

bool has_line_break(std::string_view s) {
  return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

// State of one transfer, reached from curl's callbacks.
struct Transfer {
  lpa::HttpResponse response;
  size_t max_body = 0;
  bool too_large = false;
  bool cancelled = false;
  const std::atomic<bool>* cancel = nullptr;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->response.body.size() + n > t->max_body) {
    t->too_large = true;
    return 0;  // a short count makes curl abort with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new response starts (after a 100 Continue, say): forget the previous one's headers.
    t->response.content_type.clear();
    t->response.x_admin_protocol.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string_view name = trim(line.substr(0, colon));
  const std::string_view value = trim(line.substr(colon + 1));
  if (equals_ci(name, "Content-Type")) t->response.content_type = std::string(value);
  if (equals_ci(name, "X-Admin-Protocol")) t->response.x_admin_protocol = std::string(value);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel && t->cancel->load()) {
    t->cancelled = true;
    return 1;  // aborts with CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

// Installs exactly our trust anchors into the TLS context curl is about to use, whatever
// curl's build-time default CA bundle or path would have added, and pins TLS >= 1.2.
CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* user) {
  auto* anchors = static_cast<const TrustAnchors*>(user);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set1_cert_store(ctx, anchors->store());
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return CURLE_SSL_CIPHER;
  return CURLE_OK;
}

}  // namespace

struct CurlHttpClient::Impl {
  CurlHttpOptions options;
  TrustAnchors anchors;
  CURL* curl = nullptr;
  Slist resolve;
  char errbuf[CURL_ERROR_SIZE] = {};

  explicit Impl(CurlHttpOptions o)
      : options(std::move(o)), anchors(options.ca_files, options.ca_dirs) {
    global_init_once();
    curl = curl_easy_init();
    if (!curl) throw Error(Errc::Internal, "libcurl: cannot create a handle");
    resolve = make_slist(options.resolve);
  }
  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }

  template <typename T>
  void set(CURLoption option, T value) {
    const CURLcode rc = curl_easy_setopt(curl, option, value);
    if (rc != CURLE_OK)
      throw Error(Errc::Internal,
                  std::string("libcurl option not accepted: ") + curl_easy_strerror(rc));
  }

  // Options that stay the same for every request; set again before each transfer because
  // curl_easy_reset is not used (it would drop the connection cache's association).
  void configure(Transfer& t, curl_slist* headers, const lpa::HttpRequest& request) {
    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "https");
    set(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDS, request.body.data());
    set(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.size()));
    set(CURLOPT_HTTPHEADER, headers);
    set(CURLOPT_ERRORBUFFER, errbuf);

    // TLS: always verified, only against our anchors.
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    set(CURLOPT_SSLVERSION, long(CURL_SSLVERSION_TLSv1_2));
    curl_blob blob{const_cast<char*>(anchors.pem().data()), anchors.pem().size(), CURL_BLOB_COPY};
    set(CURLOPT_CAINFO_BLOB, &blob);
    set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    set(CURLOPT_SSL_CTX_FUNCTION, &on_ssl_ctx);
    set(CURLOPT_SSL_CTX_DATA, static_cast<void*>(&anchors));

    if (resolve) set(CURLOPT_RESOLVE, resolve.get());
    if (options.proxy) set(CURLOPT_PROXY, options.proxy->c_str());

    set(CURLOPT_CONNECTTIMEOUT_MS, long(options.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, long(options.total_timeout.count()));
    set(CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
    set(CURLOPT_LOW_SPEED_TIME, long(options.low_speed_time.count()));
    set(CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.max_reply_bytes));

    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(CURLOPT_HEADERFUNCTION, &on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(CURLOPT_XFERINFOFUNCTION, &on_progress);
    set(CURLOPT_XFERINFODATA, static_cast<void*>(&t));
    set(CURLOPT_NOPROGRESS, 0L);
  }

  [[noreturn]] void fail(CURLcode rc, const Transfer& t, const std::string& host) const {
    const std::string detail = errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_PEER_FAILED_VERIFICATION: {
        long verify = X509_V_OK;
        curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify);
        if (verify == X509_V_ERR_CERT_HAS_EXPIRED)
          throw Error(Errc::Tls, "certificate of " + host + " has expired: " + detail);
        // curl checks the host name itself after the chain verified; both of its messages for
        // a mismatch say "target host name", and there is no separate code for it.
        if (detail.find("target host name") != std::string::npos)
          throw Error(Errc::Tls,
                      "certificate of " + host + " is for a different host name: " + detail);
        throw Error(Errc::Tls, "certificate of " + host + " is not trusted: " + detail);
      }
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_USE_SSL_FAILED: throw Error(Errc::Tls, "TLS with " + host + " failed: " + detail);
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        throw Error(Errc::Network, "cannot resolve " + host + ": " + detail);
      case CURLE_COULDNT_CONNECT:
        throw Error(Errc::Network, "cannot connect to " + host + ": " + detail);
      case CURLE_OPERATION_TIMEDOUT:
        throw Error(Errc::Timeout, "no complete reply from " + host + " in time: " + detail);
      case CURLE_ABORTED_BY_CALLBACK:
        if (t.cancelled) throw Error(Errc::Cancelled, "request to " + host + " cancelled");
        break;
      case CURLE_WRITE_ERROR:
      case CURLE_FILESIZE_EXCEEDED:
        if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
          throw Error(Errc::Malformed, "reply from " + host + " is larger than " +
                                           std::to_string(options.max_reply_bytes) + " bytes");
        break;
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_BAD_CONTENT_ENCODING:
        throw Error(Errc::Malformed, "garbled HTTP reply from " + host + ": " + detail);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        throw Error(Errc::InvalidArgument, "bad server URL for " + host + ": " + detail);
      case CURLE_OUT_OF_MEMORY: throw Error(Errc::Internal, "libcurl: out of memory");
      default: break;
    }
    // Connection lost, nothing received, send/receive errors, HTTP/2 stream errors...
    throw Error(Errc::Network, "connection to " + host + " failed: " + detail);
  }
};

CurlHttpClient::CurlHttpClient(CurlHttpOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CurlHttpClient::~CurlHttpClient() = default;

size_t CurlHttpClient::trust_anchor_count() const {
  return impl_->anchors.count();
}

lpa::HttpResponse CurlHttpClient::post(const lpa::HttpRequest& request) {
  const std::string host = host_of(request.url);
  if (!request.url.starts_with("https://"))
    throw Error(Errc::InvalidArgument, "only https:// URLs are allowed, not " + request.url);
  if (has_line_break(request.url))
    throw Error(Errc::InvalidArgument, "request URL contains a line break");

  std::vector<std::string> header_lines;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value) ||
        name.find(':') != std::string::npos)
      throw Error(Errc::InvalidArgument, "request header \"" + name + "\" is not a valid header");
    header_lines.push_back(name + ": " + value);
  }
  // No "Expect: 100-continue" round trip for large bodies: SM-DP+ servers answer POSTs
  // directly and the wait only adds latency.
  header_lines.emplace_back("Expect:");
  const Slist headers = make_slist(header_lines);

  Transfer t;
  t.max_body = impl_->options.max_reply_bytes;
  t.cancel = impl_->options.cancel;
  if (t.cancel && t.cancel->load())
    throw Error(Errc::Cancelled, "request to " + host + " cancelled");

  impl_->errbuf[0] = '\0';
  impl_->configure(t, headers.get(), request);
  ++stats_.requests;
  const CURLcode rc = curl_easy_perform(impl_->curl);

  long connects = 0;
  if (curl_easy_getinfo(impl_->curl, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
    stats_.connections += uint64_t(connects);
  curl_off_t sent = 0;
  if (curl_easy_getinfo(impl_->curl, CURLINFO_SIZE_UPLOAD_T, &sent) == CURLE_OK)
    stats_.bytes_sent += uint64_t(sent);
  stats_.bytes_received += t.response.body.size();

  // The request body and header list die with this call; make sure curl keeps no pointer.
  curl_easy_setopt(impl_->curl, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  curl_easy_setopt(impl_->curl, CURLOPT_POSTFIELDS, static_cast<const char*>(nullptr));

  if (rc != CURLE_OK) impl_->fail(rc, t, host);

  long status = 0;
  curl_easy_getinfo(impl_->curl, CURLINFO_RESPONSE_CODE, &status);
  t.response.status = status;
  return std::move(t.response);
}

}  // namespace euiccd::net
