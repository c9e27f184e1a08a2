// CurlHttpClient against a real TLS server on loopback: a throw-away PKI made here with the
// OpenSSL API, a tiny HTTP/1.1 server in a thread (OpenSSL SSL_accept, keep-alive), and the
// failure modes a real SM-DP+ connection can show: untrusted CA, wrong host name, expired
// certificate, oversized reply, a stalled server, a dropped connection. The same client run in
// the daemon's HTTPS helper process meets the same cases at the end.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "https/helper_client.h"
#include "net/curl_http_client.h"

using namespace euiccd;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

constexpr const char* kHost = "testsmdpplus1.example.com";

// --- a throw-away PKI -------------------------------------------------------------------------

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

Key make_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EC key generation failed");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error(std::string("extension failed: ") + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn`, signed by issuer (self-signed when issuer is null), valid from
// now+not_before to now+not_after seconds.
Cert make_cert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
               long not_before, long not_after, long serial) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* issuer_cert = issuer ? issuer : cert.get();
  add_ext(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  if (ca) {
    add_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), issuer_cert, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), issuer_cert, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), issuer_cert, NID_subject_alt_name, ("DNS:" + cn).c_str());
    add_ext(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0)
    throw std::runtime_error("signing failed");
  return cert;
}

void write_pem(const std::filesystem::path& path, X509* cert) {
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, cert);
  fclose(f);
}

struct Pki {
  std::filesystem::path dir;
  Key ca_key = make_key();
  Cert ca = make_cert("euiccd test CI", ca_key.get(), nullptr, nullptr, true, -3600, 86400, 1);
  Key other_ca_key = make_key();
  Cert other_ca =
      make_cert("someone else's CA", other_ca_key.get(), nullptr, nullptr, true, -3600, 86400, 2);
  Key server_key = make_key();
  Cert server = make_cert(kHost, server_key.get(), ca.get(), ca_key.get(), false, -3600, 86400, 3);
  Cert expired =
      make_cert(kHost, server_key.get(), ca.get(), ca_key.get(), false, -86400 * 30, -86400, 4);

  Pki() {
    char tmpl[] = "/tmp/euiccd-net-test-XXXXXX";
    dir = mkdtemp(tmpl);
    write_pem(dir / "ca.pem", ca.get());
    write_pem(dir / "other-ca.pem", other_ca.get());
  }
  ~Pki() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string ca_file() const { return (dir / "ca.pem").string(); }
  std::string other_ca_file() const { return (dir / "other-ca.pem").string(); }
};

// --- a tiny HTTPS server ----------------------------------------------------------------------

enum class Behaviour {
  Echo,          // 200, application/json, echoes the request body, keep-alive
  Huge,          // 200 with a body of huge_bytes and a Content-Length
  HugeNoLength,  // 200 with a body of huge_bytes, no Content-Length, then close
  Stall,         // reads the request and never answers
  Drop,          // reads the request and closes the connection
};

class TlsServer {
 public:
  TlsServer(X509* cert, EVP_PKEY* key, Behaviour behaviour) : behaviour_(behaviour) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listen_fd_, 8) != 0)
      throw std::runtime_error("cannot listen on loopback");
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
    SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  int handshakes() const { return handshakes_; }
  int requests() const { return requests_; }
  size_t huge_bytes = 2 * 1024 * 1024;

 private:
  Behaviour behaviour_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshakes_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;

  bool wait_readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      const int rc = poll(&p, 1, 20);
      if (rc > 0) return true;
      if (rc < 0) return false;
    }
    return false;
  }

  void run() {
    while (!stop_) {
      if (!wait_readable(listen_fd_)) break;
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval tv{2, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        ++handshakes_;
        serve(ssl, fd);
      }
      SSL_free(ssl);
      close(fd);
    }
  }

  // Reads one request; returns its body, or nullopt when the peer closed or we stop.
  std::optional<std::string> read_request(SSL* ssl, int fd, std::string& buffer) {
    for (;;) {
      const size_t end = buffer.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        std::string head = buffer.substr(0, end);
        for (auto& c : head) c = char(std::tolower(static_cast<unsigned char>(c)));
        const size_t cl = head.find("content-length:");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
        if (buffer.size() >= end + 4 + length) {
          std::string body = buffer.substr(end + 4, length);
          buffer.erase(0, end + 4 + length);
          return body;
        }
      }
      if (SSL_pending(ssl) == 0 && !wait_readable(fd)) return std::nullopt;
      char chunk[16384];
      const int n = SSL_read(ssl, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer.append(chunk, size_t(n));
    }
  }

  bool write_all(SSL* ssl, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const int n =
          SSL_write(ssl, data.data() + done, int(std::min<size_t>(data.size() - done, 16384)));
      if (n <= 0) return false;
      done += size_t(n);
    }
    return true;
  }

  void serve(SSL* ssl, int fd) {
    std::string buffer;
    while (!stop_) {
      const auto body = read_request(ssl, fd, buffer);
      if (!body) return;
      ++requests_;
      switch (behaviour_) {
        case Behaviour::Echo: {
          const std::string reply =
              "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"
              "x-admin-protocol: gsma/rsp/v2.1.0\r\nContent-Length: " +
              std::to_string(body->size()) + "\r\n\r\n" + *body;
          if (!write_all(ssl, reply)) return;
          break;
        }
        case Behaviour::Huge:
          write_all(ssl, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(huge_bytes) + "\r\n\r\n" +
                             std::string(huge_bytes, 'x'));
          return;
        case Behaviour::HugeNoLength:
          write_all(
              ssl,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" +
                  std::string(huge_bytes, 'x'));
          return;
        case Behaviour::Stall:
          while (!stop_) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 20) > 0) {
              char c;
              if (recv(fd, &c, 1, MSG_PEEK) <= 0) return;  // the client gave up
            }
          }
          return;
        case Behaviour::Drop: return;  // closes without a word
      }
    }
  }
};

