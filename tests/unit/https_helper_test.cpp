// The daemon side of the HTTPS helper: the message framing (round trips, and every way a
// message can be broken), and HelperHttpClient against helpers that misbehave — one that writes
// garbage, one that crashes, one that exits, one that never answers (cancel, deadline) — each a
// clear named error, never a hang. The real helper against a TLS server is in net_curl_test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/error.h"
#include "https/helper_client.h"
#include "https/wire.h"

using namespace euiccd;
using namespace euiccd::https;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no euiccd::Error thrown";
  return Error(Errc::Internal, "none");
}

std::string payload_of(const std::string& frame) {
  EXPECT_EQ(frame_length(frame), frame.size() - kFrameHeaderBytes);
  return frame.substr(kFrameHeaderBytes);
}

TEST(HttpsWire, EveryMessageRoundTrips) {
  Config c;
  c.ca_files = {"/a.pem", "/b.pem"};
  c.ca_dirs = {"/usr/share/euiccd/ci-certs"};
  c.resolve = {"smdp.example.com:443:127.0.0.1"};
  c.connect_timeout_ms = 1234;
  c.total_timeout_ms = 56789;
  c.max_reply_bytes = 4096;
  c.proxy = "";
  Message m = decode_payload(payload_of(encode_config(c)));
  ASSERT_EQ(m.kind, Kind::Config);
  EXPECT_EQ(m.config.ca_files, c.ca_files);
  EXPECT_EQ(m.config.ca_dirs, c.ca_dirs);
  EXPECT_EQ(m.config.resolve, c.resolve);
  EXPECT_EQ(m.config.connect_timeout_ms, 1234u);
  EXPECT_EQ(m.config.total_timeout_ms, 56789u);
  EXPECT_EQ(m.config.max_reply_bytes, 4096u);
  EXPECT_EQ(m.config.proxy, std::optional<std::string>(""));
  c.proxy.reset();
  EXPECT_FALSE(decode_payload(payload_of(encode_config(c))).config.proxy);

  lpa::HttpRequest r{
      "https://smdp.example.com/gsma/rsp2/es9plus/initiateAuthentication",
      {{"Content-Type", "application/json"}, {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}},
      std::string("{\"a\":\0}", 7)};
  m = decode_payload(payload_of(encode_request(r)));
  ASSERT_EQ(m.kind, Kind::Request);
  EXPECT_EQ(m.request.url, r.url);
  EXPECT_EQ(m.request.headers, r.headers);
  EXPECT_EQ(m.request.body, r.body);

  lpa::HttpResponse reply{204, "application/json", "gsma/rsp/v2.1.0", std::string(70000, 'x')};
  m = decode_payload(payload_of(encode_reply(reply)));
  ASSERT_EQ(m.kind, Kind::Reply);
  EXPECT_EQ(m.response.status, 204);
  EXPECT_EQ(m.response.content_type, reply.content_type);
  EXPECT_EQ(m.response.x_admin_protocol, reply.x_admin_protocol);
  EXPECT_EQ(m.response.body, reply.body);

  m = decode_payload(payload_of(encode_failure({Errc::Tls, "certificate of x is not trusted"})));
  ASSERT_EQ(m.kind, Kind::Failure);
  EXPECT_EQ(m.failure.code, Errc::Tls);
  EXPECT_EQ(m.failure.message, "certificate of x is not trusted");

  const auto two = decode_frames(encode_failure({Errc::Timeout, "t"}) + encode_reply(reply));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].failure.code, Errc::Timeout);
  EXPECT_EQ(two[1].response.body, reply.body);
}

