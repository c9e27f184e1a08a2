// Whole operations against an eUICC and servers that both answer from the fuzz input: the
// profile download (lpa/download.h), notification delivery (lpa/notifications.h) and SM-DS
// discovery (lpa/discovery.h). Every parser of the earlier targets runs here in the order a
// real session calls them, with the state machine between them.
//
// Input: <flow> <options> then records <len> <bytes> (len FD: a two-byte length follows),
// taken in call order by whoever speaks next: the card's record is its ES10 response (FE: the
// card is removed, FF: it times out), the server's record is <status choice> <type choice>
// <JSON body> (FE: network failure, FF: timeout). When records run out both sides fail.
//
// Must hold: only euiccd::Error escapes; an ES10 session the card opened (AuthenticateServer
// answered) and that ended without an installation result is cancelled on the card exactly
// once, and never more than once in any case; a notification leaves the card (BF30) only after
// a server acknowledged one, and the report adds up.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/cancel_token.h"
#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/discovery.h"
#include "lpa/download.h"
#include "lpa/es10_client.h"
#include "lpa/es10_codec.h"
#include "lpa/es10_download.h"
#include "lpa/http.h"
#include "lpa/notifications.h"
#include "lpa/tlv.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

namespace {

constexpr uint8_t kLong = 0xFD;
constexpr uint8_t kGone = 0xFE;
constexpr uint8_t kTimeout = 0xFF;

enum Flow : uint8_t { kDownload, kNotifications, kDiscovery, kFlows };

// Next record, or the special marker (kGone / kTimeout) as an empty optional plus the marker.
struct Record {
  uint8_t marker = 0;  // 0 for data
  ByteView data;
};
Record next_record(fuzz::Input& in) {
  if (in.empty()) return {kGone, {}};
  size_t len = in.byte();
  if (len == kGone || len == kTimeout) return {static_cast<uint8_t>(len), {}};
  if (len == kLong) {
    const size_t high = in.byte();
    len = high << 8 | in.byte();
  }
  return {0, in.take(len)};
}

tlv::Tag outer_tag(ByteView command) {
  if (command.empty()) return 0;
  tlv::Tag tag = command[0];
  if ((command[0] & 0x1F) == 0x1F)
    for (size_t i = 1; i < command.size() && i < 4; ++i) {
      tag = tag << 8 | command[i];
      if (!(command[i] & 0x80)) break;
    }
  return tag;
}

class Card : public Es10Transport {
 public:
  explicit Card(fuzz::Input& in) : in_(in) {}

  Bytes transceive(ByteView command) override {
    const tlv::Tag tag = outer_tag(command);
    if (tag == 0xBF41) ++cancels;
    if (tag == 0xBF30) ++removals;
    const Record r = next_record(in_);
    if (r.marker == kGone) throw Error(Errc::CardRemoved, "fuzzed card: removed");
    if (r.marker == kTimeout) throw Error(Errc::Timeout, "fuzzed card: no answer");
    Bytes response(r.data.begin(), r.data.end());
    note(tag, response);
    return response;
  }

  int cancels = 0;
  int removals = 0;
  bool session_opened = false;  // the card accepted an AuthenticateServer
  bool reported = false;        // the card answered a BPP piece with a readable PIR

 private:
  void note(tlv::Tag tag, const Bytes& response) {
    try {
      if (tag == 0xBF38) {
        decode_authenticate_server_response(response);
        session_opened = true;
      } else if (is_bound_profile_package_tag(tag) && !response.empty()) {
        decode_profile_installation_result(response);
        reported = true;
      }
    } catch (const Error&) {
    }
  }

  fuzz::Input& in_;
};

class Servers {
 public:
  explicit Servers(fuzz::Input& in) : in_(in) {}

  HttpClientFactory factory() {
    return [this](const std::string&) -> std::unique_ptr<HttpClient> {
      return std::make_unique<Client>(*this);
    };
  }
  int notifications_answered = 0;  // handleNotification replies that could be acknowledgements

 private:
  class Client : public HttpClient {
   public:
    explicit Client(Servers& servers) : servers_(servers) {}
    HttpResponse post(const HttpRequest& request) override { return servers_.answer(request); }

   private:
    Servers& servers_;
  };

