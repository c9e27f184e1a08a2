// The rig of the modem switch tests (daemon_switch_test, daemon_travel_test): euiccd serving an
// emulated modem (veuicc --modem on a pty) that python-dbusmock's ModemManager stand-in
// (tests/support/dbusmock_modemmanager.py) manages too, its modem following the virtual eUICC:
// its SIM is the card's enabled profile (read from the card's state file), it leaves while
// inhibited and after a SIM restart and comes back under a new object path, and only the SIMs
// the test gives a network register. A switch is recorded with the Job's stages
// (PropertiesChanged of Stage, the Job found through the eUICC's ActiveJob), with the eUICC's
// Modem as it follows ModemManager's modem.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "sdbus/sdbus.h"
#include "tests/support/daemon_rig.h"

namespace euiccd::testing::switching {

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

// The card's two profiles; the modem's `Device` in ModemManager.
inline constexpr char kModemDevice[] = "/sys/devices/mock/usb1/1-1";
inline constexpr char kHome[] = "8944476500001224158";
inline constexpr char kTravel[] = "89012600000000000013";

inline std::string seed() {
  return json{{"profiles",
               {{{"iccid", kHome}, {"state", "enabled"}, {"profile_class", "operational"}},
                {{"iccid", kTravel}, {"profile_class", "operational"}}}}}
      .dump();
}

// What one Enable/Disable call saw: its reply, the switch job and the stages it went through.
struct SwitchRecord {
  AsyncReply reply;
  std::vector<std::string> jobs;    // ActiveJob values other than "/", in order
  std::vector<std::string> stages;  // the Job's Stage values, in order
  std::vector<std::string> modems;  // the eUICC's Modem values, in order
};

inline int on_properties_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* record = static_cast<SwitchRecord*>(userdata);
  const char* interface = nullptr;
  if (sd_bus_message_read(m, "s", &interface) < 0) return 0;
  if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0) return 0;
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    const char* name = nullptr;
    sd_bus_message_read(m, "s", &name);
    const bool stage = std::strcmp(interface, kJobIface) == 0 && std::strcmp(name, "Stage") == 0;
    const bool euicc = std::strcmp(interface, kEuiccIface) == 0;
    const bool job = euicc && std::strcmp(name, "ActiveJob") == 0;
    const bool modem = euicc && std::strcmp(name, "Modem") == 0;
    if (stage || job || modem) {
      const char* value = nullptr;
      sd_bus_message_enter_container(m, 'v', stage ? "s" : "o");
      sd_bus_message_read_basic(m, stage ? 's' : 'o', &value);
      sd_bus_message_exit_container(m);
      if (stage) record->stages.emplace_back(value);
      if (job && std::strcmp(value, "/") != 0) record->jobs.emplace_back(value);
      if (modem) record->modems.emplace_back(value);
    } else {
      sd_bus_message_skip(m, "v");
    }
    sd_bus_message_exit_container(m);
  }
  return 0;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// An emulated modem: veuicc --modem and Transport=, its device in the test's directory, its
// port type for ModemManager (MMModemPortType), TimeoutSec= (QMI/MBIM start their proxy).
struct Transport {
  const char* name;
  const char* device_name;
  int port_type;
  const char* timeout;
};
inline const Transport kAt{"at", "ttyUSB2", 3, "1"};
inline const Transport kQmi{"qmi", "cdc-wdm0", 6, "3"};
inline const Transport kMbim{"mbim", "wwan0mbim0", 7, "3"};

// The daemon serving an emulated modem that the ModemManager stand-in manages too.
class SwitchWorld {
 public:
  // `extra_config`: lines added after [Boot]'s (more [Boot] keys, or further sections).
  explicit SwitchWorld(const std::string& networks_json = "", const std::string& extra_config = "",
                       const Transport& transport = kAt)
      : transport_(transport), rig_({.card_seed = seed(), .start = false}) {
    rig_.start_card({"--modem", transport.name, "--pty-link", device(), "--verbose"});
    if (!eventually([&] { return access(device().c_str(), F_OK) == 0; }, 5s))
      throw std::runtime_error("the emulated modem made no device" + rig_.logs());
    json networks = networks_json.empty()
                        ? json{{kHome, {{"operator", "23415"}}},
                               {kTravel, {{"operator", "42602"}, {"roaming", true}}}}
                        : json::parse(networks_json);
    json modem = {{"card_state", rig_.dir().file("card.json")},
                  {"device", kModemDevice},
                  {"ports", json::array({json::array({device(), transport.port_type})})},
                  {"primary_port", device()},
                  {"plugin", "generic"},
                  {"networks", networks},
                  {"return_delay", 0.3},
                  {"register_delay", 0.2}};
    rig_.start_modem_manager(json{{"modems", json::array({modem})}}.dump());
    std::ostringstream config;
    config << "[Readers]\nDeny=*\n"
           << "[Notifications]\nAutoProcess=no\nRetryIntervalSec=0\n"
           << "[Boot]\nRegistrationTimeoutSec=3\n"
           << extra_config << "[Modem:test]\nTransport=" << transport.name
           << "\nDevice=" << device() << "\nTimeoutSec=" << transport.timeout << "\n";
    rig_.write_daemon_config(config.str());
    rig_.start_daemon();
    if (!rig_.wait_for_euicc(20s))
      throw std::runtime_error("the modem's eUICC did not come up on the bus" + rig_.logs());
    // The eUICC is matched with ModemManager's modem once both are seen (either may come
    // first): every case starts from an eUICC that names its modem.
    const bool matched = rig_.pump_until(
        [&] { return rig_.get_path(DaemonRig::euicc_path(), kEuiccIface, "Modem") != "/"; }, 20s);
    if (!matched)
      throw std::runtime_error("the eUICC was not matched with ModemManager's modem" + rig_.logs());
    rig_.allow_all();
  }

  DaemonRig& rig() { return rig_; }
  std::string device() const { return rig_.dir().file(transport_.device_name); }
  ModemManagerMock& mm() { return *rig_.modem_manager(); }

  // Calls Profile.`method` on `iccid` and records the switch until its reply; `during` runs
  // at each turn (sabotage in the middle of a switch).
  SwitchRecord run(const std::string& iccid, const char* method,
                   const std::function<void(SwitchRecord&)>& during = {}) {
    SwitchRecord record;
    euiccd::sdbus::Slot slot;
    sd_bus_match_signal(rig_.client().bus(), slot.put(), nullptr, nullptr,
                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                        on_properties_changed, &record);
    // The reply comes when the whole switch has ended: seconds here (sd-bus's default 25 s
    // timeout is enough with RegistrationTimeoutSec=3).
    rig_.call_async(record.reply, DaemonRig::profile_path(iccid), kProfileIface, method);
    rig_.pump_until(
        [&] {
          if (during) during(record);
          return record.reply.done;
        },
        40s);
    rig_.pump_until([] { return false; }, 100ms);  // the last PropertiesChanged
    return record;
  }

  std::string enabled_on_card() {
    const json state = rig_.card_state();  // not a temporary: the loop refers into it
    for (const auto& p : state.at("profiles"))
      if (p.value("state", std::string()) == "enabled") return p.at("iccid");
    return "";
  }

 private:
  Transport transport_;
  DaemonRig rig_;
};

// The stages in `seen` with repeats (progress updates) folded.
inline std::vector<std::string> distinct(const std::vector<std::string>& seen) {
  std::vector<std::string> out;
  for (const auto& s : seen)
    if (out.empty() || out.back() != s) out.push_back(s);
  return out;
}

}  // namespace euiccd::testing::switching
