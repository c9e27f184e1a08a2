#include "lpa/notifications.h"

#include <algorithm>
#include <map>
#include <memory>
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

NotificationSender::NotificationSender(Es10Client& card, HttpClientFactory http,
                                       Es9pOptions options)
    : card_(card), http_(std::move(http)), options_(std::move(options)) {}

NotificationReport NotificationSender::send_pending(const NotificationFilter& filter,
                                                    const CancelToken* cancel) {
  std::vector<PendingNotification> pending = card_.retrieve_notifications();
  std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    return a.metadata.seq_number < b.metadata.seq_number;
  });

  NotificationReport report;
  report.on_card = static_cast<unsigned>(pending.size());
  ServerPool servers(http_, options_);
  for (const PendingNotification& notification : pending) {
    // The metadata inside the signed notification (its address among them) is what counts.
    if (!matches(notification.metadata, filter)) continue;
    if (cancel && cancel->cancelled()) {
      if (report.outcomes.empty())
        throw Error(Errc::Cancelled, "sending notifications was cancelled");
      break;  // what was sent stays sent; the rest waits for the next run
    }
    NotificationOutcome outcome;
    outcome.metadata = notification.metadata;
    try {
      servers.get(notification.metadata.address).handle_notification(notification.der);
      outcome.delivered = true;
      card_.remove_notification(notification.metadata.seq_number);
      outcome.removed = true;
    } catch (const Error& e) {
      outcome.error_code = e.code();
      outcome.error =
          outcome.delivered
              ? std::string("delivered, but could not be removed from the eUICC: ") + e.what()
              : e.what();
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
