#include "lpa/notifications.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace euiccd::lpa {
namespace {

bool matches(const NotificationMetadata& m, const NotificationFilter& f) {
  if (f.only_seq && m.seq_number != *f.only_seq) return false;
  if (f.after_seq && m.seq_number <= *f.after_seq) return false;
  if (f.iccid && m.iccid != f.iccid) return false;
  return true;
}

// One Es9pClient (and its HTTP client, so connections are reused) per server address.
class ServerPool {
 public:
  ServerPool(const HttpClientFactory& factory, const Es9pOptions& options)
      : factory_(factory), options_(options) {}

  Es9pClient& get(const std::string& address) {
    auto it = servers_.find(address);
    if (it == servers_.end()) {
      Entry entry;
      if (!factory_) throw Error(Errc::Internal, "no HTTP client factory was given");
      entry.http = factory_(address);
      if (!entry.http) throw Error(Errc::Internal, "the HTTP client factory gave no client");
      entry.es9p = std::make_unique<Es9pClient>(*entry.http, address, options_);
      it = servers_.emplace(address, std::move(entry)).first;
    }
    return *it->second.es9p;
  }

 private:
  struct Entry {
    std::unique_ptr<HttpClient> http;
    std::unique_ptr<Es9pClient> es9p;
  };
  const HttpClientFactory& factory_;
  const Es9pOptions& options_;
  std::map<std::string, Entry> servers_;
};

}  // namespace

void record_failure(NotificationOutcome& outcome, const Error& e) {
  outcome.error_code = e.code();
  outcome.error =
      outcome.delivered
          ? std::string("delivered, but could not be removed from the eUICC: ") + e.what()
          : e.what();
}

NotificationSender::NotificationSender(Es10Client& card, HttpClientFactory http,
                                       Es9pOptions options)
    : card_(card), http_(std::move(http)), options_(std::move(options)) {}

NotificationReport NotificationSender::send_pending(const NotificationFilter& filter,
                                                    const CancelToken* cancel) {
  // Each entry: what the list says, and the signed notification when it came with the list.
  struct Entry {
    NotificationMetadata metadata;
    std::optional<Bytes> der;
  };
  std::vector<Entry> pending;
  try {
    for (PendingNotification& n : card_.retrieve_notifications())
      pending.push_back({std::move(n.metadata), std::move(n.der)});
  } catch (const Error& e) {
    if (e.code() != Errc::Malformed) throw;
    // One notification the engine cannot read must not hold up the others: list them and
    // fetch each on its own, so that only the unreadable one fails.
    for (NotificationMetadata& m : card_.list_notifications())
      pending.push_back({std::move(m), std::nullopt});
  }
  std::stable_sort(pending.begin(), pending.end(), [](const Entry& a, const Entry& b) {
    return a.metadata.seq_number < b.metadata.seq_number;
  });

  NotificationReport report;
  report.on_card = static_cast<unsigned>(pending.size());
  ServerPool servers(http_, options_);
  for (Entry& entry : pending) {
    if (!matches(entry.metadata, filter)) continue;
    if (cancel && cancel->cancelled()) {
      if (report.outcomes.empty())
        throw Error(Errc::Cancelled, "sending notifications was cancelled");
      break;  // what was sent stays sent; the rest waits for the next run
    }
    NotificationOutcome outcome;
    outcome.metadata = entry.metadata;
    try {
      if (!entry.der) {
        PendingNotification one = card_.retrieve_notifications(entry.metadata.seq_number).front();
        // The metadata inside the signed notification (its address among them) is what counts.
        outcome.metadata = one.metadata;
        entry.der = std::move(one.der);
      }
      servers.get(outcome.metadata.address).handle_notification(*entry.der);
      outcome.delivered = true;
      card_.remove_notification(outcome.metadata.seq_number);
      outcome.removed = true;
    } catch (const Error& e) {
      record_failure(outcome, e);
    }
    if (outcome.removed) {
      ++report.sent;
    } else {
      ++report.failed;
    }
    report.outcomes.push_back(std::move(outcome));
  }
  return report;
}

}  // namespace euiccd::lpa
