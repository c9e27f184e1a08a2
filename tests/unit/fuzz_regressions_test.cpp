// Inputs the fuzz targets (fuzz/, docs/fuzzing.md) and the sanitizer build (scripts/sanitize.sh)
// found to break a rule of the engine, each kept here with the rule it broke, so the fix stays.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"
#include "crypto_test_pki.h"
#include "daemon/config.h"
#include "dbus/validate.h"
#include "lpa/crypto/certificate.h"
#include "lpa/es10_download.h"
#include "lpa/es9p_client.h"
#include "lpa/http.h"
#include "lpa/tlv.h"
#include "sdbus/sdbus.h"
#include "test_bytes.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::testing::h;

namespace {

// The outside server: answers every POST with one canned reply.
class CannedServer : public HttpClient {
 public:
  explicit CannedServer(std::string body) : body_(std::move(body)) {}
  HttpResponse post(const HttpRequest&) override {
    return {200, "application/json;charset=UTF-8", "gsma/rsp/v2.2.0", body_};
  }

 private:
  std::string body_;
};

bool printable_ascii(const std::string& text) {
  for (char c : text)
    if (c < 0x20 || c >= 0x7F) return false;
  return true;
}

// A DownloadProfile call as a caller would send it, ready to be read. sd-bus builds messages
// only on a bus that has started; one talking to a socket nobody answers sends nothing.
class OfflineCall {
 public:
  OfflineCall() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return;
    peer_ = fds[1];
    if (sd_bus_new(bus_.put()) < 0 || sd_bus_set_fd(bus_, fds[0], fds[0]) < 0 ||
        sd_bus_start(bus_) < 0)
      return;
    sd_bus_message_new_method_call(bus_, call_.put(), "org.euiccd1", "/org/euiccd1/Euicc/0",
                                   "org.euiccd1.Euicc", "DownloadProfile");
  }
  ~OfflineCall() {
    call_.reset();
    bus_.reset();
    if (peer_ >= 0) close(peer_);
  }
  // (s activation_code, a{sv} options) with one string option.
  sd_bus_message* with_option(const char* code, const char* key, const char* value) {
    if (call_ == nullptr || sd_bus_message_append(call_, "sa{sv}", code, 1, key, "s", value) < 0 ||
        sd_bus_message_seal(call_, 1, 0) < 0 || sd_bus_message_rewind(call_, 1) < 0)
      return nullptr;
    return call_;
  }

 private:
  euiccd::sdbus::BusRef bus_;
  euiccd::sdbus::Message call_;
  int peer_ = -1;
};

// The message of the Error that `f` throws; "" when it throws none.
template <typename F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::InvalidArgument);
    return e.what();
  }
  return {};
}

}  // namespace

// es10_download_fuzz: the pieces of a bound profile package, put back together, are the
// package. A server that wrote A3's length in a longer form (82 00 0B instead of 0B) got it
// re-encoded, so the card was told the BF36 holds 2 bytes more than it then received.
TEST(FuzzRegressions, BppPiecesKeepTheServersLengthForms) {
  const Bytes bpp =
      h("BF36 2F"
        "  BF23 03 800101"
        "  A0 0B 8709 010101010101010101"
        "  A1 0B 8809 020202020202020202"
        "  A3 82000B 8609 030303030303030303");
  const BoundProfilePackageCommands split = split_bound_profile_package(bpp);
  Bytes joined;
  for (const Bytes& piece : split.commands) append(joined, piece);
  EXPECT_EQ(to_hex(joined), to_hex(bpp));
  ASSERT_EQ(split.commands.size(), 6u);
  EXPECT_EQ(to_hex(split.commands[4]), "A382000B");
  EXPECT_EQ(split.profile_segments, 1u);
}

