#include "daemon/modem_sim_restart.h"

#include <array>

namespace euiccd::daemon {
namespace {

constexpr SimRestart kAllWays[] = {SimRestart::Refresh, SimRestart::PowerCycle,
                                   SimRestart::UiccReset, SimRestart::Cfun};

struct TransportWays {
  ModemTransport transport;
  SimRestart own;          // what its link sends (modem::ModemLink::restart_sim)
  SimRestart default_way;  // docs/modem-research.md section 12
};

constexpr std::array<TransportWays, 3> kWays{{
    // Qualcomm firmware answers UIM Power Off/On SIM whatever it makes of the card's REFRESH
    // (SIM7600 ignores it: lpac#236), and ModemManager follows the card going and coming.
    {ModemTransport::Qmi, SimRestart::PowerCycle, SimRestart::PowerCycle},
    // MBIM modems are built for Windows, whose LPA relies on the modem carrying out the
    // REFRESH; MS UICC Reset is an optional command.
    {ModemTransport::Mbim, SimRestart::UiccReset, SimRestart::Refresh},
    // AT+CFUN is in every 27.007 modem, and an AT switch runs with ModemManager inhibited, so
    // the radio going off costs nothing more (comma.ai cycles CFUN on its EG916Q).
    {ModemTransport::At, SimRestart::Cfun, SimRestart::Cfun},
}};

const TransportWays& ways_of(ModemTransport transport) {
  for (const auto& w : kWays)
    if (w.transport == transport) return w;
  return kWays[0];
}

}  // namespace

std::string_view sim_restart_name(SimRestart how) {
  switch (how) {
    case SimRestart::Refresh: return "refresh";
    case SimRestart::PowerCycle: return "power-cycle";
    case SimRestart::UiccReset: return "uicc-reset";
    case SimRestart::Cfun: return "cfun";
  }
  return "?";
}

std::optional<SimRestart> parse_sim_restart(std::string_view name) {
  for (SimRestart how : kAllWays)
    if (sim_restart_name(how) == name) return how;
  return std::nullopt;
}

SimRestart default_sim_restart(ModemTransport transport) {
  return ways_of(transport).default_way;
}

SimRestart transport_sim_restart(ModemTransport transport) {
  return ways_of(transport).own;
}

bool can_restart_sim(ModemTransport transport, SimRestart how) {
  return how == SimRestart::Refresh || how == transport_sim_restart(transport);
}

std::string sim_restart_choices(ModemTransport transport) {
  return "refresh or " + std::string(sim_restart_name(transport_sim_restart(transport)));
}

}  // namespace euiccd::daemon
