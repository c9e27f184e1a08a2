// Fakes of the outside world for the download, discovery and notification tests: a scripted
// eUICC behind Es10Transport (answers by command tag, keeps pending notifications, records
// every command) and a scripted SM-DP+/SM-DS behind HttpClient (answers by ES9+ function,
// records every request). Our own classes run for real between them.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "lpa/es10_download.h"
#include "lpa/es9p_base64.h"
#include "lpa/http.h"
#include "lpa/http_client_factory.h"
#include "lpa/iccid.h"
#include "lpa/tlv.h"
#include "lpa/transport.h"

namespace dltest {

using namespace euiccd;
using namespace euiccd::lpa;
using nlohmann::json;

inline Bytes h(std::string_view spaced) {
  std::string hex;
  for (char c : spaced)
    if (c != ' ') hex += c;
  return from_hex(hex);
}

inline const Bytes kTxid = h("0123456789ABCDEF8899AABBCCDDEEFF");
inline const std::string kIccid = "8944476500001224158";
inline const Bytes kIsdpAid = h("A0000005591010FFFFFFFF8900001100");
inline const std::string kSmdp = "smdp.example.com";
inline const Bytes kChallenge = h("000102030405060708090A0B0C0D0E0F");

inline Bytes sig() {
  return tlv::encode(0x5F37, Bytes(64, 0x5A));
}
inline Bytes cert(uint8_t marker) {
  return tlv::Builder(0x30).add(tlv::Builder(0x30).add(0x02, Bytes{marker})).bytes();
}

inline Bytes metadata_bf25(const std::string& iccid = kIccid, const std::string& name = "Test") {
  return tlv::Builder(0xBF25)
      .add(0x5A, encode_iccid(iccid))
      .add(0x91, std::string_view("GSMA_TEST"))
      .add(0x92, std::string_view(name))
      .add(0x95, Bytes{0x02})
      .bytes();
}

inline Bytes notification_metadata(uint64_t seq, const std::string& address,
                                   const std::string& iccid, Bytes event_bits = h("0780")) {
  return tlv::Builder(0xBF2F)
      .add(0x80, tlv::encode_uint(seq))
      .add(0x81, event_bits)
      .add(0x0C, std::string_view(address))
      .add(0x5A, encode_iccid(iccid))
      .bytes();
}

// A ProfileInstallationResult: success (aid) or error (command id, reason).
inline Bytes pir(uint64_t seq, bool success, uint64_t cmd = 0, uint64_t reason = 0,
                 const Bytes& txid = kTxid) {
  tlv::Builder final_result(0xA2);
  if (success) {
    final_result.add(tlv::Builder(0xA0).add(0x4F, kIsdpAid).add(0x04, Bytes{}));
  } else {
    final_result.add(
        tlv::Builder(0xA1).add(0x80, tlv::encode_uint(cmd)).add(0x81, tlv::encode_uint(reason)));
  }
  return tlv::Builder(0xBF37)
      .add(tlv::Builder(0xBF27)
               .add(0x80, txid)
               .add_raw(notification_metadata(seq, kSmdp, kIccid))
               .add(0x06, h("2B0601040182E060"))
               .add(final_result))
      .add_raw(sig())
      .bytes();
}

// An 88/87/86 segment: content followed by an 8-byte stand-in MAC.
inline Bytes segment(tlv::Tag tag, const Bytes& content, uint8_t mac) {
  Bytes v = content;
  v.insert(v.end(), 8, mac);
  return tlv::encode(tag, v);
}

// BF36 { BF23, A0{87}, A1{88,88}, A2{87}, A3{86,86,86} } with the given metadata split over
// the two 88s, and the raw parts to compare the ES10 commands against.
struct Bpp {
  Bytes bf23, a0, a1, a2, a3, bpp;
  std::vector<Bytes> s88, s86;
  Bytes first87, second87;
};

inline Bpp make_bpp(const Bytes& metadata = metadata_bf25(), const Bytes& txid = kTxid) {
  Bpp b;
  b.bf23 = tlv::Builder(0xBF23)
               .add(0x82, Bytes{0x01})
               .add(0x80, txid)
               .add(tlv::Builder(0xA6)
                        .add(0x80, Bytes{0x88})
                        .add(0x81, Bytes{0x10})
                        .add(0x84, Bytes(8, 0x80)))
               .add(0x5F49, Bytes(65, 0x04))
               .add_raw(sig())
               .bytes();
  b.first87 = segment(0x87, Bytes(16, 0xC1), 0x01);
  b.a0 = tlv::Builder(0xA0).add_raw(b.first87).bytes();
  const size_t half = metadata.size() / 2;
  b.s88 = {segment(0x88, Bytes(metadata.begin(), metadata.begin() + long(half)), 0x02),
           segment(0x88, Bytes(metadata.begin() + long(half), metadata.end()), 0x03)};
  tlv::Builder a1(0xA1);
  for (const Bytes& s : b.s88) a1.add_raw(s);
  b.a1 = a1.bytes();
  b.second87 = segment(0x87, Bytes(48, 0xC2), 0x04);
  b.a2 = tlv::Builder(0xA2).add_raw(b.second87).bytes();
  b.s86 = {segment(0x86, Bytes(300, 0xD1), 0x05), segment(0x86, Bytes(200, 0xD2), 0x06),
           segment(0x86, Bytes(40, 0xD3), 0x07)};
  tlv::Builder a3(0xA3);
  for (const Bytes& s : b.s86) a3.add_raw(s);
  b.a3 = a3.bytes();
  b.bpp = tlv::Builder(0xBF36)
              .add_raw(b.bf23)
              .add_raw(b.a0)
              .add_raw(b.a1)
              .add_raw(b.a2)
              .add_raw(b.a3)
              .bytes();
  return b;
}

// The tag at the start of a command (which may be a header without its value).
inline tlv::Tag outer_tag(ByteView command) {
  if (command.empty()) return 0;
  tlv::Tag tag = command[0];
  size_t i = 1;
  if ((command[0] & 0x1F) == 0x1F) {
    do {
      if (i >= command.size()) return 0;
      tag = (tag << 8) | command[i];
    } while (command[i++] & 0x80);
  }
  return tag;
}

// ---- the eUICC -------------------------------------------------------------------------------

class FakeCard : public Es10Transport {
 public:
  std::vector<Bytes> commands;
  // Scripted behaviour.
  std::optional<std::string> default_smdp = std::string(kSmdp);
  std::string root_smds = "smds.example.com";
  std::optional<uint64_t> authenticate_error;  // authenticateErrorCode
  std::optional<uint64_t> prepare_error;       // downloadErrorCode
  std::optional<Errc> cancel_session_throws;   // transport failure on BF41
  // LoadBoundProfilePackage: the piece index (0-based) answered with an error PIR, or that
  // throws; otherwise empty answers and a success PIR after the last piece.
  std::optional<size_t> bpp_error_at;
  uint64_t bpp_error_cmd = 2, bpp_error_reason = 9;
  std::optional<size_t> bpp_throw_at;
  size_t bpp_pieces_expected = 0;  // set from the test's BPP (the last gets the PIR)
  uint64_t next_seq = 7;
  std::vector<uint64_t> cancel_reasons;  // every BF41 reason received
  // Pending notifications: seq → complete TLV.
  std::map<uint64_t, Bytes> pending;
  // Another program resets the card just before each of the next `resets_left` commands with
  // this outer tag: the reset count goes up and the RSP session is gone until the next
  // GetEUICCChallenge (PrepareDownload answers noSessionContext, a BPP piece fails).
  std::optional<tlv::Tag> reset_before;
  int resets_left = 1;
  uint64_t resets = 0;
  uint64_t reset_count() const override { return resets; }

