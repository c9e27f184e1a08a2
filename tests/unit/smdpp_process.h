// The test SM-DP+/SM-DS (tests/smdpp/smdpp.py, Debian's /usr/bin/python3) as a real HTTPS
// server process for C++ tests, with its plain-HTTP control API (state, reset, sabotage) and
// the curl options that reach it under its certificate's name with the test CI as the only
// trust anchor. Header-only: unit tests link no support library; the download integration test
// uses it too.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lpa/http.h"
#include "net/curl_http_client.h"

extern char** environ;

namespace euiccd::smdpp_test {

using json = nlohmann::json;
using namespace std::chrono_literals;

inline constexpr char kSmdpHost[] = "testsmdpplus1.example.com";
inline constexpr char kSmdsHost[] = "testsmds.example.com";
inline constexpr char kPython[] = "/usr/bin/python3";

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The card and server test PKI (both scripts, ~5 s of openssl runs), made once and shared by
// every process of a test binary: ctest runs each test case as its own process. It lives in
// $TMPDIR/euiccd-smdpp-pki-<uid>-<hash of the scripts>-<month>, built in a private folder and
// renamed into place, so concurrent test processes never see half a PKI.
inline std::string shared_test_pki() {
  static const std::string dir = [] {
    const std::string scripts = read_text(EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh") +
                                read_text(EUICCD_SOURCE_DIR "/tests/pki/make-server-pki.sh");
    const auto month = std::chrono::duration_cast<std::chrono::hours>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() /
                       (24 * 30);
    char name[96];
    std::snprintf(name, sizeof name, "euiccd-smdpp-pki-%u-%zx-%lld",
                  static_cast<unsigned>(getuid()), std::hash<std::string>{}(scripts),
                  static_cast<long long>(month));
    const std::string path = (std::filesystem::temp_directory_path() / name).string();
    if (std::filesystem::exists(path + "/dppb.pem")) return path;
    std::string tmpl = path + ".XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + path);
    const std::string cmd = "sh " EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh " + tmpl +
                            " >/dev/null 2>&1 && sh " EUICCD_SOURCE_DIR
                            "/tests/pki/make-server-pki.sh " +
                            tmpl + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      std::filesystem::remove_all(tmpl);
      throw std::runtime_error("tests/pki scripts failed");
    }
    if (std::rename(tmpl.c_str(), path.c_str()) != 0) {
      // Another process was first: use its PKI (complete, as it was renamed whole).
      std::filesystem::remove_all(tmpl);
      if (!std::filesystem::exists(path + "/dppb.pem"))
        throw std::runtime_error("no complete test PKI at " + path);
    }
    return path;
  }();
  return dir;
}

// A TCP port on 127.0.0.1 that nobody listens on right now.
inline uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("no free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// One HTTP/1.1 request to 127.0.0.1:port with Connection: close; returns {status, body}.
inline std::pair<int, std::string> plain_http(uint16_t port, const std::string& method,
                                              const std::string& path,
                                              const std::string& body = {}) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval tv{10, 0};  // every wait has a deadline
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("cannot reach the control port " + std::to_string(port));
  }
  const std::string request = method + " " + path +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                              "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[16384];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const size_t head_end = reply.find("\r\n\r\n");
  if (reply.size() < 12 || head_end == std::string::npos)
    throw std::runtime_error("no HTTP reply from the control port: " + reply);
  return {std::stoi(reply.substr(9, 3)), reply.substr(head_end + 4)};
}

// The server's configuration pieces for the PKI made by the two scripts.
inline json smdp_config(const std::string& address, json orders) {
  return {{"role", "smdp"},
          {"address", address},
          {"tls", {{"cert", "dptls-chain.pem"}, {"key", "dptls.key"}}},
          {"auth", {{"cert", "dpauth.pem"}, {"key", "dpauth.key"}}},
          {"pb", {{"cert", "dppb.pem"}, {"key", "dppb.key"}}},
          {"wrongAuth", {{"cert", "dpauth-untrusted.pem"}, {"key", "dpauth-untrusted.key"}}},
          {"trustedCi", {"ci.pem"}},
          {"orders", std::move(orders)}};
}

inline json smds_config(const std::string& address, json events) {
  return {{"role", "smds"},
          {"address", address},
          {"tls", {{"cert", "dstls-chain.pem"}, {"key", "dstls.key"}}},
          {"auth", {{"cert", "dsauth.pem"}, {"key", "dsauth.key"}}},
          {"trustedCi", {"ci.pem"}},
          {"events", std::move(events)}};
}

// A generated order: a profile of `size` bytes with this ICCID.
inline json order(const std::string& matching_id, const std::string& iccid, int size = 5000) {
  return {{"matchingId", matching_id},
          {"profile", {{"generate", {{"iccid", iccid}, {"size", size}}}}},
          {"metadata",
           {{"iccid", iccid},
            {"serviceProviderName", "Test Telecom"},
            {"profileName", "Profile " + matching_id},
            {"profileOwner", {{"mccMnc", "20606"}}}}}};
}

