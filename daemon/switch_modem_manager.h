// What a profile switch on a modem eUICC asks of ModemManager (daemon/profile_switch.h): the
// modems as they are now, and InhibitDevice. Blocking calls on one private connection, kept for
// the whole switch: ModemManager ends an inhibition when the connection that asked for it
// leaves the bus, so the connection must live from inhibit to uninhibit. Runs on the card's
// worker thread, never on the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "topup/mm_bus.h"

namespace euiccd::daemon {

// One ModemManager modem as the switch sees it.
struct SwitchModem {
  std::string path;                 // its object path: changes when the modem comes back
  std::string device;               // `Device`: what does not change (the uid InhibitDevice takes)
  std::vector<std::string> ports;   // `Ports` names: "ttyUSB2", "cdc-wdm0" (or paths)
  std::string sim_iccid;            // the active SIM's SimIdentifier; "" without a SIM
  int32_t state = 0;                // `State` (MMModemState)
  uint32_t registration_state = 0;  // Modem3gpp `RegistrationState`; 0 when absent
  std::string operator_code;        // Modem3gpp `OperatorCode` (MCCMNC); "" when absent
  uint32_t ussd_state = 0;          // Modem3gpp.Ussd `State` (2 active, 3 user-response); 0 absent
  size_t calls = 0;                 // Modem.Voice `Calls`: the calls the modem has now
};

// Whether a USSD session is open on the modem (ModemManager's MMModem3gppUssdSessionState
// active or user-response): a switch would cut it off.
bool ussd_session_open(const SwitchModem& modem);
// Whether `port` (a device path, or a name as ModemManager lists it) is one of the modem's.
bool modem_has_port(const SwitchModem& modem, const std::string& port);

class SwitchModemManager {
 public:
  // `bus_address` "" = the system bus. Throws Error(NoModem) when the bus cannot be reached.
  explicit SwitchModemManager(const std::string& bus_address);

  // Every modem ModemManager has now; nullopt while ModemManager is not on the bus (stopped, or
  // restarting). Throws Error(NoModem) for other failures.
  std::optional<std::vector<SwitchModem>> modems();
  // org.freedesktop.ModemManager1.InhibitDevice(uid, inhibit). Throws Error(NoModem) with
  // ModemManager's own words when it refuses.
  void inhibit(const std::string& device, bool inhibit);

 private:
  std::string sim_iccid(const std::string& sim_path);

  topup::Bus bus_;
  std::chrono::milliseconds call_timeout_{5000};
};

}  // namespace euiccd::daemon
