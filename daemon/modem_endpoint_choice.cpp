// The choice, in order:
//  1. [ModemOverride] Ignore=yes: nothing.
//  2. [ModemOverride] Port= and/or Transport=: that port (its transport from ModemManager's port
//     type unless Transport= says), or the best port of that transport.
//  3. Otherwise QMI, else MBIM, else AT (docs/modem-research.md 6.2): QMI and MBIM go through
//     qmi-proxy / mbim-proxy, which ModemManager uses too, so euiccd shares the modem with it
//     safely; an AT tty cannot be shared (both would read the same replies), so AT is the last
//     resort and its backend must have ModemManager inhibit the modem first.
// Within a transport the modem's PrimaryPort wins when it has that type, else the first such
// port in ModemManager's order. For AT that means the primary AT port: lpac, Hermes and
// OpenEUICC pick no AT port themselves (lpac's `at` driver takes LPAC_APDU_AT_DEVICE, default
// /dev/ttyUSB0; Hermes speaks only QMI and MBIM; OpenEUICC goes through Android's telephony
// stack), and ModemManager's D-Bus API does not say which port is AT primary or secondary
// beyond PrimaryPort; the primary is the port ModemManager's probing found to answer AT
// commands, the secondary may be a data or diagnostics port on some modems. Ports of type
// IGNORED (ID_MM_PORT_IGNORE) are never picked on their own: ModemManager did not probe them,
// so they may not speak AT at all; Port= can name one.
#include "daemon/modem_endpoint_choice.h"

#include <algorithm>

#include "base/text_case.h"
#include "daemon/modem_sim_restart.h"

