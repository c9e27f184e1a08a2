// The seam between the daemon core and what carries APDUs to an eUICC. A backend (PC/SC today,
// daemon/pcsc_backend.h; modems later) watches its devices and connects to one of them on the
// card's worker thread; the core (card worker, registry, eUICC operations) sees only this
// interface, an apdu::ChannelLink and the lpa/ types above it, so it runs the same on any
// carrier and unit tests drive it in-process against the virtual eUICC.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "daemon/engine_settings.h"
#include "daemon/loop_queue.h"

namespace euiccd::apdu {
class ChannelLink;
}

namespace euiccd::daemon {

// How a modem is made to re-read its SIM after a profile switch (issue 13), so that it attaches
// with the new profile. Refresh: the eUICC's own REFRESH, asked for with SGP.22's refreshFlag,
// carried out by the modem; nothing more to do. The others are sent by euiccd after the
// Enable/Disable: QMI UIM power off + on, MBIM MS UICC reset, AT+CFUN=0 then 1 (this one only
// while ModemManager is inhibited on the device).
enum class SimRestart { Refresh, PowerCycle, UiccReset, Cfun };

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
  // Makes the modem re-read its SIM the way `how` says; the link reopens its channel on its
  // next use. Throws euiccd::Error: NotSupported when this carrier has no such way.
  virtual void restart_sim(SimRestart how) {
    if (how != SimRestart::Refresh)
      throw Error(Errc::NotSupported, "this card's carrier cannot restart the SIM that way");
  }
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
  // How a switch on `device` makes its modem re-read the SIM; nullopt when `device` is not in a
  // modem (PC/SC): a switch there is only the card's Enable/Disable.
  virtual std::optional<SimRestart> sim_restart(const std::string& /*device*/) const {
    return std::nullopt;
  }
};

}  // namespace euiccd::daemon
