// Es9pClient against a scripted HttpClient: the HTTP layer is the boundary of this unit (the
// real curl client has its own loopback test), so this fake records the requests and plays
// back canned server replies.
#include "lpa/es9p_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "lpa/es9p_base64.h"
#include "lpa/tlv.h"

using namespace euiccd;
using namespace euiccd::lpa;
using nlohmann::json;
using ::testing::HasSubstr;

namespace {

class ScriptedHttp : public HttpClient {
 public:
  std::vector<HttpRequest> requests;
  std::deque<HttpResponse> replies;

  HttpResponse post(const HttpRequest& request) override {
    requests.push_back(request);
    if (replies.empty()) throw Error(Errc::Internal, "test: no reply scripted");
    HttpResponse r = replies.front();
    replies.pop_front();
    return r;
  }
  void reply_json(const json& body, long status = 200,
                  std::string content_type = "application/json;charset=UTF-8") {
    replies.push_back({status, std::move(content_type), "gsma/rsp/v2.2.0", body.dump()});
  }
};

json success_header() {
  return {{"functionExecutionStatus", {{"status", "Executed-Success"}}}};
}
json failed_header(const char* subject, const char* reason, const char* message = nullptr) {
  json data = {{"subjectCode", subject}, {"reasonCode", reason}};
  if (message) data["message"] = message;
  return {{"functionExecutionStatus", {{"status", "Failed"}, {"statusCodeData", data}}}};
}

std::string b64(const Bytes& b) {
  return base64_encode(b);
}

const Bytes kChallenge = from_hex("000102030405060708090A0B0C0D0E0F");
const Bytes kInfo1 = from_hex("BF2003820102");
const Bytes kTransactionId = from_hex("0123456789ABCDEF8899AABBCCDDEEFF");

// Plausible stand-ins for the server's signed data: right outer tags, arbitrary content.
const Bytes kServerSigned1 = tlv::Builder(0x30).add(0x80, kTransactionId).bytes();
const Bytes kSignature = tlv::encode(0x5F37, Bytes(64, 0x5A));
const Bytes kPkid = tlv::encode(0x04, Bytes(20, 0x81));
const Bytes kCertificate = tlv::Builder(0x30).add(tlv::Builder(0x30).add(0x02, Bytes{1})).bytes();
const Bytes kMetadata = tlv::Builder(0xBF25).add(0x5A, Bytes(10, 0x98)).bytes();
const Bytes kSmdpSigned2 = tlv::Builder(0x30).add(0x80, kTransactionId).bytes();

json initiate_ok_reply() {
  return {{"header", success_header()},
          {"transactionId", "0123456789abcdef8899AABBCCDDEEFF"},  // case must not matter
          {"serverSigned1", b64(kServerSigned1)},
          {"serverSignature1", b64(kSignature)},
          {"euiccCiPKIdToBeUsed", b64(kPkid)},
          {"serverCertificate", b64(kCertificate)}};
}

json authenticate_ok_reply() {
  return {
      {"header", success_header()},        {"transactionId", "0123456789ABCDEF8899AABBCCDDEEFF"},
      {"profileMetadata", b64(kMetadata)}, {"smdpSigned2", b64(kSmdpSigned2)},
      {"smdpSignature2", b64(kSignature)}, {"smdpCertificate", b64(kCertificate)}};
}

std::string header_value(const HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "<absent>";
}

template <typename F>
Error expect_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no euiccd::Error thrown";
  return Error(Errc::Internal, "none");
}

TEST(Es9pClient, InitiateAuthenticationRequestAndReply) {
  ScriptedHttp http;
  http.reply_json(initiate_ok_reply());
  Es9pClient client(http, "smdp.example.com");
  const InitiateAuthenticationResult r = client.initiate_authentication(kChallenge, kInfo1);

  ASSERT_EQ(http.requests.size(), 1u);
  const HttpRequest& req = http.requests[0];
  EXPECT_EQ(req.url, "https://smdp.example.com/gsma/rsp2/es9plus/initiateAuthentication");
  EXPECT_EQ(header_value(req, "Content-Type"), "application/json");
  EXPECT_EQ(header_value(req, "X-Admin-Protocol"), "gsma/rsp/v2.2.0");
  EXPECT_EQ(header_value(req, "User-Agent"), "gsma-rsp-lpad");
  const json body = json::parse(req.body);
  EXPECT_EQ(body, (json{{"euiccChallenge", "AAECAwQFBgcICQoLDA0ODw=="},
                        {"euiccInfo1", "vyADggEC"},
                        {"smdpAddress", "smdp.example.com"}}));

  EXPECT_EQ(r.transaction_id, kTransactionId);
  EXPECT_EQ(r.server_signed1, kServerSigned1);
  EXPECT_EQ(r.server_signature1, kSignature);
  EXPECT_EQ(r.euicc_ci_pkid_to_be_used, kPkid);
  EXPECT_EQ(r.server_certificate, kCertificate);
  EXPECT_FALSE(client.last_warning().has_value());
}

