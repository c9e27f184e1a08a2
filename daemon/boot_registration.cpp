#include "daemon/boot_registration.h"

#include <iterator>

#include "base/error.h"
#include "topup/mm_bus.h"
#include "topup/modem_manager.h"

namespace euiccd::daemon {
namespace {

using namespace std::chrono_literals;

constexpr int32_t kModemStateRegistered = 8;  // MM_MODEM_STATE_REGISTERED

// ModemManager on the bus at all? Ping activates it where it is D-Bus activatable; only "no
// such name" means absent, so that a modem that is merely missing reads as not registered.
bool modem_manager_present(const std::string& bus_address, std::string& why_not) {
  try {
    topup::Bus bus(bus_address);
    bus.call(topup::ModemManagerClient::kService, "/org/freedesktop/ModemManager1",
             "org.freedesktop.DBus.Peer", "Ping", 5s);
    return true;
  } catch (const topup::BusFailure& failure) {
    why_not = failure.name.empty() ? failure.message : failure.name + ": " + failure.message;
    return false;
  }
}

}  // namespace

bool modem_registered(int32_t state, uint32_t registration_state) {
  // MMModem3gppRegistrationState: HOME 1, ROAMING 5, HOME/ROAMING_CSFB_NOT_PREFERRED 9/10.
  const bool attached = registration_state == 1 || registration_state == 5 ||
                        registration_state == 9 || registration_state == 10;
  return state >= kModemStateRegistered || attached;
}

std::string registration_state_name(uint32_t registration_state) {
  static const char* const kNames[] = {"idle",
                                       "home",
                                       "searching",
                                       "denied",
                                       "unknown",
                                       "roaming",
                                       "home-sms-only",
                                       "roaming-sms-only",
                                       "emergency-only",
                                       "home-csfb-not-preferred",
                                       "roaming-csfb-not-preferred",
                                       "attached-rlos"};
  if (registration_state < std::size(kNames)) return kNames[registration_state];
  return std::to_string(registration_state);
}

RegistrationCheck check_registration(const std::string& bus_address, const std::string& iccid) {
  using Result = RegistrationCheck::Result;
  std::string why_not;
  if (!modem_manager_present(bus_address, why_not)) {
    return {Result::Unknown, "ModemManager is not available (" + why_not + ")"};
  }
  try {
    topup::ModemManagerTimeouts timeouts;
    timeouts.call = 5s;
    topup::ModemManagerClient client(bus_address, timeouts);
    const topup::Modem modem = client.find_modem(iccid);
    const std::string state = modem.label + " is in state " + std::to_string(modem.state);
    if (modem_registered(modem.state, 0)) return {Result::Registered, state};
    return {Result::NotRegistered,
            state + " (registered is " + std::to_string(kModemStateRegistered) + ")"};
  } catch (const Error& error) {
    // No modem carries the SIM (it may not have come back after the switch), or the ICCID
    // sits in an inactive slot: either way the profile is not on a network.
    if (error.code() == Errc::NoModem || error.code() == Errc::WrongState)
      return {Result::NotRegistered, error.what()};
    return {Result::Unknown, error.what()};
  }
}

}  // namespace euiccd::daemon
