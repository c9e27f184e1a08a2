#include "lpa/es9p_client.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/error.h"
#include "lpa/activation_code.h"
#include "lpa/es9p_base64.h"
#include "lpa/es9p_status.h"
#include "lpa/tlv.h"

namespace euiccd::lpa {
namespace {

using nlohmann::json;

// Deeper nesting than this is not ES9+ (the deepest reply is eventEntries[].{...}); refusing it
// before parsing keeps hostile replies from costing recursion.
constexpr int kMaxJsonDepth = 16;
// Text taken from a reply into an error message is cut to this length.
constexpr size_t kMaxQuotedText = 200;

// Tag text for messages, e.g. "BF25".
std::string tag_text(tlv::Tag tag) {
  Bytes b;
  tlv::append_tag(b, tag);
  return to_hex(b);
}

struct Call {
  std::string label;  // "initiateAuthentication", "ES11 authenticateClient": used in messages
  std::string peer;   // "SM-DP+" or "SM-DS"
};

[[noreturn]] void malformed(const Call& call, const std::string& what) {
  throw Error(Errc::Malformed, call.label + ": " + what);
}

// Printable ASCII, shortened: server text goes into messages, logs and D-Bus replies.
std::string sanitize(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= kMaxQuotedText) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
  }
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = char(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

bool nesting_within_limit(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

std::string optional_string(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

ServerStatus read_status_code_data(const Call& call, const json& status) {
  ServerStatus s;
  const auto data = status.find("statusCodeData");
  if (data == status.end()) return s;
  if (!data->is_object()) malformed(call, "statusCodeData is not an object");
  s.subject_code = optional_string(*data, "subjectCode");
  s.reason_code = optional_string(*data, "reasonCode");
  s.subject_identifier = optional_string(*data, "subjectIdentifier");
  s.message = optional_string(*data, "message");
  return s;
}

[[noreturn]] void refused(const Call& call, const std::string& status_word, const ServerStatus& s) {
  std::string text = call.label + ": " + call.peer + " refused";
  if (s.subject_code.empty() && s.reason_code.empty()) {
    text += " (status " + sanitize(status_word) + ", no status code given)";
  } else {
    text += ": " + describe_server_status(s.subject_code, s.reason_code) + " (subject " +
            sanitize(s.subject_code) + ", reason " + sanitize(s.reason_code) + ")";
  }
  if (status_word == "Expired") text += "; the function execution expired";
  if (!s.message.empty()) text += "; server message: \"" + sanitize(s.message) + "\"";
  throw Error(server_status_errc(s.subject_code, s.reason_code), text);
}

// Parses a JSON body; returns a discarded value if it is not JSON (or too deeply nested).
json parse_json(std::string_view body) {
  if (!nesting_within_limit(body)) return json(json::value_t::discarded);
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

// Checks header.functionExecutionStatus; returns the warning status if any.
std::optional<ServerStatus> check_function_status(const Call& call, const json& reply) {
  const auto header = reply.find("header");
  if (header == reply.end() || !header->is_object()) malformed(call, "reply has no header object");
  const auto status = header->find("functionExecutionStatus");
  if (status == header->end() || !status->is_object())
    malformed(call, "reply header has no functionExecutionStatus object");
  const auto word = status->find("status");
  if (word == status->end() || !word->is_string())
    malformed(call, "functionExecutionStatus has no status string");
  const std::string value = word->get<std::string>();
  if (value == "Executed-Success") return std::nullopt;
  if (value == "Executed-WithWarning") return read_status_code_data(call, *status);
  if (value == "Failed" || value == "Expired")
    refused(call, value, read_status_code_data(call, *status));
  malformed(call, "unknown functionExecutionStatus \"" + sanitize(value) + "\"");
}

const json& require_field(const Call& call, const json& reply, const char* key, json::value_t type,
                          const char* type_name) {
  const auto it = reply.find(key);
  if (it == reply.end()) malformed(call, std::string("reply lacks ") + key);
  if (it->type() != type) malformed(call, std::string(key) + " is not " + type_name);
  return *it;
}

const std::string& require_string(const Call& call, const json& reply, const char* key) {
  return require_field(call, reply, key, json::value_t::string, "a string")
      .get_ref<const std::string&>();
}

// A base64 field holding exactly one complete TLV with the expected outer tag.
Bytes require_tlv(const Call& call, const json& reply, const char* key, tlv::Tag tag) {
  const std::string what = call.label + ": " + key;
  Bytes der = base64_decode(require_string(call, reply, key), what);
  tlv::Tlv parsed;
  try {
    parsed = tlv::parse_one(der);
  } catch (const Error& e) {
    throw Error(Errc::Malformed, what + " is not one complete TLV: " + e.what());
  }
  if (parsed.tag != tag)
    throw Error(Errc::Malformed,
                what + " has tag " + tag_text(parsed.tag) + ", expected " + tag_text(tag));
  return der;
}

Bytes parse_transaction_id(const Call& call, const std::string& hex) {
  Bytes id;
  try {
    id = from_hex(hex);
  } catch (const Error&) {
    malformed(call, "transactionId \"" + sanitize(hex) + "\" is not hex");
  }
  if (id.empty() || id.size() > 16)
    malformed(call, "transactionId has " + std::to_string(id.size()) + " bytes, expected 1 to 16");
  return id;
}

void check_transaction_id(const Call& call, const json& reply, ByteView ours) {
  const Bytes theirs = parse_transaction_id(call, require_string(call, reply, "transactionId"));
  if (!std::equal(theirs.begin(), theirs.end(), ours.begin(), ours.end()))
    malformed(call,
              "reply is for transaction " + to_hex(theirs) + ", not ours (" + to_hex(ours) + ")");
}

void check_outgoing_tlv(const std::string& label, const char* what, ByteView der, tlv::Tag tag) {
  tlv::Tlv parsed;
  try {
    parsed = tlv::parse_one(der);
  } catch (const Error& e) {
    throw Error(Errc::InvalidArgument,
                label + ": " + what + " is not one complete TLV: " + e.what());
  }
  if (parsed.tag != tag)
    throw Error(Errc::InvalidArgument, label + ": " + what + " has tag " + tag_text(parsed.tag) +
                                           ", expected " + tag_text(tag));
}

void check_outgoing_transaction_id(const std::string& label, ByteView id) {
  if (id.empty() || id.size() > 16)
    throw Error(Errc::InvalidArgument, label + ": transactionId must be 1 to 16 bytes");
}

}  // namespace

Es9pClient::Es9pClient(HttpClient& http, std::string server_address, Es9pOptions options)
    : http_(http), address_(std::move(server_address)), options_(std::move(options)) {
  validate_server_address(address_, "server address");
}

namespace {

// One POST with the ES9+ headers; returns the checked JSON reply (null for an empty 204).
struct Exchange {
  HttpClient& http;
  const std::string& address;
  const Es9pOptions& options;
  std::optional<ServerStatus>& last_warning;

  json run(const Call& call, const std::string& path_prefix, const std::string& function,
           const json& request, bool empty_reply_ok = false) {
    HttpRequest req;
    req.url = "https://" + address + path_prefix + function;
    req.headers = {{"Content-Type", "application/json"},
                   {"X-Admin-Protocol", options.admin_protocol},
                   {"User-Agent", options.user_agent}};
    req.body = request.dump();
    const HttpResponse resp = http.post(req);

    last_warning.reset();
    // The HTTP client enforces its own limit during the transfer; this one holds for any
    // HttpClient and keeps a huge reply away from the JSON parser.
    if (resp.body.size() > options.max_reply_bytes)
      malformed(call, "reply is larger than " + std::to_string(options.max_reply_bytes) + " bytes");
    if (resp.status < 200 || resp.status > 299) {
      // Some servers put a status code into error replies too; use it when it is there.
      if (starts_with_ci(resp.content_type, "application/json")) {
        const json reply = parse_json(resp.body);
        if (reply.is_object()) {
          const auto header = reply.find("header");
          if (header != reply.end() && header->is_object()) {
            const auto status = header->find("functionExecutionStatus");
            if (status != header->end() && status->is_object() &&
                status->contains("statusCodeData")) {
              const ServerStatus s = read_status_code_data(call, *status);
              if (!s.subject_code.empty()) refused(call, "HTTP " + std::to_string(resp.status), s);
            }
          }
        }
      }
      throw Error(
          Errc::ServerError,
          call.label + ": " + call.peer + " " + address + " answered HTTP " +
              std::to_string(resp.status) +
              (resp.status == 404 ? " (no such function at " + path_prefix + function + ")" : ""));
    }
    if (resp.status == 204) {
      if (!resp.body.empty()) malformed(call, "HTTP 204 reply has a body");
      return json();
    }
    if (empty_reply_ok && resp.body.empty()) return json();
    if (!starts_with_ci(resp.content_type, "application/json"))
      malformed(call, "reply content type is \"" + sanitize(resp.content_type) +
                          "\", expected application/json");
    json reply = parse_json(resp.body);
    if (reply.is_discarded()) malformed(call, "reply is not valid JSON");
    if (!reply.is_object()) malformed(call, "reply is not a JSON object");
    last_warning = check_function_status(call, reply);
    return reply;
  }

  // The shape of most ES9+/ES11 requests after the first: the session's transactionId and one
  // DER object from the card (base64), both checked before anything is sent.
  json run_in_session(const Call& call, const std::string& path_prefix, const std::string& function,
                      ByteView transaction_id, const char* field, ByteView der, tlv::Tag tag) {
    check_outgoing_transaction_id(call.label, transaction_id);
    check_outgoing_tlv(call.label, field, der, tag);
    const json request = {{"transactionId", to_hex(transaction_id)}, {field, base64_encode(der)}};
    return run(call, path_prefix, function, request);
  }
};

}  // namespace

InitiateAuthenticationResult Es9pClient::initiate(const std::string& path_prefix,
                                                  const std::string& function_label,
                                                  const std::string& address_key,
                                                  ByteView euicc_challenge, ByteView euicc_info1) {
  const bool es11 = function_label.starts_with("ES11");
  const Call call{function_label, es11 ? "SM-DS" : "SM-DP+"};
  if (euicc_challenge.size() != 16)
    throw Error(Errc::InvalidArgument, call.label + ": euiccChallenge must be 16 bytes");
  check_outgoing_tlv(call.label, "euiccInfo1", euicc_info1, 0xBF20);

  json request = {{"euiccChallenge", base64_encode(euicc_challenge)},
                  {"euiccInfo1", base64_encode(euicc_info1)},
                  {address_key, address_}};
  Exchange exchange{http_, address_, options_, last_warning_};
  const json reply = exchange.run(call, path_prefix, "initiateAuthentication", request);
  if (reply.is_null()) malformed(call, "reply is empty (HTTP 204)");

  InitiateAuthenticationResult r;
  r.transaction_id = parse_transaction_id(call, require_string(call, reply, "transactionId"));
  r.server_signed1 = require_tlv(call, reply, "serverSigned1", 0x30);
  r.server_signature1 = require_tlv(call, reply, "serverSignature1", 0x5F37);
  r.euicc_ci_pkid_to_be_used = require_tlv(call, reply, "euiccCiPKIdToBeUsed", 0x04);
  r.server_certificate = require_tlv(call, reply, "serverCertificate", 0x30);
  return r;
}

InitiateAuthenticationResult Es9pClient::initiate_authentication(ByteView euicc_challenge,
                                                                 ByteView euicc_info1) {
  return initiate(options_.es9p_path_prefix, "initiateAuthentication", "smdpAddress",
                  euicc_challenge, euicc_info1);
}

InitiateAuthenticationResult Es9pClient::es11_initiate_authentication(ByteView euicc_challenge,
                                                                      ByteView euicc_info1) {
  return initiate(options_.es11_path_prefix, "ES11 initiateAuthentication",
                  options_.es11_address_key, euicc_challenge, euicc_info1);
}

AuthenticateClientResult Es9pClient::authenticate_client(ByteView transaction_id,
                                                         ByteView authenticate_server_response) {
  const Call call{"authenticateClient", "SM-DP+"};
  Exchange exchange{http_, address_, options_, last_warning_};
  const json reply =
      exchange.run_in_session(call, options_.es9p_path_prefix, "authenticateClient", transaction_id,
                              "authenticateServerResponse", authenticate_server_response, 0xBF38);
  if (reply.is_null()) malformed(call, "reply is empty (HTTP 204)");

  AuthenticateClientResult r;
  check_transaction_id(call, reply, transaction_id);
  r.transaction_id.assign(transaction_id.begin(), transaction_id.end());
  r.profile_metadata = require_tlv(call, reply, "profileMetadata", 0xBF25);
  r.smdp_signed2 = require_tlv(call, reply, "smdpSigned2", 0x30);
  r.smdp_signature2 = require_tlv(call, reply, "smdpSignature2", 0x5F37);
  r.smdp_certificate = require_tlv(call, reply, "smdpCertificate", 0x30);
  return r;
}

Bytes Es9pClient::get_bound_profile_package(ByteView transaction_id,
                                            ByteView prepare_download_response) {
  const Call call{"getBoundProfilePackage", "SM-DP+"};
  Exchange exchange{http_, address_, options_, last_warning_};
  const json reply = exchange.run_in_session(
      call, options_.es9p_path_prefix, "getBoundProfilePackage", transaction_id,
      "prepareDownloadResponse", prepare_download_response, 0xBF21);
  if (reply.is_null()) malformed(call, "reply is empty (HTTP 204)");
  check_transaction_id(call, reply, transaction_id);
  return require_tlv(call, reply, "boundProfilePackage", 0xBF36);
}

void Es9pClient::handle_notification(ByteView pending_notification) {
  const Call call{"handleNotification", "SM-DP+"};
  tlv::Tlv parsed;
  try {
    parsed = tlv::parse_one(pending_notification);
  } catch (const Error& e) {
    throw Error(Errc::InvalidArgument,
                call.label + ": pendingNotification is not one complete TLV: " + e.what());
  }
  if (parsed.tag != 0xBF37 && parsed.tag != 0x30)
    throw Error(Errc::InvalidArgument, call.label + ": pendingNotification has tag " +
                                           tag_text(parsed.tag) + ", expected BF37 or 30");
  json request = {{"pendingNotification", base64_encode(pending_notification)}};
  Exchange exchange{http_, address_, options_, last_warning_};
  // Success is HTTP 204 without a body (SGP.22 §6.3). Any other 2xx without a body is taken
  // too; a 2xx with a JSON body must carry a successful functionExecutionStatus.
  exchange.run(call, options_.es9p_path_prefix, "handleNotification", request,
               /*empty_reply_ok=*/true);
}

void Es9pClient::cancel_session(ByteView transaction_id, ByteView cancel_session_response) {
  const Call call{"cancelSession", "SM-DP+"};
  Exchange exchange{http_, address_, options_, last_warning_};
  const json reply =
      exchange.run_in_session(call, options_.es9p_path_prefix, "cancelSession", transaction_id,
                              "cancelSessionResponse", cancel_session_response, 0xBF41);
  // The reply is a header only; osmo-smdpp also echoes the transactionId, which must then match.
  if (reply.is_object() && reply.contains("transactionId"))
    check_transaction_id(call, reply, transaction_id);
}

std::vector<Es11EventEntry> Es9pClient::es11_authenticate_client(
    ByteView transaction_id, ByteView authenticate_server_response) {
  const Call call{"ES11 authenticateClient", "SM-DS"};
  Exchange exchange{http_, address_, options_, last_warning_};
  const json reply =
      exchange.run_in_session(call, options_.es11_path_prefix, "authenticateClient", transaction_id,
                              "authenticateServerResponse", authenticate_server_response, 0xBF38);
  if (reply.is_null()) malformed(call, "reply is empty (HTTP 204)");
  // transactionId is in the ASN.1 form of this reply (AuthenticateClientOkEs11) but lpac does
  // not expect it in JSON; check it when present.
  if (reply.contains("transactionId")) check_transaction_id(call, reply, transaction_id);

  const json& entries =
      require_field(call, reply, "eventEntries", json::value_t::array, "an array");
  std::vector<Es11EventEntry> events;
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    const std::string where = "eventEntries[" + std::to_string(i) + "]";
    if (!entry.is_object()) malformed(call, where + " is not an object");
    Es11EventEntry e;
    e.event_id = require_string(call, entry, "eventId");
    e.rsp_server_address = require_string(call, entry, "rspServerAddress");
    if (e.event_id.empty() || e.event_id.size() > kMaxActivationCodeFieldLength)
      malformed(call, where + ".eventId is empty or too long");
    for (char c : e.event_id) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7F) malformed(call, where + ".eventId has a non-printable character");
    }
    try {
      validate_server_address(e.rsp_server_address, where + ".rspServerAddress");
    } catch (const Error& err) {
      malformed(call, sanitize(err.what()));  // it quotes the server's text
    }
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace euiccd::lpa