// --- the tests --------------------------------------------------------------------------------

class CurlClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  Pki pki;

  net::CurlHttpOptions options_for(int port, const std::string& host = kHost) {
    net::CurlHttpOptions o;
    o.ca_files = {pki.ca_file()};
    o.resolve = {host + ":" + std::to_string(port) + ":127.0.0.1"};
    o.connect_timeout = 5s;
    o.total_timeout = 10s;
    o.proxy = "";
    return o;
  }
  static lpa::HttpRequest request_to(int port, const std::string& body,
                                     const std::string& host = kHost) {
    lpa::HttpRequest r;
    r.url = "https://" + host + ":" + std::to_string(port) +
            "/gsma/rsp2/es9plus/initiateAuthentication";
    r.headers = {{"Content-Type", "application/json"}, {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    r.body = body;
    return r;
  }
  template <typename F>
  static Error expect_error(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "no euiccd::Error thrown";
    return Error(Errc::Internal, "none");
  }
};

TEST_F(CurlClient, PostsOverVerifiedTlsAndReusesTheConnection) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
  net::CurlHttpClient client(options_for(server.port()));

  const lpa::HttpResponse first = client.post(request_to(server.port(), R"({"a":1})"));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, R"({"a":1})");
  EXPECT_EQ(first.content_type, "application/json;charset=UTF-8");
  EXPECT_EQ(first.x_admin_protocol, "gsma/rsp/v2.1.0");

  const std::string big(300 * 1024, 'b');  // larger than one TLS record and curl's buffers
  const lpa::HttpResponse second = client.post(request_to(server.port(), big));
  EXPECT_EQ(second.body, big);

  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(server.handshakes(), 1);
  EXPECT_EQ(client.stats().requests, 2u);
  EXPECT_EQ(client.stats().connections, 1u);
  EXPECT_EQ(client.stats().bytes_sent, 7u + big.size());
  EXPECT_EQ(client.stats().bytes_received, 7u + big.size());
}

TEST_F(CurlClient, TrustAnchorsFromADirectory) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
  auto options = options_for(server.port());
  options.ca_files.clear();
  options.ca_dirs = {pki.dir.string()};  // ca.pem and other-ca.pem
  net::CurlHttpClient client(options);
  EXPECT_EQ(client.trust_anchor_count(), 2u);
  EXPECT_EQ(client.post(request_to(server.port(), "{}")).status, 200);
}

