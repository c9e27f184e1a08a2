// How a switch makes each kind of modem re-read its SIM (SimRestart, daemon/card_backend.h):
// the ways a transport can carry out, the one it takes unless `SimRestart=` says otherwise,
// and the names the configuration uses. One table, in modem_sim_restart.cpp; why each default
// is what it is: docs/modem-research.md section 12.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/card_backend.h"
#include "daemon/modem_endpoint.h"

namespace euiccd::daemon {

// "refresh", "power-cycle", "uicc-reset", "cfun": `SimRestart=` values.
std::string_view sim_restart_name(SimRestart how);
std::optional<SimRestart> parse_sim_restart(std::string_view name);

// The way a switch takes on `transport` unless configured: QMI power-cycle, MBIM refresh, AT
// cfun.
SimRestart default_sim_restart(ModemTransport transport);

// The way `transport` sends itself besides Refresh, which any modem's card can ask for: QMI
// power-cycle (UIM Power Off/On SIM), MBIM uicc-reset (MS UICC Reset), AT cfun (AT+CFUN=0/1).
SimRestart transport_sim_restart(ModemTransport transport);

// Whether `how` is a way of `transport`: Refresh, or its own.
bool can_restart_sim(ModemTransport transport, SimRestart how);

// "refresh or power-cycle": the ways of `transport`, for messages.
std::string sim_restart_choices(ModemTransport transport);

}  // namespace euiccd::daemon