TEST(HttpsWire, BrokenMessagesAreMalformed) {
  const std::string reply = payload_of(encode_reply({200, "a", "b", "body"}));
  const auto broken = [](const std::string& payload) {
    return error_of([&] { decode_payload(payload); });
  };
  for (const std::string& bad : {std::string(), std::string("\x09"), reply.substr(0, 12),
                                 reply.substr(0, reply.size() - 1), reply + "x"}) {
    const Error e = broken(bad);
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_THAT(e.what(), HasSubstr("HTTPS helper sent a malformed message"));
  }
  EXPECT_THAT(broken(std::string("\x09", 1)).what(), HasSubstr("unknown message kind 9"));
  EXPECT_THAT(broken(reply + "x").what(), HasSubstr("1 bytes left over"));
  // An error code that does not exist.
  std::string failure = payload_of(encode_failure({Errc::Tls, "m"}));
  failure.replace(failure.find("Tls"), 3, "Xyz");
  EXPECT_THAT(broken(failure).what(), HasSubstr("unknown error code \"Xyz\""));
  // A status outside HTTP's.
  std::string status = reply;
  status[1] = '\x7f';
  EXPECT_THAT(broken(status).what(), HasSubstr("HTTP status"));
  // A list count far beyond the bytes that follow.
  std::string config = payload_of(encode_config({}));
  config[1] = '\x7f';
  EXPECT_THAT(broken(config).what(), HasSubstr("items in a short message"));
  // Frame headers: empty, oversized, cut short.
  EXPECT_THAT(error_of([] { frame_length(std::string(4, '\0')); }).what(),
              HasSubstr("an empty frame"));
  EXPECT_THAT(error_of([] { frame_length("\x7f\xff\xff\xff"); }).what(), HasSubstr("at most"));
  EXPECT_THAT(error_of([] { frame_length("\x01"); }).what(), HasSubstr("cut short"));
  EXPECT_THAT(error_of([&] {
                decode_frames(encode_reply({200, "", "", "abc"}).substr(0, 9));
              }).what(),
              HasSubstr("cut short"));
}

// --- the client against helpers that misbehave -------------------------------------------------