TEST_F(CurlClient, UntrustedCaIsRefused) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
  auto options = options_for(server.port());
  options.ca_files = {pki.other_ca_file()};
  net::CurlHttpClient client(options);
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
  EXPECT_EQ(e.code(), Errc::Tls);
  EXPECT_THAT(e.what(), HasSubstr(std::string("certificate of ") + kHost));
  EXPECT_THAT(e.what(), HasSubstr("not trusted"));
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(CurlClient, WrongHostNameIsRefused) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
  const std::string other = "wronghost.example.com";
  net::CurlHttpClient client(options_for(server.port(), other));
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}", other)); });
  EXPECT_EQ(e.code(), Errc::Tls);
  EXPECT_THAT(e.what(), HasSubstr(other));
  EXPECT_THAT(e.what(), HasSubstr("different host name"));
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(CurlClient, ExpiredCertificateIsRefused) {
  TlsServer server(pki.expired.get(), pki.server_key.get(), Behaviour::Echo);
  net::CurlHttpClient client(options_for(server.port()));
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
  EXPECT_EQ(e.code(), Errc::Tls);
  EXPECT_THAT(e.what(), HasSubstr("expired"));
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(CurlClient, OversizedReplyIsRefused) {
  for (Behaviour b : {Behaviour::Huge, Behaviour::HugeNoLength}) {
    TlsServer server(pki.server.get(), pki.server_key.get(), b);
    auto options = options_for(server.port());
    options.max_reply_bytes = 1024 * 1024;
    net::CurlHttpClient client(options);
    const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_THAT(e.what(), HasSubstr("larger than 1048576 bytes"));
  }
}

TEST_F(CurlClient, StalledServerTimesOutWithinTheDeadline) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Stall);
  auto options = options_for(server.port());
  options.total_timeout = 1500ms;
  net::CurlHttpClient client(options);
  const auto start = std::chrono::steady_clock::now();
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.code(), Errc::Timeout);
  EXPECT_GE(elapsed, 1400ms);
  EXPECT_LT(elapsed, 4s);
}

TEST_F(CurlClient, StallDetectionByLowSpeedLimit) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Stall);
  auto options = options_for(server.port());
  options.low_speed_bytes = 1;
  options.low_speed_time = 1s;
  net::CurlHttpClient client(options);
  const auto start = std::chrono::steady_clock::now();
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
  EXPECT_EQ(e.code(), Errc::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(CurlClient, CancelFlagAbortsATransferInProgress) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Stall);
  std::atomic<bool> cancel{false};
  auto options = options_for(server.port());
  options.cancel = &cancel;
  net::CurlHttpClient client(options);
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
  canceller.join();
  EXPECT_EQ(e.code(), Errc::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  // Still raised: the next request does not even start.
  EXPECT_EQ(expect_error([&] { client.post(request_to(server.port(), "{}")); }).code(),
            Errc::Cancelled);
}

TEST_F(CurlClient, DroppedConnectionIsANetworkError) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Drop);
  net::CurlHttpClient client(options_for(server.port()));
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
  EXPECT_EQ(e.code(), Errc::Network);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(CurlClient, RefusedConnectionIsANetworkError) {
  int port = 0;
  {
    TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
    port = server.port();
  }  // closed: nothing listens there now
  net::CurlHttpClient client(options_for(port));
  const Error e = expect_error([&] { client.post(request_to(port, "{}")); });
  EXPECT_EQ(e.code(), Errc::Network);
  EXPECT_THAT(e.what(), HasSubstr(kHost));
}

TEST_F(CurlClient, OnlyHttpsAndCleanHeaders) {
  net::CurlHttpClient client(options_for(1));
  lpa::HttpRequest r = request_to(1, "{}");
  r.url = "http://testsmdpplus1.example.com/x";
  EXPECT_EQ(expect_error([&] { client.post(r); }).code(), Errc::InvalidArgument);
  r = request_to(1, "{}");
  r.headers.push_back({"X-Evil", "a\r\nInjected: yes"});
  EXPECT_EQ(expect_error([&] { client.post(r); }).code(), Errc::InvalidArgument);
}

TEST(CurlTrustAnchors, ConfigurationErrorsAreClear) {
  net::CurlHttpOptions o;
  EXPECT_EQ(
      [&] {
        try {
          net::CurlHttpClient c(o);
        } catch (const Error& e) {
          return e.code();
        }
        return Errc::Internal;
      }(),
      Errc::InvalidArgument);
  o.ca_files = {"/nonexistent/ca.pem"};
  try {
    net::CurlHttpClient c(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/ca.pem"));
  }
  o.ca_files = {"/etc/hostname"};
  try {
    net::CurlHttpClient c(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("holds no PEM certificate"));
  }
}

TEST(CurlTrustAnchors, LoadsTheGsmaCiRoots) {
  net::CurlHttpOptions o;
  o.ca_files = {EUICCD_SOURCE_DIR "/data/ci-certs/gsma-ci-production.pem"};
  if (!std::filesystem::exists(o.ca_files[0])) GTEST_SKIP() << "no shared reference dir";
  net::CurlHttpClient client(o);
  EXPECT_GE(client.trust_anchor_count(), 1u);
}

}  // namespace