// es9p_fuzz: an SM-DS event whose rspServerAddress carries control characters (here an ANSI
// colour escape) put them into the error text, which goes to logs and D-Bus replies.
TEST(FuzzRegressions, Es11AddressErrorQuotesServerTextPrintably) {
  CannedServer server(
      R"({"header":{"functionExecutionStatus":{"status":"Executed-Success"}},)"
      R"("eventEntries":[{"eventId":"EVT-1","rspServerAddress":"smdp\u001b[31m.example.com\n"}]})");
  Es9pClient client(server, "smds.example.com");
  const Bytes asr = tlv::Builder(0xBF38).add(tlv::Builder(0xA0).add(0x30, Bytes{})).bytes();
  try {
    client.es11_authenticate_client(h("0123456789ABCDEF8899AABBCCDDEEFF"), asr);
    FAIL() << "an invalid event address was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_TRUE(printable_ascii(e.what())) << e.what();
    EXPECT_NE(std::string(e.what()).find("rspServerAddress"), std::string::npos) << e.what();
  }
}

// certificate_fuzz: Certificate::der() promised the bytes as received, but OpenSSL re-encodes
// the signature fields. A signature BIT STRING that claims an unused bit (legal BER, not DER)
// comes back with that bit cleared. The header now says so (forward the server's bytes, not
// der()); this keeps the behaviour it describes: normalised, and stable from then on.
TEST(FuzzRegressions, CertificateDerIsNormalisedNotAsReceived) {
  using namespace euiccd::crypto;
  const Bytes strict =
      euiccd::crypto::testing::make_ci(Curve::NistP256, std::chrono::system_clock::now())
          .cert.der();
  const tlv::Tlv outer = tlv::parse_one(strict);
  const std::vector<tlv::Tlv> parts = outer.children();
  ASSERT_EQ(parts.size(), 3u);
  ASSERT_EQ(parts[2].tag, 0x03u);  // signatureValue BIT STRING
  Bytes lax = strict;
  const size_t unused_bits = static_cast<size_t>(parts[2].value.data() - strict.data());
  lax[unused_bits] = 0x01;
  lax.back() |= 0x01;

  const Certificate cert = Certificate::from_der(lax);
  const Bytes der = cert.der();
  EXPECT_NE(to_hex(der), to_hex(lax));
  EXPECT_EQ(der.size(), lax.size());
  EXPECT_EQ(der.back(), lax.back() & 0xFE);
  EXPECT_EQ(to_hex(Certificate::from_der(der).der()), to_hex(der));
}

// config_fuzz: a comment line longer than inih's 200-byte line buffer was copied into that
// buffer whole (only Key=Value lines were measured), overwriting ini_parse_stream's stack: one
// long comment in euiccd.conf crashed the daemon at start. Comments stay with our reader now,
// and whatever it hands inih is measured in one place.
TEST(FuzzRegressions, LongConfigCommentDoesNotOverrunInihsLineBuffer) {
  const std::string text =
      "[Boot]\n# " + std::string(4000, 'c') + "\n; " + std::string(300, 'c') + "\nFallback=no\n";
  daemon::LoadedConfig loaded;
  daemon::load_config_text(text, "euiccd.conf", loaded);
  EXPECT_TRUE(loaded.diagnostics.empty()) << loaded.diagnostics.front().to_string();
  EXPECT_FALSE(loaded.config.boot.fallback);
}

// dbus_validate_fuzz: refusals quoted the caller's text raw, so an ICCID or a DownloadProfile
// option name holding control characters (an ANSI escape, a newline) put them into the D-Bus
// error and the log, at any length. They are shown as '?' now, and cut after 64 bytes.
TEST(FuzzRegressions, DbusRefusalsQuoteCallerTextPrintably) {
  std::string message = refusal([] { dbus::validate_iccid("8944\x1b[2J\n"); });
  EXPECT_TRUE(printable_ascii(message)) << message;
  EXPECT_NE(message.find("\"8944?[2J?\" is not an ICCID"), std::string::npos) << message;

  message = refusal([] { dbus::validate_iccid(std::string(100000, '8')); });
  EXPECT_LT(message.size(), 200u);
  EXPECT_NE(message.find("..."), std::string::npos) << message;

  OfflineCall call;
  sd_bus_message* m = call.with_option("", "nick\x1b]0;owned\x07name", "x");
  ASSERT_NE(m, nullptr);
  message = refusal([m] { dbus::read_download_request(m); });
  EXPECT_TRUE(printable_ascii(message)) << message;
  EXPECT_NE(message.find("unknown option \"nick?]0;owned?name\""), std::string::npos) << message;
}

// dbus_validate_fuzz: validate_text promises "no control characters" but let the C1 ones
// through (U+0080..U+009F; U+009B is the one-character CSI of terminals), into nicknames on
// the card and texts in the log. Other non-ASCII characters stay allowed.
TEST(FuzzRegressions, DbusTextRefusesC1ControlCharacters) {
  EXPECT_NE(refusal([] {
              dbus::validate_nickname(
                  "Travel\xC2\x9B"
                  "31m");
            }).find("contains a control character"),
            std::string::npos);
  EXPECT_NE(refusal([] { dbus::validate_nickname("\xC2\x85"); }).find("control character"),
            std::string::npos);
  EXPECT_EQ(refusal([] { dbus::validate_nickname("Caf\xC3\xA9 \xC2\xA0\xE2\x9C\x88"); }), "");
}
