// A daemon card backend (daemon/card_backend.h) around the virtual eUICC's card logic in
// process: the real BasicChannelLink over an apdu::Card that hands each APDU to veuicc::Card,
// so daemon::Euicc, CardWorker and the registry run as they do over PC/SC, without pcscd.
// The card can be pulled out and put back, and reset without telling anyone.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "apdu/basic_channel_link.h"
#include "apdu/card.h"
#include "base/error.h"
#include "daemon/card_backend.h"
#include "veuicc/card.h"

namespace euiccd::daemon::testing {

inline constexpr char kVirtualDevice[] = "in-process veuicc";

// What PcscCard is to a reader: an apdu::Card on the virtual eUICC. Its switches are flipped
// by the test thread while the card worker is idle.
class VirtualEuiccCard : public apdu::Card {
 public:
  explicit VirtualEuiccCard(veuicc::Card& card) : card_(card) {}

  Bytes transmit(ByteView command) override {
    if (removed_) throw Error(Errc::CardRemoved, "the virtual eUICC was removed");
    ++apdus_;
    return card_.transmit(command);
  }
  apdu::Protocol protocol() const override { return apdu::Protocol::T1; }
  void reconnect() override {
    if (removed_) throw Error(Errc::NoReader, "the virtual eUICC was removed");
    ++resets_;
  }
  uint64_t reset_count() const override { return resets_; }

  void pull() { removed_ = true; }
  // Back in the reader: powered up afresh, every channel closed.
  void insert() {
    card_.reset();
    removed_ = false;
    ++resets_;
  }
  // A reset nobody reports (the card answers 6881 on the channel it forgot).
  void reset_silently() { card_.reset(); }
  bool removed() const { return removed_; }
  uint64_t apdus() const { return apdus_; }

 private:
  veuicc::Card& card_;
  std::atomic<bool> removed_{false};
  std::atomic<uint64_t> resets_{0};
  std::atomic<uint64_t> apdus_{0};
};

class VirtualEuiccBackend : public CardBackend {
 public:
  explicit VirtualEuiccBackend(veuicc::Card& card, std::string name = "veuicc",
                               std::string device = kVirtualDevice)
      : card_(card), name_(std::move(name)), device_(std::move(device)) {}

  std::string name() const override { return name_; }
  const std::string& device() const { return device_; }
  std::unique_ptr<CardConnection> connect(const std::string& device) override {
    if (device != device_ || card_.removed())
      throw Error(Errc::NoReader, "no card in \"" + device + "\"");
    ++connects_;
    return std::make_unique<Connection>(card_, holds_);
  }
  // The tests hand the registry its device pictures themselves.
  std::unique_ptr<DeviceWatch> watch(LoopQueue&, SlotsChanged) override {
    return std::make_unique<NoWatch>();
  }

  VirtualEuiccCard& card() { return card_; }
  unsigned connects() const { return connects_; }
  unsigned holds() const { return holds_; }

 private:
  class Hold : public CardHold {};
  class Connection : public CardConnection {
   public:
    Connection(VirtualEuiccCard& card, std::atomic<unsigned>& holds) : link_(card), holds_(holds) {}
    apdu::ChannelLink& link() override { return link_; }
    std::unique_ptr<CardHold> hold() override {
      ++holds_;
      return std::make_unique<Hold>();
    }

   private:
    apdu::BasicChannelLink link_;
    std::atomic<unsigned>& holds_;
  };
  class NoWatch : public DeviceWatch {
   public:
    void start() override {}
    void stop() override {}
  };

  VirtualEuiccCard card_;
  std::string name_;
  std::string device_;
  std::atomic<unsigned> connects_{0};
  std::atomic<unsigned> holds_{0};
};

}  // namespace euiccd::daemon::testing
