// Which transport, port and SIM slot reach the eUICC of a modem that ModemManager manages,
// from the modem object's properties as ModemManager publishes them and the configuration's
// [ModemOverride:<match>] sections. Pure: no bus, no files; daemon/modem_manager_watch.h feeds
// it what ModemManager says.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "daemon/modem_endpoint.h"

namespace euiccd::daemon {

// MMModemPortType (ModemManager-enums.h, MM 1.20); the values are ModemManager's D-Bus API.
enum class MmPortType : uint32_t {
  Unknown = 1,
  Net = 2,
  At = 3,
  Qcdm = 4,
  Gps = 5,
  Qmi = 6,
  Mbim = 7,
  Audio = 8,
  Ignored = 9,  // udev ID_MM_PORT_IGNORE: ModemManager leaves it alone
};

struct MmPort {
  std::string name;   // "cdc-wdm0", "ttyUSB2", "wwan0at0", "qrtr0"
  uint32_t type = 0;  // MMModemPortType; other values are kept and never chosen
  bool operator==(const MmPort&) const = default;
};

// The org.freedesktop.ModemManager1.Modem properties the choice looks at.
struct ModemFacts {
  std::string object_path;             // /org/freedesktop/ModemManager1/Modem/0
  std::string device;                  // `Device`: sysfs path (or ID_MM_PHYSDEV_UID)
  std::string equipment_identifier;    // `EquipmentIdentifier`: IMEI
  std::string primary_port;            // `PrimaryPort`
  std::vector<MmPort> ports;           // `Ports` a(su)
  std::vector<std::string> drivers;    // `Drivers`: qmi_wwan, cdc_mbim, option, …
  std::string plugin;                  // `Plugin`: quectel, sierra, qcom-soc, …
  std::vector<std::string> sim_slots;  // `SimSlots` ao: empty without multi-SIM support
  uint32_t primary_sim_slot = 0;       // `PrimarySimSlot`: 1-based, 0 = no multi-SIM
};

// What was chosen for one modem, and why, in words for the journal ("QMI port cdc-wdm0",
// "ignored by [ModemOverride:…]", "no QMI, MBIM or AT port").
struct EndpointChoice {
  std::optional<ModemEndpoint> endpoint;
  std::string reason;
};

// The [ModemOverride:<match>] section for this modem: an exact match on its Device first, then
// on its EquipmentIdentifier; nullptr when none applies.
const ModemOverrideConfig* find_modem_override(
    const ModemFacts& modem, const std::map<std::string, ModemOverrideConfig, std::less<>>& all);

// One endpoint per modem: only the active SIM slot answers APDUs, so a modem with two slots
// is one endpoint whose slot follows PrimarySimSlot (a slot switch is a new endpoint).
EndpointChoice choose_modem_endpoint(const ModemFacts& modem,
                                     const ModemOverrideConfig* override_config);

}  // namespace euiccd::daemon
