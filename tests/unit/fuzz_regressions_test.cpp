// Inputs the fuzz targets (fuzz/, docs/fuzzing.md) and the sanitizer build (scripts/sanitize.sh)
// found to break a rule of the engine, each kept here with the rule it broke, so the fix stays.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "crypto_test_pki.h"
#include "lpa/crypto/certificate.h"
#include "lpa/error.h"
#include "lpa/es10_download.h"
#include "lpa/es9p_client.h"
#include "lpa/http.h"
#include "lpa/tlv.h"
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