class Server {
 public:
  // Starts smdpp.py with `config` (its "address" gets ":<port>" appended: the SM-DP+ compares
  // smdpAddress with it, and the LPA sends host:port). Relative paths in the config resolve in
  // `pki_dir`; the log goes to `log_path`.
  Server(const std::string& pki_dir, json config, const std::string& log_path,
         std::vector<std::string> extra_args = {})
      : log_path_(log_path) {
    const std::string host = config["address"].get<std::string>();
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = free_port();
      address_ = host + ":" + std::to_string(port_);
      config["address"] = address_;
      if (start(pki_dir, config, extra_args)) return;
    }
    throw std::runtime_error("smdpp did not start; log:\n" + log());
  }
  ~Server() { stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }  // host:port, as the LPA uses it
  std::string host() const { return address_.substr(0, address_.find(':')); }
  // curl --resolve entry reaching this server on loopback under its certificate's name.
  std::string resolve_entry() const { return address_ + ":127.0.0.1"; }

  json state() const { return control("GET", "/state"); }
  void reset() const { control("POST", "/reset"); }
  void sabotage(const json& spec) const { control("POST", "/sabotage", spec.dump()); }
  void clear_sabotage() const { control("POST", "/clear-sabotage"); }
  void add_order(const json& spec) const { control("POST", "/order", spec.dump()); }
  void add_event(const json& spec) const { control("POST", "/event", spec.dump()); }

  std::string log() const { return read_text(log_path_); }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
  }

 private:
  bool start(const std::string& pki_dir, const json& config,
             const std::vector<std::string>& extra_args) {
    const std::string config_path = log_path_ + ".config.json";
    const std::string ready = log_path_ + ".ready";
    std::filesystem::remove(ready);
    std::ofstream(config_path) << config.dump(2);
    std::vector<std::string> argv = {kPython,          EUICCD_SOURCE_DIR "/tests/smdpp/smdpp.py",
                                     "--config",       config_path,
                                     "--pki-dir",      pki_dir,
                                     "--port",         std::to_string(port_),
                                     "--control-port", "0",
                                     "--ready-file",   ready,
                                     "--verbose"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
    const int rc = posix_spawn(&pid_, kPython, &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(log_fd);
    if (rc != 0) throw std::runtime_error("cannot run /usr/bin/python3");

    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!std::filesystem::exists(ready)) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited (e.g. the port was taken)
        pid_ = -1;
        return false;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        return false;
      }
      std::this_thread::sleep_for(20ms);
    }
    json info;
    std::ifstream(ready) >> info;
    control_port_ = info["controlPort"].get<uint16_t>();
    return true;
  }

  json control(const std::string& method, const std::string& path,
               const std::string& body = {}) const {
    const auto [status, reply] = plain_http(control_port_, method, path, body);
    if (status != 200)
      throw std::runtime_error(method + " " + path + " → " + std::to_string(status) + " " + reply);
    return reply.empty() ? json() : json::parse(reply);
  }

  std::string log_path_;
  uint16_t port_ = 0;
  uint16_t control_port_ = 0;
  std::string address_;
  pid_t pid_ = -1;
};

// An HttpClient that passes every call to a real CurlHttpClient, remembers the transaction id
// the server gave, and lets a test change a reply on its way back.
using ReplyEdit = std::function<void(const lpa::HttpRequest&, lpa::HttpResponse&)>;
struct Traffic {
  std::vector<std::string> functions;
  std::string transaction_id;
};

class ObservedHttp : public lpa::HttpClient {
 public:
  ObservedHttp(std::unique_ptr<lpa::HttpClient> inner, ReplyEdit edit, Traffic& traffic)
      : inner_(std::move(inner)), edit_(std::move(edit)), traffic_(traffic) {}
  lpa::HttpResponse post(const lpa::HttpRequest& request) override {
    lpa::HttpResponse response = inner_->post(request);
    const std::string function = request.url.substr(request.url.rfind('/') + 1);
    traffic_.functions.push_back(function);
    if (function == "initiateAuthentication" && response.status == 200) {
      const json reply = json::parse(response.body, nullptr, false);
      if (reply.is_object() && reply.contains("transactionId"))
        traffic_.transaction_id = reply["transactionId"].get<std::string>();
    }
    if (edit_) edit_(request, response);
    return response;
  }

 private:
  std::unique_ptr<lpa::HttpClient> inner_;
  ReplyEdit edit_;
  Traffic& traffic_;
};

// CurlHttpClient options for the test servers: the test CI as the only trust anchor, the
// servers' names resolved to loopback, deadlines short enough for stall tests.
inline net::CurlHttpOptions curl_options(const std::string& pki_dir,
                                         std::vector<std::string> resolve,
                                         std::chrono::milliseconds total_timeout = 20s) {
  net::CurlHttpOptions o;
  o.ca_files = {pki_dir + "/ci.pem"};
  o.resolve = std::move(resolve);
  o.connect_timeout = 5s;
  o.total_timeout = total_timeout;
  o.low_speed_time = std::chrono::duration_cast<std::chrono::seconds>(total_timeout);
  o.proxy = "";
  return o;
}

}  // namespace euiccd::smdpp_test
