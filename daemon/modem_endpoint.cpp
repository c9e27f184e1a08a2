#include "daemon/modem_endpoint.h"

#include <array>
#include <utility>

namespace euiccd::daemon {
namespace {

constexpr std::array<std::pair<ModemTransport, std::string_view>, 3> kNames{{
    {ModemTransport::Qmi, "qmi"},
    {ModemTransport::Mbim, "mbim"},
    {ModemTransport::At, "at"},
}};

}  // namespace

std::string_view transport_name(ModemTransport transport) {
  for (const auto& [t, name] : kNames) {
    if (t == transport) return name;
  }
  return "?";
}

std::optional<ModemTransport> parse_transport(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string ModemEndpoint::key() const {
  return std::string(transport_name(transport)) + ":" + device + "#" + std::to_string(slot);
}

}  // namespace euiccd::daemon