  Bytes transceive(ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    const tlv::Tag tag = outer_tag(command);
    if (reset_before && tag == *reset_before && resets_left > 0) {
      --resets_left;
      ++resets;
      session_lost_ = true;
    }
    if (tag == 0xBF2E) session_lost_ = false;
    if (session_lost_ && is_bound_profile_package_tag(tag))
      throw Error(Errc::CardError, "fake card: no session for this profile package piece");
    if (session_lost_ && tag == 0xBF21)
      return tlv::Builder(0xBF21)
          .add(tlv::Builder(0xA1).add(0x80, kTxid).add(0x02, tlv::encode_uint(4)))
          .bytes();  // noSessionContext
    if (is_bound_profile_package_tag(tag)) return load_piece();
    const tlv::Tlv t = tlv::parse_one(command);
    switch (tag) {
      case 0xBF2E: return tlv::Builder(0xBF2E).add(0x80, kChallenge).bytes();
      case 0xBF20:
        return tlv::Builder(0xBF20)
            .add(0x82, h("020200"))
            .add(tlv::Builder(0xA9).add(0x04, Bytes(20, 0x81)))
            .add(tlv::Builder(0xAA).add(0x04, Bytes(20, 0x81)))
            .bytes();
      case 0xBF3C: {
        tlv::Builder b(0xBF3C);
        if (default_smdp) b.add(0x80, std::string_view(*default_smdp));
        return b.add(0x81, std::string_view(root_smds)).bytes();
      }
      case 0xBF38:
        if (authenticate_error)
          return tlv::Builder(0xBF38)
              .add(tlv::Builder(0xA1)
                       .add(0x80, kTxid)
                       .add(0x02, tlv::encode_uint(*authenticate_error)))
              .bytes();
        return tlv::Builder(0xBF38)
            .add(tlv::Builder(0xA0)
                     .add(tlv::Builder(0x30).add(0x80, kTxid))
                     .add_raw(sig())
                     .add_raw(cert(1))
                     .add_raw(cert(2)))
            .bytes();
      case 0xBF21:
        if (prepare_error)
          return tlv::Builder(0xBF21)
              .add(tlv::Builder(0xA1).add(0x80, kTxid).add(0x02, tlv::encode_uint(*prepare_error)))
              .bytes();
        return tlv::Builder(0xBF21)
            .add(tlv::Builder(0xA0)
                     .add(tlv::Builder(0x30).add(0x80, kTxid).add(0x5F49, Bytes(65, 0x04)))
                     .add_raw(sig()))
            .bytes();
      case 0xBF41: {
        if (cancel_session_throws) throw Error(*cancel_session_throws, "fake card: BF41 failed");
        const Bytes reason(t.require(0x81, "reason").value.begin(),
                           t.require(0x81, "reason").value.end());
        cancel_reasons.push_back(tlv::decode_uint(reason, "reason"));
        return tlv::Builder(0xBF41)
            .add(tlv::Builder(0xA0)
                     .add(tlv::Builder(0x30)
                              .add(0x80, t.require(0x80, "txid").value)
                              .add(0x81, h("2B0601040182E060"))
                              .add(0x82, reason))
                     .add_raw(sig()))
            .bytes();
      }
      case 0xBF28: {
        tlv::Builder list(0xA0);
        for (const auto& [seq, der] : pending) {
          const tlv::Tlv n = tlv::parse_one(der);
          const tlv::Tlv meta =
              n.tag == 0xBF37 ? n.require(0xBF27, "").require(0xBF2F, "") : n.require(0xBF2F, "");
          list.add_raw(meta.raw);
        }
        return tlv::Builder(0xBF28).add(list).bytes();
      }
      case 0xBF2B: {
        if (!t.find(0xA0)) {  // no search criteria: the whole list
          tlv::Builder all(0xA0);
          for (const auto& [seq, der] : pending) all.add_raw(der);
          return tlv::Builder(0xBF2B).add(all).bytes();
        }
        const uint64_t seq = tlv::decode_uint(t.require(0xA0, "").require(0x80, "").value, "seq");
        auto it = pending.find(seq);
        if (it == pending.end()) return tlv::Builder(0xBF2B).add(0x81, Bytes{1}).bytes();
        return tlv::Builder(0xBF2B).add(tlv::Builder(0xA0).add_raw(it->second)).bytes();
      }
      case 0xBF30: {
        const uint64_t seq = tlv::decode_uint(t.require(0x80, "").value, "seq");
        const bool found = pending.erase(seq) > 0;
        removed.push_back(seq);
        return tlv::Builder(0xBF30).add(0x80, Bytes{uint8_t(found ? 0 : 1)}).bytes();
      }
      default: throw Error(Errc::Internal, "fake card: unexpected command " + to_hex(command));
    }
  }

