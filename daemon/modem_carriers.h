// The modem carriers this euiccd was built with, as ModemCarrier entries for the modem
// backends (daemon/modem_backend.h): AT (modem/at), QMI through qmi-proxy (modem/qmi), and
// MBIM through mbim-proxy once modem/mbim is in. Adding a carrier is one entry in
// modem_carriers.cpp.
#pragma once

#include <vector>

#include "daemon/modem_backend.h"

namespace euiccd::daemon {

std::vector<ModemCarrier> built_in_modem_carriers();

}  // namespace euiccd::daemon
