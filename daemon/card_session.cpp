#include "daemon/card_session.h"

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"

namespace euiccd::daemon {

CardSession::CardSession(std::unique_ptr<CardConnection> connection, const CardSettings& settings)
    : connection_(std::move(connection)) {
  channel_ = std::make_unique<apdu::LogicalChannel>(
      connection_->link(),
      settings.isd_r_aids.empty() ? apdu::default_isd_r_aids() : settings.isd_r_aids);
  channel_->open();
  es10_ = std::make_unique<apdu::Es10Channel>(*channel_, settings.segment_size);
  client_ = std::make_unique<lpa::Es10Client>(*es10_);
}

CardSession::~CardSession() = default;

lpa::Es10Transport& CardSession::transport() {
  return *es10_;
}

}  // namespace euiccd::daemon