TEST(Es9pClient, PortAndProtocolVersionAreUsed) {
  ScriptedHttp http;
  http.reply_json(initiate_ok_reply());
  Es9pOptions options;
  options.admin_protocol = "gsma/rsp/v2.5.0";
  Es9pClient client(http, "testsmdpplus1.example.com:8443", options);
  client.initiate_authentication(kChallenge, kInfo1);
  EXPECT_EQ(http.requests[0].url,
            "https://testsmdpplus1.example.com:8443/gsma/rsp2/es9plus/initiateAuthentication");
  EXPECT_EQ(header_value(http.requests[0], "X-Admin-Protocol"), "gsma/rsp/v2.5.0");
  EXPECT_EQ(json::parse(http.requests[0].body)["smdpAddress"], "testsmdpplus1.example.com:8443");
}

TEST(Es9pClient, AuthenticateClient) {
  ScriptedHttp http;
  http.reply_json(authenticate_ok_reply());
  Es9pClient client(http, "smdp.example.com");
  const AuthenticateClientResult r =
      client.authenticate_client(kTransactionId, from_hex("BF3803800101"));
  const HttpRequest& req = http.requests.at(0);
  EXPECT_EQ(req.url, "https://smdp.example.com/gsma/rsp2/es9plus/authenticateClient");
  EXPECT_EQ(json::parse(req.body), (json{{"transactionId", "0123456789ABCDEF8899AABBCCDDEEFF"},
                                         {"authenticateServerResponse", "vzgDgAEB"}}));
  EXPECT_EQ(r.transaction_id, kTransactionId);
  EXPECT_EQ(r.profile_metadata, kMetadata);
  EXPECT_EQ(r.smdp_signed2, kSmdpSigned2);
  EXPECT_EQ(r.smdp_signature2, kSignature);
  EXPECT_EQ(r.smdp_certificate, kCertificate);
}

TEST(Es9pClient, GetBoundProfilePackage) {
  ScriptedHttp http;
  const Bytes bpp = from_hex("BF36038001AA");
  http.reply_json({{"header", success_header()},
                   {"transactionId", "0123456789ABCDEF8899AABBCCDDEEFF"},
                   {"boundProfilePackage", "vzYD\ngAGq\r\n"}});  // line breaks are skipped
  Es9pClient client(http, "smdp.example.com");
  EXPECT_EQ(client.get_bound_profile_package(kTransactionId, from_hex("BF2103800101")), bpp);
  EXPECT_EQ(http.requests[0].url,
            "https://smdp.example.com/gsma/rsp2/es9plus/getBoundProfilePackage");
  EXPECT_EQ(json::parse(http.requests[0].body),
            (json{{"transactionId", "0123456789ABCDEF8899AABBCCDDEEFF"},
                  {"prepareDownloadResponse", "vyEDgAEB"}}));
}

TEST(Es9pClient, HandleNotificationSucceedsOn204WithoutBody) {
  ScriptedHttp http;
  http.replies.push_back({204, "", "", ""});
  Es9pClient client(http, "smdp.example.com");
  client.handle_notification(from_hex("BF3703800101"));
  EXPECT_EQ(http.requests[0].url, "https://smdp.example.com/gsma/rsp2/es9plus/handleNotification");
  EXPECT_EQ(json::parse(http.requests[0].body), (json{{"pendingNotification", "vzcDgAEB"}}));

  // A notification must be a complete BF37 or 30 TLV; anything else is the caller's bug.
  EXPECT_EQ(expect_error([&] { client.handle_notification(from_hex("BF4103800101")); }).code(),
            Errc::InvalidArgument);
  EXPECT_EQ(http.requests.size(), 1u);
}

