// Where an eUICC inside a modem is reached: the carrier, the port that carries its APDUs and
// the SIM slot. Two sources name endpoints, and the modem backends (daemon/modem_backend.h)
// serve their union: the configuration ([Modem] sections, for modems ModemManager does not
// manage or picks wrongly) and ModemManager's modem objects (daemon/modem_manager_watch.h).
// This header is the contract between them; it knows no carrier library.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/card_backend.h"

namespace euiccd::daemon {

enum class ModemTransport { Qmi, Mbim, At };

// "qmi", "mbim", "at": the D-Bus Transport property's values for modems and the backends'
// names (CardBackend::name).
std::string_view transport_name(ModemTransport transport);
std::optional<ModemTransport> parse_transport(std::string_view name);

struct ModemEndpoint {
  ModemTransport transport = ModemTransport::Qmi;
  // The port the APDUs go through: /dev/cdc-wdm0 (QMI, MBIM), /dev/ttyUSB2 or /dev/wwan0at0
  // (AT), a pty in tests. QMI and MBIM are reached through qmi-proxy / mbim-proxy.
  std::string device;
  // The SIM slot on that modem, 1-based (QMI/MBIM slot numbers; AT has only 1).
  unsigned slot = 1;
  // ModemManager's modem object path, empty when the endpoint comes from the configuration
  // alone (the D-Bus Modem property is "/" then).
  std::string modem_object;
  // How a profile switch makes this modem re-read its SIM, as the configuration says
  // (`SimRestart=`); nullopt: the transport's default (daemon/modem_sim_restart.h).
  // (A default member initializer, so that aggregate initialisations without it stay
  // -Wmissing-field-initializers clean.)
  std::optional<SimRestart> sim_restart = std::nullopt;

  // "<transport>:<device>#<slot>", e.g. "qmi:/dev/cdc-wdm0#1": what a modem backend's
  // CardSlot::device holds, unique among all endpoints.
  std::string key() const;
  bool operator==(const ModemEndpoint&) const = default;
};

// Every endpoint a source knows, each time its picture changes (all of them, each time),
// called on the daemon's loop thread.
using ModemEndpointsChanged = std::function<void(const std::vector<ModemEndpoint>& endpoints)>;

}  // namespace euiccd::daemon
