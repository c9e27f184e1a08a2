// ES9+ (SM-DP+) and ES11 (SM-DS) replies, through the real Es9pClient (lpa/es9p_client.h): a
// fake HttpClient — our stand-in for the outside server — answers every POST with the fuzz
// input. Input: <function> <HTTP status choice> <content type choice> <body...>.
//
// Each call must return or throw euiccd::Error; what it returns must be what the header
// promises (transaction ids of 1..16 bytes, single TLVs with the expected tags, valid server
// addresses and printable event ids).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/activation_code.h"
#include "lpa/es9p_client.h"
#include "lpa/http.h"
#include "lpa/tlv.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

namespace {

enum Function : uint8_t {
  kInitiateAuthentication,
  kAuthenticateClient,
  kGetBoundProfilePackage,
  kHandleNotification,
  kCancelSession,
  kEs11InitiateAuthentication,
  kEs11AuthenticateClient,
  kCount
};

// The transaction the fake session is in (seeds carry it as their transactionId).
const Bytes& our_transaction() {
  static const Bytes id = from_hex("0123456789ABCDEF8899AABBCCDDEEFF");
  return id;
}

class FuzzedServer : public HttpClient {
 public:
  explicit FuzzedServer(HttpResponse reply) : reply_(std::move(reply)) {}
  HttpResponse post(const HttpRequest&) override { return reply_; }

 private:
  HttpResponse reply_;
};

HttpResponse reply_from(fuzz::Input& in) {
  // Mostly 200 with the JSON type the servers send, so the fuzzer spends its time in the
  // body; the other choices cover the error and empty-reply paths.
  static constexpr long kStatuses[] = {200, 200, 200, 200, 204, 400, 404, 500};
  static constexpr const char* kTypes[] = {"application/json;charset=UTF-8", "application/json",
                                           "APPLICATION/JSON", "", "text/html"};
  HttpResponse r;
  r.status = kStatuses[in.byte() % std::size(kStatuses)];
  r.content_type = kTypes[in.byte() % std::size(kTypes)];
  r.x_admin_protocol = "gsma/rsp/v2.2.0";
  r.body = std::string(fuzz::as_text(in.rest()));
  return r;
}

void check_tlv(ByteView der, tlv::Tag tag) {
  check(tlv::parse_one(der).tag == tag);
}

void check_initiate(const InitiateAuthenticationResult& r) {
  check(!r.transaction_id.empty() && r.transaction_id.size() <= 16);
  check_tlv(r.server_signed1, 0x30);
  check_tlv(r.server_signature1, 0x5F37);
  check_tlv(r.euicc_ci_pkid_to_be_used, 0x04);
  check_tlv(r.server_certificate, 0x30);
}

// What the LPA sends; only its shape matters to the client's own checks.
const Bytes& euicc_info1() {
  static const Bytes b = tlv::Builder(0xBF20)
                             .add(0x82, from_hex("020200"))
                             .add(tlv::Builder(0xA9).add(0x04, Bytes(20, 0x81)))
                             .add(tlv::Builder(0xAA).add(0x04, Bytes(20, 0x81)))
                             .bytes();
  return b;
}
Bytes card_response(tlv::Tag tag) {
  return tlv::Builder(tag).add(tlv::Builder(0xA0).add(0x30, Bytes{})).bytes();
}

void run(Function function, HttpClient& http) {
  Es9pClient client(http, "smdp.example.com:8443");
  const Bytes challenge(16, 0x11);
  const Bytes& txid = our_transaction();
  switch (function) {
    case kInitiateAuthentication:
      check_initiate(client.initiate_authentication(challenge, euicc_info1()));
      break;
    case kAuthenticateClient: {
      const AuthenticateClientResult r = client.authenticate_client(txid, card_response(0xBF38));
      check(r.transaction_id == txid);
      check_tlv(r.profile_metadata, 0xBF25);
      check_tlv(r.smdp_signed2, 0x30);
      check_tlv(r.smdp_signature2, 0x5F37);
      check_tlv(r.smdp_certificate, 0x30);
      break;
    }
    case kGetBoundProfilePackage:
      check_tlv(client.get_bound_profile_package(txid, card_response(0xBF21)), 0xBF36);
      break;
    case kHandleNotification: client.handle_notification(card_response(0xBF37)); break;
    case kCancelSession: client.cancel_session(txid, card_response(0xBF41)); break;
    case kEs11InitiateAuthentication:
      check_initiate(client.es11_initiate_authentication(challenge, euicc_info1()));
      break;
    case kEs11AuthenticateClient:
      for (const Es11EventEntry& e : client.es11_authenticate_client(txid, card_response(0xBF38))) {
        check(!e.event_id.empty());
        try {
          validate_server_address(e.rsp_server_address, "event address");
        } catch (const Error&) {
          fuzz::violated();  // the client let an invalid address through
        }
      }
      break;
    case kCount: break;
  }
  if (client.last_warning()) (void)client.last_warning()->subject_code.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const auto function = static_cast<Function>(in.byte() % kCount);
  FuzzedServer server(reply_from(in));
  try {
    run(function, server);
  } catch (const Error& e) {
    // Server text reaches logs and D-Bus error messages only as printable ASCII (D-Bus needs
    // valid UTF-8, and a log line must not take control characters from a server).
    for (const char* p = e.what(); *p; ++p) check(*p >= 0x20 && *p < 0x7F);
  }
  return 0;
}