  std::vector<uint64_t> removed;

  // Commands with this outer tag, in order.
  std::vector<Bytes> with_tag(tlv::Tag tag) const {
    std::vector<Bytes> out;
    for (const Bytes& c : commands)
      if (outer_tag(c) == tag) out.push_back(c);
    return out;
  }
  std::vector<Bytes> bpp_pieces() const {
    std::vector<Bytes> out;
    for (const Bytes& c : commands)
      if (is_bound_profile_package_tag(outer_tag(c))) out.push_back(c);
    return out;
  }

 private:
  size_t piece_ = 0;
  bool session_lost_ = false;

  Bytes load_piece() {
    const size_t index = piece_++;
    if (bpp_throw_at && index == *bpp_throw_at)
      throw Error(Errc::CardRemoved, "fake card: removed during load");
    if (bpp_error_at && index == *bpp_error_at) return store_pir(false);
    if (index + 1 == bpp_pieces_expected) return store_pir(true);
    return {};
  }

  Bytes store_pir(bool success) {
    const uint64_t seq = next_seq++;
    Bytes result = pir(seq, success, bpp_error_cmd, bpp_error_reason);
    pending[seq] = result;
    return result;
  }
};

// ---- the SM-DP+ / SM-DS --------------------------------------------------------------------

inline json success_header() {
  return {{"functionExecutionStatus", {{"status", "Executed-Success"}}}};
}

struct ServerCall {
  std::string host;
  std::string function;
  json body;
};

// One scripted server world; every HttpClient the factory makes forwards here.
class FakeServers {
 public:
  std::vector<ServerCall> calls;
  bool cc_required = false;
  Bytes profile_metadata = metadata_bf25();
  Bytes bpp = make_bpp().bpp;
  std::vector<json> events = {{{"eventId", "EVT-1"}, {"rspServerAddress", "smdp.example.com"}}};
  // function name → how to fail: an HTTP reply or a thrown Errc.
  std::map<std::string, HttpResponse> fail_reply;
  std::map<std::string, Errc> fail_throw;
  std::map<std::string, int> clients_made;  // per address