TEST(Es9pClient, HandleNotificationAcceptsOtherSuccessShapes) {
  ScriptedHttp http;
  http.replies.push_back({200, "", "", ""});
  http.reply_json({{"header", success_header()}});
  http.reply_json({{"header", failed_header("8.10.1", "3.9")}});
  Es9pClient client(http, "smdp.example.com");
  EXPECT_NO_THROW(client.handle_notification(from_hex("BF3703800101")));
  EXPECT_NO_THROW(client.handle_notification(from_hex("3003800101")));
  EXPECT_EQ(expect_error([&] { client.handle_notification(from_hex("BF3703800101")); }).code(),
            Errc::ServerError);
  EXPECT_EQ(json::parse(http.requests[1].body)["pendingNotification"], "MAOAAQE=");
}

TEST(Es9pClient, HandleNotificationServerErrorIsReported) {
  ScriptedHttp http;
  http.replies.push_back({500, "text/html", "", "<html>oops</html>"});
  Es9pClient client(http, "smdp.example.com");
  const Error e = expect_error([&] { client.handle_notification(from_hex("BF3703800101")); });
  EXPECT_EQ(e.code(), Errc::ServerError);
  EXPECT_THAT(e.what(), HasSubstr("handleNotification"));
  EXPECT_THAT(e.what(), HasSubstr("HTTP 500"));
}

TEST(Es9pClient, CancelSession) {
  ScriptedHttp http;
  http.reply_json({{"header", success_header()}});
  Es9pClient client(http, "smdp.example.com");
  client.cancel_session(kTransactionId, from_hex("BF4103800101"));
  EXPECT_EQ(http.requests[0].url, "https://smdp.example.com/gsma/rsp2/es9plus/cancelSession");
  EXPECT_EQ(json::parse(http.requests[0].body),
            (json{{"transactionId", "0123456789ABCDEF8899AABBCCDDEEFF"},
                  {"cancelSessionResponse", "v0EDgAEB"}}));
}

TEST(Es9pClient, FailedStatusCarriesMeaningAndCodes) {
  ScriptedHttp http;
  http.reply_json({{"header", failed_header("8.2.6", "3.8", "Refused")}});
  Es9pClient client(http, "smdp.example.com");
  const Error e =
      expect_error([&] { client.authenticate_client(kTransactionId, from_hex("BF3803800101")); });
  EXPECT_EQ(e.code(), Errc::InvalidArgument);
  EXPECT_THAT(e.what(), HasSubstr("authenticateClient: SM-DP+ refused: the matching id"));
  EXPECT_THAT(e.what(), HasSubstr("(subject 8.2.6, reason 3.8)"));
  EXPECT_THAT(e.what(), HasSubstr("\"Refused\""));
}

TEST(Es9pClient, StatusCodesChooseTheErrorCode) {
  const struct {
    const char* subject;
    const char* reason;
    Errc errc;
    const char* words;
  } cases[] = {
      {"8.1", "4.8", Errc::NoMemory, "enough free memory"},
      {"8.2.7", "2.2", Errc::InvalidArgument, "confirmation code is required"},
      {"8.8.5", "4.1", Errc::ServerError, "order has expired"},
      {"8.1", "6.1", Errc::ServerError, "signature"},
      {"9.9", "9.9", Errc::ServerError, "unlisted status code"},
  };
  for (const auto& c : cases) {
    ScriptedHttp http;
    http.reply_json({{"header", failed_header(c.subject, c.reason)}});
    Es9pClient client(http, "smdp.example.com");
    const Error e = expect_error([&] { client.initiate_authentication(kChallenge, kInfo1); });
    EXPECT_EQ(e.code(), c.errc) << c.subject << "/" << c.reason;
    EXPECT_THAT(e.what(), HasSubstr(c.words));
    EXPECT_THAT(e.what(), HasSubstr(std::string("subject ") + c.subject));
  }
}

