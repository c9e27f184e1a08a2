// The PC/SC card backend: eUICCs in card readers through pcscd. A connection is a PC/SC
// context of its own (pcsc-lite contexts are per thread), the card in shared mode and a
// basic-channel link (MANAGE CHANNEL + SELECT) on it; a hold is a PC/SC transaction. Devices
// are reader names, watched by the hotplug watcher (daemon/hotplug.h).
#pragma once

#include <memory>
#include <string>

#include "daemon/card_backend.h"

namespace euiccd::daemon {

class PcscBackend : public CardBackend {
 public:
  std::string name() const override { return "pcsc"; }
  std::unique_ptr<CardConnection> connect(const std::string& reader) override;
  std::unique_ptr<DeviceWatch> watch(LoopQueue& loop, SlotsChanged changed) override;
};

}  // namespace euiccd::daemon
