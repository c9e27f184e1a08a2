#include "daemon/card_session.h"

namespace euiccd::daemon {

CardSession::CardSession(const std::string& reader, const CardSettings& settings)
    : reader_(reader) {
  context_ = std::make_unique<apdu::PcscContext>();
  card_ = std::make_unique<apdu::PcscCard>(*context_, reader_);
  channel_ = std::make_unique<apdu::LogicalChannel>(
      *card_, settings.isd_r_aids.empty() ? apdu::default_isd_r_aids() : settings.isd_r_aids);
  channel_->open();
  es10_ = std::make_unique<apdu::Es10Channel>(*channel_, settings.segment_size);
  client_ = std::make_unique<lpa::Es10Client>(*es10_);
}

// Members go in reverse order: the channel closes (MANAGE CHANNEL close) before the card
// disconnects, and the card before its context.
CardSession::~CardSession() = default;

}  // namespace euiccd::daemon