TEST(Es9pClient, ExpiredStatusIsARefusal) {
  ScriptedHttp http;
  json header = failed_header("8.10.1", "3.9");
  header["functionExecutionStatus"]["status"] = "Expired";
  http.reply_json({{"header", header}});
  Es9pClient client(http, "smdp.example.com");
  const Error e =
      expect_error([&] { client.cancel_session(kTransactionId, from_hex("BF4103800101")); });
  EXPECT_EQ(e.code(), Errc::ServerError);
  EXPECT_THAT(e.what(), HasSubstr("expired"));
  EXPECT_THAT(e.what(), HasSubstr("transaction id"));
}

TEST(Es9pClient, WarningIsAcceptedAndKept) {
  ScriptedHttp http;
  json reply = initiate_ok_reply();
  reply["header"]["functionExecutionStatus"] = {
      {"status", "Executed-WithWarning"},
      {"statusCodeData", {{"subjectCode", "8.8"}, {"reasonCode", "3.1"}}}};
  http.reply_json(reply);
  Es9pClient client(http, "smdp.example.com");
  client.initiate_authentication(kChallenge, kInfo1);
  ASSERT_TRUE(client.last_warning().has_value());
  EXPECT_EQ(client.last_warning()->subject_code, "8.8");
}

TEST(Es9pClient, NonSuccessHttpStatusWithStatusCodeUsesIt) {
  ScriptedHttp http;
  http.reply_json({{"header", failed_header("8.2.7", "3.8")}}, 400);
  Es9pClient client(http, "smdp.example.com");
  const Error e = expect_error([&] { client.initiate_authentication(kChallenge, kInfo1); });
  EXPECT_EQ(e.code(), Errc::InvalidArgument);
  EXPECT_THAT(e.what(), HasSubstr("confirmation code was refused"));
}

TEST(Es9pClient, NonSuccessHttpStatus) {
  ScriptedHttp http;
  http.replies.push_back({404, "text/plain", "", "not found"});
  Es9pClient client(http, "smdp.example.com");
  const Error e = expect_error([&] { client.initiate_authentication(kChallenge, kInfo1); });
  EXPECT_EQ(e.code(), Errc::ServerError);
  EXPECT_THAT(e.what(), HasSubstr("HTTP 404"));
  EXPECT_THAT(e.what(), HasSubstr("/gsma/rsp2/es9plus/initiateAuthentication"));
}

struct BadReply {
  const char* name;
  std::function<void(HttpResponse&)> spoil;
  const char* fragment;
};

class Es9pClientBadReply : public ::testing::TestWithParam<BadReply> {};

TEST_P(Es9pClientBadReply, IsMalformed) {
  ScriptedHttp http;
  http.reply_json(initiate_ok_reply());
  GetParam().spoil(http.replies.front());
  Es9pClient client(http, "smdp.example.com");
  const Error e = expect_error([&] { client.initiate_authentication(kChallenge, kInfo1); });
  EXPECT_EQ(e.code(), Errc::Malformed);
  EXPECT_THAT(e.what(), HasSubstr("initiateAuthentication: "));
  EXPECT_THAT(e.what(), HasSubstr(GetParam().fragment));
}

void set_field(HttpResponse& r, const char* key, const json& value) {
  json body = json::parse(r.body);
  if (value.is_discarded())
    body.erase(key);
  else
    body[key] = value;
  r.body = body.dump();
}