  HttpResponse answer(const HttpRequest& request) {
    const Record r = next_record(in_);
    if (r.marker == kGone) throw Error(Errc::Network, "fuzzed server: connection failed");
    if (r.marker == kTimeout) throw Error(Errc::Timeout, "fuzzed server: no answer");
    static constexpr long kStatuses[] = {200, 200, 200, 200, 204, 400, 404, 500};
    static constexpr const char* kTypes[] = {"application/json;charset=UTF-8", "application/json",
                                             "APPLICATION/JSON", "", "text/html"};
    fuzz::Input reply(r.data.data(), r.data.size());
    HttpResponse response;
    response.status = kStatuses[reply.byte() % std::size(kStatuses)];
    response.content_type = kTypes[reply.byte() % std::size(kTypes)];
    response.body = std::string(fuzz::as_text(reply.rest()));
    if (request.url.ends_with("/handleNotification") && response.status / 100 == 2)
      ++notifications_answered;
    return response;
  }

  fuzz::Input& in_;
};

void download(uint8_t options, Card& card, Servers& servers) {
  CancelToken cancel;
  DownloadOptions o;
  o.activation_code = parse_activation_code((options & 0x10) ? "LPA:1$smdp.example.com$MATCH-1$$1"
                                                             : "LPA:1$smdp.example.com$MATCH-1");
  if (options & 0x01) o.confirm_metadata = [](const ProfileMetadata&) { return false; };
  if (options & 0x02) o.confirmation_code = "1234";
  if (options & 0x04) {
    o.on_progress = [&cancel](DownloadStage stage, double) {
      if (stage == DownloadStage::Preparing) cancel.cancel(CancelReason::Postponed);
    };
  }
  if (options & 0x08) o.send_notifications = false;
  if (options & 0x20) {
    o.ask_confirmation_code = [](const ProfileMetadata&) -> std::optional<std::string> {
      throw Error(Errc::Timeout, "the user did not answer");
    };
  }
  o.cancel = &cancel;
  ProfileDownloader downloader(card, servers.factory());
  bool failed = false;
  try {
    const DownloadResult result = downloader.download(o);
    check(!result.iccid.empty());
    check(result.notifications.sent + result.notifications.failed ==
          result.notifications.outcomes.size());
  } catch (const Error&) {
    failed = true;
  }
  check(card.cancels <= 1);
  if (!failed) check(card.cancels == 0);
  if (failed && card.session_opened && !card.reported) check(card.cancels == 1);
  check(card.removals <= servers.notifications_answered);
}

void notifications(uint8_t options, Card& card, Servers& servers) {
  Es10Client es10(card);
  NotificationSender sender(es10, servers.factory());
  NotificationFilter filter;
  if (options & 0x01) filter.after_seq = 1;
  if (options & 0x02) filter.iccid = "8944476500001224158";
  try {
    const NotificationReport report = sender.send_pending(filter);
    check(report.sent + report.failed == report.outcomes.size());
    check(report.outcomes.size() <= report.on_card);
    for (const NotificationOutcome& n : report.outcomes) {
      check(!n.removed || n.delivered);
      check(n.removed == n.error.empty());
    }
  } catch (const Error&) {
  }
  check(card.removals <= servers.notifications_answered);
}

void discovery(uint8_t options, Card& card, Servers& servers) {
  DiscoveryOptions o;
  if (options & 0x01) o.smds_address = "smds.example.com";
  ProfileDiscoverer discoverer(card, servers.factory());
  bool failed = false;
  try {
    for (const Es11EventEntry& e : discoverer.discover(o).events) check(!e.event_id.empty());
  } catch (const Error&) {
    failed = true;
  }
  check(card.cancels <= 1);
  if (!failed) check(card.cancels == 0);
  if (failed && card.session_opened) check(card.cancels == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const auto flow = static_cast<Flow>(in.byte() % kFlows);
  const uint8_t options = in.byte();
  Card card(in);
  Servers servers(in);
  switch (flow) {
    case kDownload: download(options, card, servers); break;
    case kNotifications: notifications(options, card, servers); break;
    case kDiscovery: discovery(options, card, servers); break;
    case kFlows: break;
  }
  return 0;
}
