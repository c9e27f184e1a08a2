// The seam between the daemon core and what carries APDUs to an eUICC. A backend (PC/SC today,
// daemon/pcsc_backend.h; modems later) watches its devices and connects to one of them on the
// card's worker thread; the core (card worker, registry, eUICC operations) sees only this
// interface, an apdu::ChannelLink and the lpa/ types above it, so it runs the same on any
// carrier and unit tests drive it in-process against the virtual eUICC.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "daemon/engine_settings.h"
#include "daemon/loop_queue.h"

namespace euiccd::apdu {
class ChannelLink;
}

namespace euiccd::daemon {

// Keeps other programs off the card while it lives (PC/SC: a transaction).
class CardHold {
 public:
  virtual ~CardHold() = default;
};

// One connection to one eUICC as a backend made it: the link to the ISD-R channel and what
// the link stands on (a PC/SC context and card, a modem client), owned together and used by
// one thread, the card's worker. Holding it keeps the device connected, nothing more: other
// programs may still use the card between two holds.
class CardConnection {
 public:
  virtual ~CardConnection() = default;
  virtual apdu::ChannelLink& link() = 0;
  // Keeps other programs off the card until the returned hold goes, for the few commands of a
  // change. nullptr when the carrier has nothing of the kind (a channel no one else can use).
  virtual std::unique_ptr<CardHold> hold() = 0;
};

// A device that may hold an eUICC, as a backend's watcher sees it.
struct CardSlot {
  std::string device;  // what connect() takes: a PC/SC reader name, a modem's path
  bool card_present = false;
  Bytes identity;  // tells one card from another in the same place (PC/SC: the ATR)
};

// Reports device pictures until stopped (it stops when destroyed too).
class DeviceWatch {
 public:
  virtual ~DeviceWatch() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
};

class CardBackend {
 public:
  using SlotsChanged = std::function<void(const std::vector<CardSlot>& slots)>;

  virtual ~CardBackend() = default;
  // What carries the APDUs: "pcsc", and later "qmi", "mbim", "at".
  virtual std::string name() const = 0;
  // Connects to the eUICC at `device`, on the calling thread (the card's worker), which alone
  // uses the connection. Throws euiccd::Error: NoReader when the device or its card is gone,
  // Busy when another program holds it exclusively, what the carrier says otherwise.
  virtual std::unique_ptr<CardConnection> connect(const std::string& device) = 0;
  // A watcher that hands every new picture of the backend's devices (all of them, each time)
  // to `changed` on the loop thread, from start() on.
  virtual std::unique_ptr<DeviceWatch> watch(LoopQueue& loop, SlotsChanged changed) = 0;
  // How this backend's cards are driven, from the configured settings: a carrier with a
  // shorter command line starts STORE DATA at a smaller segment (AT: 120 bytes).
  virtual CardSettings card_settings(CardSettings configured) const { return configured; }
  // ModemManager's modem object when `device` is in a modem it manages, else "" (the eUICC's
  // D-Bus Modem property).
  virtual std::string modem_object(const std::string& /*device*/) const { return {}; }
};

}  // namespace euiccd::daemon