INSTANTIATE_TEST_SUITE_P(
    Replies, Es9pClientBadReply,
    ::testing::Values(
        BadReply{"WrongContentType", [](HttpResponse& r) { r.content_type = "text/html"; },
                 "content type is \"text/html\""},
        BadReply{"NotJson", [](HttpResponse& r) { r.body = "{\"header\": "; }, "not valid JSON"},
        BadReply{"NotAnObject", [](HttpResponse& r) { r.body = "[1,2]"; }, "not a JSON object"},
        BadReply{"TooDeep",
                 [](HttpResponse& r) { r.body = std::string(5000, '[') + std::string(5000, ']'); },
                 "not valid JSON"},
        BadReply{"NoHeader",
                 [](HttpResponse& r) { set_field(r, "header", json::value_t::discarded); },
                 "no header"},
        BadReply{"UnknownStatus",
                 [](HttpResponse& r) {
                   set_field(r, "header", {{"functionExecutionStatus", {{"status", "Maybe"}}}});
                 },
                 "unknown functionExecutionStatus \"Maybe\""},
        BadReply{"MissingField",
                 [](HttpResponse& r) { set_field(r, "serverSigned1", json::value_t::discarded); },
                 "reply lacks serverSigned1"},
        BadReply{"WrongType", [](HttpResponse& r) { set_field(r, "serverCertificate", 42); },
                 "serverCertificate is not a string"},
        BadReply{"BadBase64", [](HttpResponse& r) { set_field(r, "serverSignature1", "XzdA*AAA"); },
                 "invalid base64 character at position 5"},
        BadReply{"TruncatedBase64",
                 [](HttpResponse& r) { set_field(r, "serverSignature1", "XzdAW"); },
                 "not a multiple of 4"},
        BadReply{"WrongTag",
                 [](HttpResponse& r) {
                   set_field(r, "euiccCiPKIdToBeUsed", "BBQ="); /* 04 14 */
                 },
                 "euiccCiPKIdToBeUsed is not one complete TLV"},
        BadReply{"WrongOuterTag",
                 [](HttpResponse& r) { set_field(r, "serverSigned1", "vyADggEC"); },
                 "serverSigned1 has tag BF20, expected 30"},
        BadReply{"TrailingBytes",
                 [](HttpResponse& r) {
                   set_field(r, "serverSigned1", "MAA1AA=="); /* 30 00 35 00 */
                 },
                 "not one complete TLV"},
        BadReply{"TransactionIdNotHex",
                 [](HttpResponse& r) { set_field(r, "transactionId", "XYZ"); }, "not hex"},
        BadReply{"TransactionIdTooLong",
                 [](HttpResponse& r) { set_field(r, "transactionId", std::string(34, 'A')); },
                 "17 bytes"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(Es9pClient, ReplySizeIsLimited) {
  ScriptedHttp http;
  json reply = initiate_ok_reply();
  reply["padding"] = std::string(2000, ' ');
  http.reply_json(reply);
  Es9pOptions options;
  options.max_reply_bytes = 1000;
  Es9pClient client(http, "smdp.example.com", options);
  const Error e = expect_error([&] { client.initiate_authentication(kChallenge, kInfo1); });
  EXPECT_EQ(e.code(), Errc::Malformed);
  EXPECT_THAT(e.what(), HasSubstr("larger than 1000 bytes"));
}

TEST(Es9pClient, TransactionIdMustBeOurs) {
  ScriptedHttp http;
  json reply = authenticate_ok_reply();
  reply["transactionId"] = "00";
  http.reply_json(reply);
  Es9pClient client(http, "smdp.example.com");
  const Error e =
      expect_error([&] { client.authenticate_client(kTransactionId, from_hex("BF3803800101")); });
  EXPECT_EQ(e.code(), Errc::Malformed);
  EXPECT_THAT(e.what(), HasSubstr("reply is for transaction 00, not ours"));
}

TEST(Es9pClient, BoundProfilePackageMustHaveItsTag) {
  ScriptedHttp http;
  http.reply_json({{"header", success_header()},
                   {"transactionId", "0123456789ABCDEF8899AABBCCDDEEFF"},
                   {"boundProfilePackage", "vyEDgAEB"}});
  Es9pClient client(http, "smdp.example.com");
  const Error e = expect_error(
      [&] { client.get_bound_profile_package(kTransactionId, from_hex("BF2103800101")); });
  EXPECT_EQ(e.code(), Errc::Malformed);
  EXPECT_THAT(e.what(), HasSubstr("boundProfilePackage has tag BF21, expected BF36"));
}

TEST(Es9pClient, RejectsBadInputBeforeSending) {
  ScriptedHttp http;
  EXPECT_THROW(Es9pClient(http, "https://smdp.example.com/"), Error);
  EXPECT_THROW(Es9pClient(http, ""), Error);
  Es9pClient client(http, "smdp.example.com");
  EXPECT_EQ(expect_error([&] { client.initiate_authentication(Bytes(15), kInfo1); }).code(),
            Errc::InvalidArgument);
  EXPECT_EQ(
      expect_error([&] { client.initiate_authentication(kChallenge, from_hex("BF2100")); }).code(),
      Errc::InvalidArgument);
  EXPECT_EQ(
      expect_error([&] { client.authenticate_client(Bytes{}, from_hex("BF3803800101")); }).code(),
      Errc::InvalidArgument);
  EXPECT_TRUE(http.requests.empty());
}

// --- ES11 ---

json es11_authenticate_reply(json entries) {
  return {{"header", success_header()}, {"eventEntries", std::move(entries)}};
}

TEST(Es11, DefaultsToTheEs9plusPathsLikeLpac) {
  ScriptedHttp http;
  http.reply_json(initiate_ok_reply());
  http.reply_json(es11_authenticate_reply(
      json::array({{{"eventId", "EVT-1"}, {"rspServerAddress", "smdp.example.com"}},
                   {{"eventId", "EVT-2"}, {"rspServerAddress", "other.example.org:8443"}}})));
  Es9pClient client(http, "lpa.ds.gsma.com");
  const auto init = client.es11_initiate_authentication(kChallenge, kInfo1);
  const auto events =
      client.es11_authenticate_client(init.transaction_id, from_hex("BF3803800101"));

  EXPECT_EQ(http.requests[0].url,
            "https://lpa.ds.gsma.com/gsma/rsp2/es9plus/initiateAuthentication");
  EXPECT_EQ(json::parse(http.requests[0].body)["smdpAddress"], "lpa.ds.gsma.com");
  EXPECT_EQ(http.requests[1].url, "https://lpa.ds.gsma.com/gsma/rsp2/es9plus/authenticateClient");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event_id, "EVT-1");
  EXPECT_EQ(events[0].rsp_server_address, "smdp.example.com");
  EXPECT_EQ(events[1].event_id, "EVT-2");
  EXPECT_EQ(events[1].rsp_server_address, "other.example.org:8443");
}

TEST(Es11, Es11PathsAndSmdsAddressKeyWhenConfigured) {
  ScriptedHttp http;
  http.reply_json(initiate_ok_reply());
  http.reply_json(es11_authenticate_reply(json::array()));
  Es9pOptions options;
  options.es11_path_prefix = "/gsma/rsp2/es11/";
  options.es11_address_key = "smdsAddress";
  Es9pClient client(http, "smds.example.com", options);
  client.es11_initiate_authentication(kChallenge, kInfo1);
  EXPECT_TRUE(client.es11_authenticate_client(kTransactionId, from_hex("BF3803800101")).empty());
  EXPECT_EQ(http.requests[0].url, "https://smds.example.com/gsma/rsp2/es11/initiateAuthentication");
  const json body = json::parse(http.requests[0].body);
  EXPECT_EQ(body["smdsAddress"], "smds.example.com");
  EXPECT_FALSE(body.contains("smdpAddress"));
  EXPECT_EQ(http.requests[1].url, "https://smds.example.com/gsma/rsp2/es11/authenticateClient");
}

TEST(Es11, RefusalNamesTheSmds) {
  ScriptedHttp http;
  http.reply_json({{"header", failed_header("8.9.5", "3.9")}});
  Es9pClient client(http, "lpa.ds.gsma.com");
  const Error e = expect_error(
      [&] { client.es11_authenticate_client(kTransactionId, from_hex("BF3803800101")); });
  EXPECT_EQ(e.code(), Errc::NotFound);
  EXPECT_THAT(e.what(), HasSubstr("ES11 authenticateClient: SM-DS refused: no event"));
}

TEST(Es11, BadEventEntriesAreMalformed) {
  const json bad_entries[] = {
      json{{"eventEntries", "none"}},
      json::array({{{"eventId", "E"}}}),
      json::array({{{"eventId", "E"}, {"rspServerAddress", "evil.com/../x"}}}),
      json::array({{{"eventId", ""}, {"rspServerAddress", "smdp.example.com"}}}),
      json::array({{{"eventId", "E 1"}, {"rspServerAddress", "smdp.example.com"}}}),
      json::array({"smdp.example.com"}),
  };
  for (const json& entries : bad_entries) {
    ScriptedHttp http;
    if (entries.is_object())
      http.reply_json({{"header", success_header()}, {"eventEntries", entries["eventEntries"]}});
    else
      http.reply_json(es11_authenticate_reply(entries));
    Es9pClient client(http, "lpa.ds.gsma.com");
    const Error e = expect_error(
        [&] { client.es11_authenticate_client(kTransactionId, from_hex("BF3803800101")); });
    EXPECT_EQ(e.code(), Errc::Malformed) << entries.dump();
  }
}

}  // namespace
