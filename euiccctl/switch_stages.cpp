#include "euiccctl/switch_stages.h"

#include <cstring>
#include <iostream>

#include "euiccctl/cli_error.h"

namespace euiccctl {
namespace {

struct Watch {
  std::string last_stage;
  bool verified = false;  // a "verifying" stage ran: ModemManager showed the modem back
  bool replied = false;
  std::string error_name;
  std::string error_message;
};

// PropertiesChanged(s interface, a{sv} changed, as invalidated): a Job's Stage is printed.
int on_properties_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* watch = static_cast<Watch*>(userdata);
  const char* interface = nullptr;
  if (sd_bus_message_read(m, "s", &interface) < 0 || std::strcmp(interface, kJobInterface) != 0)
    return 0;
  if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0) return 0;
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    const char* name = nullptr;
    const char* stage = nullptr;
    if (sd_bus_message_read(m, "s", &name) >= 0 && std::strcmp(name, "Stage") == 0 &&
        sd_bus_message_read(m, "v", "s", &stage) >= 0) {
      if (watch->last_stage != stage) std::cerr << "  " << stage << "\n";
      watch->last_stage = stage;
      if (std::strcmp(stage, "verifying") == 0) watch->verified = true;
    } else {
      sd_bus_message_skip(m, "v");
    }
    sd_bus_message_exit_container(m);
  }
  return 0;
}

int on_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* watch = static_cast<Watch*>(userdata);
  if (const sd_bus_error* e = sd_bus_message_get_error(m)) {
    watch->error_name = e->name ? e->name : "org.freedesktop.DBus.Error.Failed";
    watch->error_message = e->message ? e->message : "";
  }
  watch->replied = true;
  return 0;
}

}  // namespace

bool call_showing_stages(Bus& bus, const std::string& profile_path, const char* method) {
  Watch watch;
  euiccd::sdbus::Slot match;
  check(sd_bus_match_signal(bus.get(), match.put(), kBusName, nullptr,
                            "org.freedesktop.DBus.Properties", "PropertiesChanged",
                            on_properties_changed, &watch),
        "watching the switch");
  Message call;
  check(sd_bus_message_new_method_call(bus.get(), call.put(), kBusName, profile_path.c_str(),
                                       kProfileInterface, method),
        "building a call");
  // The switch waits for the modem and the network: the bus's (long) call timeout applies.
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(bus.call_timeout());
  check(sd_bus_call_async(bus.get(), nullptr, call, on_reply, &watch,
                          static_cast<uint64_t>(usec.count())),
        "calling");
  std::cerr << method << " on a modem: the switch follows the modem back online\n";
  while (!watch.replied) {
    const int r = sd_bus_process(bus.get(), nullptr);
    check(r, "waiting for the switch");
    if (r == 0) check(sd_bus_wait(bus.get(), UINT64_MAX), "waiting for the switch");
  }
  if (!watch.error_name.empty()) throw BusCallError(watch.error_name, watch.error_message);
  return watch.verified;
}

}  // namespace euiccctl
