// Delivery of the eUICC's pending notifications (SGP.22 §3.5; digest §2.5): install results
// and enable/disable/delete events that the card signed and keeps until the LPA has handed
// them to the server named in each one. A notification is removed from the card only after
// that server acknowledged it; a failed one stays for the next run and is reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/error.h"
#include "lpa/es10_client.h"
#include "lpa/es9p_client.h"
#include "lpa/http_client_factory.h"

namespace euiccd::lpa {

// Which pending notifications to send; an empty filter means all of them.
struct NotificationFilter {
  std::optional<uint64_t> only_seq;   // exactly this sequence number
  std::optional<uint64_t> after_seq;  // sequence numbers greater than this
  std::optional<std::string> iccid;   // about this profile
};

struct NotificationOutcome {
  NotificationMetadata metadata;
  bool delivered = false;  // the server acknowledged it
  bool removed = false;    // and it is gone from the card
  std::optional<Errc> error_code;
  std::string error;  // "" when delivered and removed
};

// Records `e` as why `outcome` did not complete: the error, and whether it came after delivery
// (then only the removal from the card failed).
void record_failure(NotificationOutcome& outcome, const Error& e);

struct NotificationReport {
  unsigned on_card = 0;  // how many the card held when the run began (matching or not)
  unsigned sent = 0;     // delivered and removed
  unsigned failed = 0;   // anything else (still on the card unless removal alone failed)
  std::vector<NotificationOutcome> outcomes;  // in the card's list order
};

class NotificationSender {
 public:
  // The card and the factory must outlive the sender.
  NotificationSender(Es10Client& card, HttpClientFactory http, Es9pOptions options = {});

  // Reads all of the card's notifications with one RetrieveNotificationsList (no ListNotification
  // first, no Retrieve per notification: the unfiltered list carries the same signed data) and
  // delivers those matching the filter, oldest first. Nothing pending costs that one command.
  // When that list cannot be read (one notification the engine cannot decode), it falls back
  // to ListNotification and one RetrieveNotificationsList each, so only that one fails.
  // Throws only when the list itself cannot be read (or on cancel before the first one);
  // per-notification failures go into the report.
  NotificationReport send_pending(const NotificationFilter& filter = {},
                                  const CancelToken* cancel = nullptr);

 private:
  Es10Client& card_;
  HttpClientFactory http_;
  Es9pOptions options_;
};

}  // namespace euiccd::lpa