namespace euiccd::daemon {
namespace {

constexpr std::string_view kDev = "/dev/";

std::string_view port_type_name(uint32_t type) {
  switch (static_cast<MmPortType>(type)) {
    case MmPortType::Unknown: return "unknown";
    case MmPortType::Net: return "net";
    case MmPortType::At: return "at";
    case MmPortType::Qcdm: return "qcdm";
    case MmPortType::Gps: return "gps";
    case MmPortType::Qmi: return "qmi";
    case MmPortType::Mbim: return "mbim";
    case MmPortType::Audio: return "audio";
    case MmPortType::Ignored: return "ignored";
  }
  return "invalid";
}

std::optional<ModemTransport> transport_of(uint32_t type) {
  switch (static_cast<MmPortType>(type)) {
    case MmPortType::Qmi: return ModemTransport::Qmi;
    case MmPortType::Mbim: return ModemTransport::Mbim;
    case MmPortType::At: return ModemTransport::At;
    default: return std::nullopt;
  }
}

uint32_t port_type_of(ModemTransport transport) {
  switch (transport) {
    case ModemTransport::Qmi: return static_cast<uint32_t>(MmPortType::Qmi);
    case ModemTransport::Mbim: return static_cast<uint32_t>(MmPortType::Mbim);
    case ModemTransport::At: return static_cast<uint32_t>(MmPortType::At);
  }
  return 0;
}

// ModemManager names a QMI endpoint on a Qualcomm SoC "qrtr<node>"
// (mm_kernel_device_qrtr_helper_build_name); libqmi and qmicli open it as "qrtr://<node>".
std::optional<std::string> qrtr_uri(std::string_view port_name) {
  constexpr std::string_view kQrtr = "qrtr";
  if (!port_name.starts_with(kQrtr) || port_name.size() == kQrtr.size()) return std::nullopt;
  std::string_view node = port_name.substr(kQrtr.size());
  if (!std::all_of(node.begin(), node.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return "qrtr://" + std::string(node);
}

std::string device_path(ModemTransport transport, std::string_view port_name) {
  if (transport == ModemTransport::Qmi) {
    if (auto uri = qrtr_uri(port_name)) return *uri;
  }
  if (port_name.starts_with('/')) return std::string(port_name);
  return std::string(kDev) + std::string(port_name);
}

// "/dev/ttyUSB2" and "ttyUSB2" name the same port.
std::string_view bare_port_name(std::string_view port) {
  if (port.starts_with(kDev)) port.remove_prefix(kDev.size());
  return port;
}

const MmPort* find_port(const ModemFacts& modem, std::string_view name) {
  for (const MmPort& port : modem.ports) {
    if (port.name == bare_port_name(name)) return &port;
  }
  return nullptr;
}

// PrimaryPort when it has this type, else the first port of this type.
const MmPort* best_port(const ModemFacts& modem, ModemTransport transport) {
  const uint32_t type = port_type_of(transport);
  const MmPort* first = nullptr;
  for (const MmPort& port : modem.ports) {
    if (port.type != type) continue;
    if (port.name == modem.primary_port) return &port;
    if (first == nullptr) first = &port;
  }
  return first;
}

std::string list_ports(const ModemFacts& modem) {
  if (modem.ports.empty()) return "none";
  std::string out;
  for (const MmPort& port : modem.ports) {
    if (!out.empty()) out += ", ";
    out += port.name + " (" + std::string(port_type_name(port.type)) + ")";
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : ",") + word;
  return out;
}

// What ModemManager knows of the hardware, for the journal line: "plugin quectel, drivers
// qmi_wwan,option".
std::string hardware(const ModemFacts& modem) {
  std::string out = "plugin " + (modem.plugin.empty() ? std::string("?") : modem.plugin);
  if (!modem.drivers.empty()) out += ", drivers " + join(modem.drivers);
  return out;
}

struct PortChoice {
  const MmPort* port = nullptr;  // one of the modem's ports, or nullptr for a Port= path
  std::string name;              // as the override or ModemManager names it
  ModemTransport transport = ModemTransport::Qmi;
  std::string why;
};

EndpointChoice nothing(std::string reason) {
  return {std::nullopt, std::move(reason)};
}

std::optional<PortChoice> choose_port(const ModemFacts& modem, const ModemOverrideConfig* config,
                                      std::string& problem) {
  if (config != nullptr && config->port) {
    const std::string& name = *config->port;
    const MmPort* port = find_port(modem, name);
    std::optional<ModemTransport> transport = config->transport;
    if (!transport && port != nullptr) transport = transport_of(port->type);
    if (!transport) {
      problem = port == nullptr
                    ? "Port=" + name + " is not one of its ports (" + list_ports(modem) +
                          "); add Transport= to use it anyway"
                    : "Port=" + name + " is a " + std::string(port_type_name(port->type)) +
                          " port; add Transport= to say how to use it";
      return std::nullopt;
    }
    return PortChoice{port, name, *transport, "Port= in its [ModemOverride] section"};
  }
  if (config != nullptr && config->transport) {
    const MmPort* port = best_port(modem, *config->transport);
    if (port == nullptr) {
      problem = "Transport=" + std::string(transport_name(*config->transport)) +
                " but it has no such port (" + list_ports(modem) + ")";
      return std::nullopt;
    }
    return PortChoice{port, port->name, *config->transport,
                      "Transport= in its [ModemOverride] section"};
  }
  for (ModemTransport transport : {ModemTransport::Qmi, ModemTransport::Mbim, ModemTransport::At}) {
    if (const MmPort* port = best_port(modem, transport)) {
      return PortChoice{port, port->name, transport,
                        to_upper(transport_name(transport)) + " port " + port->name};
    }
  }
  problem = "no QMI, MBIM or AT port (" + list_ports(modem) + ")";
  return std::nullopt;
}

}  // namespace

const ModemOverrideConfig* find_modem_override(
    const ModemFacts& modem, const std::map<std::string, ModemOverrideConfig, std::less<>>& all) {
  for (const std::string* key : {&modem.device, &modem.equipment_identifier}) {
    if (key->empty()) continue;
    if (auto it = all.find(*key); it != all.end()) return &it->second;
  }
  return nullptr;
}

EndpointChoice choose_modem_endpoint(const ModemFacts& modem,
                                     const ModemOverrideConfig* override_config) {
  if (override_config != nullptr && override_config->ignore) {
    return nothing("Ignore=yes in its [ModemOverride] section");
  }
  std::string problem;
  std::optional<PortChoice> port = choose_port(modem, override_config, problem);
  if (!port) return nothing(problem + "; " + hardware(modem));

  ModemEndpoint endpoint;
  endpoint.transport = port->transport;
  endpoint.device = device_path(port->transport, port->name);
  endpoint.modem_object = modem.object_path;
  std::string slot_why;
  if (override_config != nullptr && override_config->slot) {
    endpoint.slot = *override_config->slot;
    slot_why = "Slot=";
  } else if (port->transport == ModemTransport::At) {
    endpoint.slot = 1;  // +CCHO reaches the active SIM, whichever slot it sits in
  } else if (!modem.sim_slots.empty()) {
    if (modem.primary_sim_slot < 1 || modem.primary_sim_slot > modem.sim_slots.size()) {
      return nothing("ModemManager names SIM slot " + std::to_string(modem.primary_sim_slot) +
                     " active of " + std::to_string(modem.sim_slots.size()) + "; " +
                     hardware(modem));
    }
    endpoint.slot = modem.primary_sim_slot;
    slot_why = "PrimarySimSlot";
  }
  std::string reason = port->why + ", slot " + std::to_string(endpoint.slot);
  if (!slot_why.empty()) reason += " (" + slot_why + ")";
  if (override_config != nullptr && override_config->sim_restart) {
    // Checked against Transport= when the configuration was read; a transport chosen here may
    // still lack the way, and then its default applies.
    const SimRestart how = *override_config->sim_restart;
    if (can_restart_sim(endpoint.transport, how)) {
      endpoint.sim_restart = how;
    } else {
      reason += "; SimRestart=" + std::string(sim_restart_name(how)) + " is not a way of " +
                std::string(transport_name(endpoint.transport)) + " modems (" +
                sim_restart_choices(endpoint.transport) + "), its default " +
                std::string(sim_restart_name(default_sim_restart(endpoint.transport))) + " applies";
    }
  }
  return {std::move(endpoint), reason + "; " + hardware(modem)};
}

}  // namespace euiccd::daemon