  HttpClientFactory factory() {
    return [this](const std::string& address) -> std::unique_ptr<HttpClient> {
      ++clients_made[address];
      return std::make_unique<Client>(*this, address);
    };
  }

  std::vector<ServerCall> calls_to(const std::string& function) const {
    std::vector<ServerCall> out;
    for (const ServerCall& c : calls)
      if (c.function == function) out.push_back(c);
    return out;
  }

  static HttpResponse failed(const char* subject, const char* reason) {
    json body = {{"header",
                  {{"functionExecutionStatus",
                    {{"status", "Failed"},
                     {"statusCodeData", {{"subjectCode", subject}, {"reasonCode", reason}}}}}}}};
    return {200, "application/json", "gsma/rsp/v2.2.0", body.dump()};
  }

 private:
  class Client : public HttpClient {
   public:
    Client(FakeServers& servers, std::string address)
        : servers_(servers), address_(std::move(address)) {}
    HttpResponse post(const HttpRequest& request) override {
      return servers_.answer(address_, request);
    }

   private:
    FakeServers& servers_;
    std::string address_;
  };

  static std::string b64(const Bytes& b) { return base64_encode(b); }

  HttpResponse answer(const std::string& address, const HttpRequest& request) {
    const std::string function = request.url.substr(request.url.rfind('/') + 1);
    calls.push_back({address, function, json::parse(request.body)});
    if (auto it = fail_throw.find(function); it != fail_throw.end())
      throw Error(it->second, "fake server: " + function + " failed");
    if (auto it = fail_reply.find(function); it != fail_reply.end()) return it->second;
    json reply = {{"header", success_header()}};
    const std::string txid = to_hex(kTxid);
    if (function == "initiateAuthentication") {
      reply["transactionId"] = txid;
      reply["serverSigned1"] = b64(tlv::Builder(0x30).add(0x80, kTxid).bytes());
      reply["serverSignature1"] = b64(sig());
      reply["euiccCiPKIdToBeUsed"] = b64(tlv::encode(0x04, Bytes(20, 0x81)));
      reply["serverCertificate"] = b64(cert(3));
    } else if (function == "authenticateClient" && address.starts_with("smds")) {
      reply["eventEntries"] = events;
    } else if (function == "authenticateClient") {
      reply["transactionId"] = txid;
      reply["profileMetadata"] = b64(profile_metadata);
      reply["smdpSigned2"] = b64(tlv::Builder(0x30)
                                     .add(0x80, kTxid)
                                     .add(0x01, Bytes{uint8_t(cc_required ? 0xFF : 0x00)})
                                     .bytes());
      reply["smdpSignature2"] = b64(sig());
      reply["smdpCertificate"] = b64(cert(4));
    } else if (function == "getBoundProfilePackage") {
      reply["transactionId"] = txid;
      reply["boundProfilePackage"] = b64(bpp);
    } else if (function == "handleNotification") {
      return {204, "", "gsma/rsp/v2.2.0", ""};
    } else if (function == "cancelSession") {
      // header only
    } else {
      return {404, "text/plain", "", "no such function"};
    }
    return {200, "application/json;charset=UTF-8", "gsma/rsp/v2.2.0", reply.dump()};
  }
};

}  // namespace dltest
