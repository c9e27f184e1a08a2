#include "daemon/switch_modem_manager.h"

#include <functional>
#include <map>

#include "base/error.h"
#include "topup/modem_manager.h"

namespace euiccd::daemon {
namespace {

// ModemManager's D-Bus names (its bus name is the object root's and the main interface's).
constexpr const char* kService = topup::ModemManagerClient::kService;
constexpr char kRoot[] = "/org/freedesktop/ModemManager1";
constexpr char kModem[] = "org.freedesktop.ModemManager1.Modem";
constexpr char kModem3gpp[] = "org.freedesktop.ModemManager1.Modem.Modem3gpp";
constexpr char kUssd[] = "org.freedesktop.ModemManager1.Modem.Modem3gpp.Ussd";
constexpr char kVoice[] = "org.freedesktop.ModemManager1.Modem.Voice";
constexpr char kSim[] = "org.freedesktop.ModemManager1.Sim";

using topup::check;

// Reads the variant at the current position into the modem when its type is `type`, else
// skips it (a stand-in or a future ModemManager with other types is not fatal).
using PropertyReader = std::function<void(sd_bus_message* m, SwitchModem& modem)>;

void read_value(sd_bus_message* m, const char* type, SwitchModem& modem,
                const PropertyReader& read) {
  if (sd_bus_message_enter_container(m, 'v', type) <= 0) {
    check(sd_bus_message_skip(m, "v"), "a property");
    return;
  }
  read(m, modem);
  check(sd_bus_message_exit_container(m), "a property");
}

struct Property {
  const char* type;
  PropertyReader read;
};

const std::map<std::string, Property>& modem_properties() {
  static const std::map<std::string, Property> table = {
      {"Device",
       {"s", [](sd_bus_message* m, SwitchModem& s) { s.device = topup::read_string(m); }}},
      {"Sim",
       {"o",
        [](sd_bus_message* m, SwitchModem& s) {
          s.sim_iccid = topup::read_string(m, 'o');  // the path, for now
        }}},
      {"State",
       {"i", [](sd_bus_message* m,
                SwitchModem& s) { check(sd_bus_message_read(m, "i", &s.state), "State"); }}},
      {"Ports",
       {"a(su)",
        [](sd_bus_message* m, SwitchModem& s) {
          check(sd_bus_message_enter_container(m, 'a', "(su)"), "Ports");
          const char* name = nullptr;
          uint32_t type = 0;
          while (check(sd_bus_message_read(m, "(su)", &name, &type), "Ports") > 0)
            s.ports.emplace_back(name);
          check(sd_bus_message_exit_container(m), "Ports");
        }}},
  };
  return table;
}

const std::map<std::string, Property>& modem3gpp_properties() {
  static const std::map<std::string, Property> table = {
      {"RegistrationState",
       {"u",
        [](sd_bus_message* m, SwitchModem& s) {
          check(sd_bus_message_read(m, "u", &s.registration_state), "RegistrationState");
        }}},
      {"OperatorCode",
       {"s", [](sd_bus_message* m, SwitchModem& s) { s.operator_code = topup::read_string(m); }}},
  };
  return table;
}

const std::map<std::string, Property>& ussd_properties() {
  static const std::map<std::string, Property> table = {
      {"State",
       {"u",
        [](sd_bus_message* m, SwitchModem& s) {
          check(sd_bus_message_read(m, "u", &s.ussd_state), "Ussd State");
        }}},
  };
  return table;
}

const std::map<std::string, Property>& voice_properties() {
  static const std::map<std::string, Property> table = {
      {"Calls",
       {"ao",
        [](sd_bus_message* m, SwitchModem& s) {
          check(sd_bus_message_enter_container(m, 'a', "o"), "Calls");
          const char* path = nullptr;
          while (check(sd_bus_message_read(m, "o", &path), "Calls") > 0) ++s.calls;
          check(sd_bus_message_exit_container(m), "Calls");
        }}},
  };
  return table;
}

void read_interface(sd_bus_message* m, const std::map<std::string, Property>& table,
                    SwitchModem& modem) {
  check(sd_bus_message_enter_container(m, 'a', "{sv}"), "properties");
  while (check(sd_bus_message_enter_container(m, 'e', "sv"), "property") > 0) {
    const std::string name = topup::read_string(m);
    auto it = table.find(name);
    if (it == table.end())
      check(sd_bus_message_skip(m, "v"), "a property");
    else
      read_value(m, it->second.type, modem, it->second.read);
    check(sd_bus_message_exit_container(m), "property");
  }
  check(sd_bus_message_exit_container(m), "properties");
}

Error modem_manager_error(const std::string& doing, const topup::BusFailure& failure) {
  return Error(Errc::NoModem, "ModemManager could not " + doing + ": " + failure.what());
}

}  // namespace

bool ussd_session_open(const SwitchModem& modem) {
  return modem.ussd_state == 2 || modem.ussd_state == 3;
}

bool modem_has_port(const SwitchModem& modem, const std::string& port) {
  const std::string bare = port.starts_with("/dev/") ? port.substr(5) : port;
  for (const auto& p : modem.ports)
    if (p == port || p == bare) return true;
  return false;
}

SwitchModemManager::SwitchModemManager(const std::string& bus_address) try : bus_(bus_address) {
} catch (const topup::BusFailure& failure) {
  throw Error(Errc::NoModem,
              std::string("cannot reach the bus ModemManager is on: ") + failure.what());
}

std::optional<std::vector<SwitchModem>> SwitchModemManager::modems() {
  sdbus::Message reply;
  try {
    reply = bus_.call(kService, kRoot, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                      call_timeout_);
  } catch (const topup::BusFailure& failure) {
    if (failure.service_missing()) return std::nullopt;
    throw modem_manager_error("list its modems", failure);
  }
  std::vector<SwitchModem> modems;
  try {
    sd_bus_message* m = reply.get();
    check(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}"), "managed objects");
    while (check(sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}"), "object") > 0) {
      SwitchModem modem;
      modem.path = topup::read_string(m, 'o');
      bool is_modem = false;
      check(sd_bus_message_enter_container(m, 'a', "{sa{sv}}"), "interfaces");
      while (check(sd_bus_message_enter_container(m, 'e', "sa{sv}"), "interface") > 0) {
        const std::string interface = topup::read_string(m);
        if (interface == kModem) {
          is_modem = true;
          read_interface(m, modem_properties(), modem);
        } else if (interface == kModem3gpp) {
          read_interface(m, modem3gpp_properties(), modem);
        } else if (interface == kUssd) {
          read_interface(m, ussd_properties(), modem);
        } else if (interface == kVoice) {
          read_interface(m, voice_properties(), modem);
        } else {
          check(sd_bus_message_skip(m, "a{sv}"), "interface");
        }
        check(sd_bus_message_exit_container(m), "interface");
      }
      check(sd_bus_message_exit_container(m), "interfaces");
      check(sd_bus_message_exit_container(m), "object");
      if (is_modem) modems.push_back(std::move(modem));
    }
    check(sd_bus_message_exit_container(m), "managed objects");
  } catch (const topup::BusFailure& failure) {
    throw modem_manager_error("describe its modems", failure);
  }
  // "Sim" held the SIM object's path; what the switch compares is the ICCID behind it.
  for (SwitchModem& modem : modems) modem.sim_iccid = sim_iccid(modem.sim_iccid);
  return modems;
}

std::string SwitchModemManager::sim_iccid(const std::string& sim_path) {
  if (sim_path.empty() || sim_path == "/") return {};
  try {
    return bus_.get_string(kService, sim_path, kSim, "SimIdentifier", call_timeout_);
  } catch (const topup::BusFailure&) {
    return {};  // the SIM object went between the two calls: no SIM for now
  }
}

void SwitchModemManager::inhibit(const std::string& device, bool inhibit) {
  try {
    bus_.call(kService, kRoot, "org.freedesktop.ModemManager1", "InhibitDevice", call_timeout_,
              [&](sd_bus_message* m) {
                sd_bus_message_append(m, "sb", device.c_str(), inhibit ? 1 : 0);
              });
  } catch (const topup::BusFailure& failure) {
    throw modem_manager_error(
        std::string(inhibit ? "inhibit" : "uninhibit") + " the modem " + device, failure);
  }
}

}  // namespace euiccd::daemon
