#include "daemon/pcsc_backend.h"

#include "apdu/basic_channel_link.h"
#include "apdu/pcsc_reader.h"
#include "daemon/hotplug.h"

namespace euiccd::daemon {
namespace {

class PcscHold : public CardHold {
 public:
  explicit PcscHold(apdu::PcscCard& card) : transaction_(card) {}

 private:
  apdu::PcscTransaction transaction_;
};

class PcscConnection : public CardConnection {
 public:
  explicit PcscConnection(const std::string& reader) : card_(context_, reader), link_(card_) {}

  apdu::ChannelLink& link() override { return link_; }
  std::unique_ptr<CardHold> hold() override { return std::make_unique<PcscHold>(card_); }

 private:
  // Declaration order is teardown order reversed: the card disconnects before its context.
  apdu::PcscContext context_;
  apdu::PcscCard card_;
  apdu::BasicChannelLink link_;
};

}  // namespace

std::unique_ptr<CardConnection> PcscBackend::connect(const std::string& reader) {
  return std::make_unique<PcscConnection>(reader);
}

std::unique_ptr<DeviceWatch> PcscBackend::watch(LoopQueue& loop, SlotsChanged changed) {
  return std::make_unique<HotplugWatcher>(
      loop, [changed = std::move(changed)](const std::vector<apdu::ReaderStatus>& readers) {
        std::vector<CardSlot> slots;
        slots.reserve(readers.size());
        for (const auto& r : readers) slots.push_back({r.name, r.card_present, r.atr});
        changed(slots);
      });
}

}  // namespace euiccd::daemon
