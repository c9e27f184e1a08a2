#include "daemon/notification_delivery.h"

namespace euiccd::daemon {

lpa::NotificationReport deliver_notifications(lpa::Es10Client& card, const EngineSettings& settings,
                                              const LogFields& fields) {
  lpa::NotificationSender sender(card, make_http_factory(settings.http, nullptr), settings.es9p);
  lpa::NotificationReport report = sender.send_pending();
  for (const auto& outcome : report.outcomes) {
    LogFields f = fields;
    if (outcome.metadata.iccid) f.iccid = *outcome.metadata.iccid;
    if (outcome.error.empty()) {
      log(Level::Info, f,
          "notification " + std::to_string(outcome.metadata.seq_number) + " delivered to " +
              outcome.metadata.address);
    } else {
      log(Level::Warning, f,
          "notification " + std::to_string(outcome.metadata.seq_number) + " to " +
              outcome.metadata.address + " stays on the card: " + outcome.error);
    }
  }
  return report;
}

}  // namespace euiccd::daemon