// --- the same client in the daemon's HTTPS helper (https/helper_client.h) ---------------------
// The daemon runs CurlHttpClient in euiccd-https: the same TLS refusals, deadlines and errors
// must come out of it, and a cancel must still interrupt a transfer in flight.

class HelperClient : public CurlClient {
 protected:
  https::HelperHttpOptions helper_options_for(int port, const std::string& host = kHost) {
    const net::CurlHttpOptions c = options_for(port, host);
    https::HelperHttpOptions o;
    o.helper_path = EUICCD_HTTPS_HELPER;
    o.config.ca_files = c.ca_files;
    o.config.resolve = c.resolve;
    o.config.connect_timeout_ms = uint64_t(c.connect_timeout.count());
    o.config.total_timeout_ms = uint64_t(c.total_timeout.count());
    o.config.proxy = c.proxy;
    return o;
  }
};

TEST_F(HelperClient, PostsOverVerifiedTlsOnOneConnectionInOneHelper) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
  https::HelperHttpClient client(helper_options_for(server.port()));
  const lpa::HttpResponse first = client.post(request_to(server.port(), R"({"a":1})"));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, R"({"a":1})");
  EXPECT_EQ(first.content_type, "application/json;charset=UTF-8");
  EXPECT_EQ(first.x_admin_protocol, "gsma/rsp/v2.1.0");
  const std::string big(300 * 1024, 'b');
  EXPECT_EQ(client.post(request_to(server.port(), big)).body, big);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(server.handshakes(), 1);
  EXPECT_EQ(client.helpers_started(), 1u);
}

TEST_F(HelperClient, TlsRefusalsAreTheSameNamedErrors) {
  {
    TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
    auto o = helper_options_for(server.port());
    o.config.ca_files = {pki.other_ca_file()};
    https::HelperHttpClient client(o);
    const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
    EXPECT_EQ(e.code(), Errc::Tls);
    EXPECT_THAT(e.what(), HasSubstr(std::string("certificate of ") + kHost));
    EXPECT_THAT(e.what(), HasSubstr("not trusted"));
  }
  {
    TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
    const std::string other = "wronghost.example.com";
    https::HelperHttpClient client(helper_options_for(server.port(), other));
    const Error e = expect_error([&] { client.post(request_to(server.port(), "{}", other)); });
    EXPECT_EQ(e.code(), Errc::Tls);
    EXPECT_THAT(e.what(), HasSubstr("different host name"));
  }
  {
    TlsServer server(pki.expired.get(), pki.server_key.get(), Behaviour::Echo);
    https::HelperHttpClient client(helper_options_for(server.port()));
    const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
    EXPECT_EQ(e.code(), Errc::Tls);
    EXPECT_THAT(e.what(), HasSubstr("expired"));
  }
}

TEST_F(HelperClient, NetworkTimeoutAndSizeErrorsAreTheSame) {
  {
    int port = 0;
    {
      TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Echo);
      port = server.port();
    }
    https::HelperHttpClient client(helper_options_for(port));
    const Error e = expect_error([&] { client.post(request_to(port, "{}")); });
    EXPECT_EQ(e.code(), Errc::Network);
    EXPECT_THAT(e.what(), HasSubstr(kHost));
  }
  {
    TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Stall);
    auto o = helper_options_for(server.port());
    o.config.total_timeout_ms = 1500;
    https::HelperHttpClient client(o);
    const auto start = std::chrono::steady_clock::now();
    const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
    EXPECT_EQ(e.code(), Errc::Timeout);  // the helper's curl says so, before the grace ends
    EXPECT_THAT(e.what(), HasSubstr("no complete reply from"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  }
  {
    TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Huge);
    auto o = helper_options_for(server.port());
    o.config.max_reply_bytes = 1024 * 1024;
    https::HelperHttpClient client(o);
    const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_THAT(e.what(), HasSubstr("larger than 1048576 bytes"));
  }
}

TEST_F(HelperClient, CancelFlagAbortsATransferInProgress) {
  TlsServer server(pki.server.get(), pki.server_key.get(), Behaviour::Stall);
  std::atomic<bool> cancel{false};
  auto o = helper_options_for(server.port());
  o.cancel = &cancel;
  https::HelperHttpClient client(o);
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  const Error e = expect_error([&] { client.post(request_to(server.port(), "{}")); });
  canceller.join();
  EXPECT_EQ(e.code(), Errc::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(client.helper_pid(), -1);
  // Still raised: the next request starts no helper at all.
  EXPECT_EQ(expect_error([&] { client.post(request_to(server.port(), "{}")); }).code(),
            Errc::Cancelled);
  EXPECT_EQ(client.helpers_started(), 1u);
}