// A directory for the test's helper scripts, removed afterwards.
struct ScriptDir {
  ScriptDir() {
    char tmpl[] = "/tmp/euiccd-https-test.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~ScriptDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

class HelperClient : public ::testing::Test {
 protected:
  ScriptDir dir;

  // A helper made of a shell script (fd 3 is its socket to the client).
  std::string script(const std::string& name, const std::string& body) {
    const std::string path = dir.file(name);
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    return path;
  }
  static HelperHttpOptions options_for(const std::string& helper) {
    HelperHttpOptions o;
    o.helper_path = helper;
    o.config.total_timeout_ms = 10'000;
    return o;
  }
  static lpa::HttpRequest request() {
    return {"https://smdp.example.com:8443/gsma/rsp2/es9plus/initiateAuthentication",
            {{"Content-Type", "application/json"}},
            "{}"};
  }
};

TEST_F(HelperClient, GarbageFromTheHelperIsMalformedAndTheHelperIsKilled) {
  HelperHttpClient client(options_for(script("garbage", "printf 'GARBAGE!' >&3\nexec sleep 30")));
  const auto start = std::chrono::steady_clock::now();
  const Error e = error_of([&] { client.post(request()); });
  EXPECT_EQ(e.code(), Errc::Malformed);
  EXPECT_THAT(e.what(), HasSubstr("HTTPS helper sent a malformed message"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(client.helper_pid(), -1);
}

TEST_F(HelperClient, AWellFramedButBrokenMessageIsMalformed) {
  // A frame of 3 bytes holding an unknown kind.
  HelperHttpClient client(
      options_for(script("badkind", "printf '\\000\\000\\000\\003\\011ab' >&3\nexec sleep 30")));
  EXPECT_THAT(error_of([&] { client.post(request()); }).what(),
              HasSubstr("unknown message kind 9"));
}

TEST_F(HelperClient, AHelperThatCrashesIsANamedErrorWithItsSignal) {
  HelperHttpClient client(options_for(script("crash", "kill -SEGV $$")));
  const Error e = error_of([&] { client.post(request()); });
  EXPECT_EQ(e.code(), Errc::Internal);
  EXPECT_THAT(e.what(), HasSubstr("HTTPS helper for smdp.example.com:8443"));
  EXPECT_THAT(e.what(), HasSubstr("killed by signal 11 (SIGSEGV) before it replied"));
}

TEST_F(HelperClient, AHelperThatExitsHalfwayIsANamedErrorWithItsStatus) {
  // Half a frame header, then gone.
  HelperHttpClient client(options_for(script("exit", "printf '\\000\\000' >&3\nexit 7")));
  const Error e = error_of([&] { client.post(request()); });
  EXPECT_EQ(e.code(), Errc::Internal);
  EXPECT_THAT(e.what(), HasSubstr("exited with status 7"));
  // The next request starts a new helper (which fails the same way).
  EXPECT_THAT(error_of([&] { client.post(request()); }).what(), HasSubstr("status 7"));
  EXPECT_EQ(client.helpers_started(), 2u);
}

TEST_F(HelperClient, AMissingHelperIsANamedError) {
  HelperHttpClient client(options_for(dir.file("no-such-helper")));
  const Error e = error_of([&] { client.post(request()); });
  EXPECT_EQ(e.code(), Errc::Internal);
  EXPECT_THAT(e.what(), HasSubstr("no-such-helper"));
}

TEST_F(HelperClient, CancelKillsASilentHelperPromptly) {
  std::atomic<bool> cancel{false};
  auto o = options_for(script("silent", "exec sleep 30"));
  o.cancel = &cancel;
  HelperHttpClient client(o);
  pid_t pid = -1;
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    pid = client.helper_pid();
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  const Error e = error_of([&] { client.post(request()); });
  canceller.join();
  EXPECT_EQ(e.code(), Errc::Cancelled);
  EXPECT_EQ(std::string(e.what()), "request to smdp.example.com:8443 cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_GT(pid, 0);
  EXPECT_NE(kill(pid, 0), 0) << "the helper still runs";
  EXPECT_EQ(client.helper_pid(), -1);
  // Still raised: the next request starts no helper at all.
  EXPECT_EQ(error_of([&] { client.post(request()); }).code(), Errc::Cancelled);
  EXPECT_EQ(client.helpers_started(), 1u);
}

TEST_F(HelperClient, ASilentHelperMissesItsDeadline) {
  auto o = options_for(script("silent", "exec sleep 30"));
  o.config.total_timeout_ms = 300;
  o.grace = 200ms;
  HelperHttpClient client(o);
  const auto start = std::chrono::steady_clock::now();
  const Error e = error_of([&] { client.post(request()); });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.code(), Errc::Timeout);
  EXPECT_THAT(e.what(), HasSubstr("no complete reply from smdp.example.com:8443 in time"));
  EXPECT_GE(elapsed, 450ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_EQ(client.helper_pid(), -1);
}

TEST_F(HelperClient, TheRealHelperSendsTheClientsErrorsBack) {
  // No server needed: the helper's libcurl client refuses these before connecting, and its
  // Error comes back with code and message intact, on the same helper.
  auto o = options_for(EUICCD_HTTPS_HELPER);
  o.config.ca_files = {EUICCD_SOURCE_DIR "/data/ci-certs/gsma-ci-production.pem"};
  HelperHttpClient client(o);
  lpa::HttpRequest r = request();
  r.url = "http://smdp.example.com/x";
  Error e = error_of([&] { client.post(r); });
  EXPECT_EQ(e.code(), Errc::InvalidArgument);
  EXPECT_EQ(std::string(e.what()), "only https:// URLs are allowed, not http://smdp.example.com/x");
  r = request();
  r.headers.push_back({"X-Evil", "a\r\nInjected: yes"});
  EXPECT_EQ(error_of([&] { client.post(r); }).code(), Errc::InvalidArgument);
  EXPECT_EQ(client.helpers_started(), 1u);
  EXPECT_GT(client.helper_pid(), 0);

  // A trust anchor that cannot be loaded: the helper's client says which, at the first request.
  o.config.ca_files = {dir.file("missing.pem")};
  HelperHttpClient bad(o);
  e = error_of([&] { bad.post(request()); });
  EXPECT_EQ(e.code(), Errc::InvalidArgument);
  EXPECT_THAT(e.what(), HasSubstr("missing.pem"));
}

}  // namespace
