#include "topup/modem_manager.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <optional>
#include <utility>

#include "topup/errors.h"
#include "topup/mm_bus.h"
#include "topup/voucher.h"

namespace euiccd::topup {
namespace {

using namespace std::chrono;

constexpr const char* kService = ModemManagerClient::kService;
constexpr const char* kRoot = "/org/freedesktop/ModemManager1";
constexpr const char* kModemIface = "org.freedesktop.ModemManager1.Modem";
constexpr const char* kUssdIface = "org.freedesktop.ModemManager1.Modem.Modem3gpp.Ussd";
constexpr const char* kMessagingIface = "org.freedesktop.ModemManager1.Modem.Messaging";
constexpr const char* kSimIface = "org.freedesktop.ModemManager1.Sim";
constexpr const char* kSmsIface = "org.freedesktop.ModemManager1.Sms";
constexpr const char* kMmErrorPrefix = "org.freedesktop.ModemManager1.Error.";

// MMModemState values the checks need (0 = unknown: let ModemManager decide).
constexpr int32_t kStateFailed = -1;
constexpr int32_t kStateLocked = 2;
constexpr int32_t kStateEnabled = 6;
// MMSmsState
constexpr uint32_t kSmsReceiving = 2;
constexpr uint32_t kSmsReceived = 3;

// The modem as listed, with every SIM it knows (the active one first).
struct Listed {
  Modem modem;
  std::vector<std::string> slot_paths;  // SimSlots; "/" for an empty slot
  std::string manufacturer, model;
};

std::string seconds_text(milliseconds timeout) {
  const auto ms = timeout.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string object_number(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string failure_text(const BusFailure& failure, std::string_view secret) {
  std::string text =
      failure.name.empty()
          ? failure.message
          : failure.name + (failure.message.empty() ? std::string() : ": " + failure.message);
  return redacted(text, secret);
}

// What a ModemManager error answer to a USSD or SMS request means for the user.
Error refusal(const BusFailure& failure, const std::string& what, const std::string& modem,
              const char* polkit_action, std::string_view secret) {
  const std::string detail = failure_text(failure, secret);
  if (failure.service_missing()) return no_modem_manager(detail);
  const std::string core = std::string(kMmErrorPrefix) + "Core.";
  if (failure.name == core + "Unauthorized" ||
      failure.name == "org.freedesktop.DBus.Error.AccessDenied") {
    return Error(Errc::NotAllowed, "ModemManager did not let euiccd send the " + what +
                                       ": euiccd's user needs the polkit action " + polkit_action +
                                       " (see docs/topup.md): " + detail);
  }
  if (failure.name == core + "Unsupported") {
    return method_not_supported_by_modem("send the " + what, modem + ": " + detail);
  }
  if (failure.name == core + "WrongState") return modem_not_ready(modem, detail);
  if (failure.name.starts_with(kMmErrorPrefix)) return network_rejected(what, detail);
  return modem_manager_failed("send the " + what, detail);
}

// Reads one a{sv} of Modem properties from the current message position.
void read_modem_properties(sd_bus_message* m, Listed& listed) {
  check(sd_bus_message_enter_container(m, 'a', "{sv}"), "modem properties");
  while (check(sd_bus_message_enter_container(m, 'e', "sv"), "modem property") > 0) {
    const std::string name = read_string(m);
    if (name == "Sim") {
      check(sd_bus_message_enter_container(m, 'v', "o"), "Sim");
      listed.modem.sim_path = read_string(m, 'o');
      check(sd_bus_message_exit_container(m), "Sim");
    } else if (name == "SimSlots") {
      check(sd_bus_message_enter_container(m, 'v', "ao"), "SimSlots");
      check(sd_bus_message_enter_container(m, 'a', "o"), "SimSlots");
      const char* slot = nullptr;
      while (check(sd_bus_message_read(m, "o", &slot), "SimSlots") > 0) {
        listed.slot_paths.emplace_back(slot);
      }
      check(sd_bus_message_exit_container(m), "SimSlots");
      check(sd_bus_message_exit_container(m), "SimSlots");
    } else if (name == "State") {
      check(sd_bus_message_enter_container(m, 'v', "i"), "State");
      check(sd_bus_message_read(m, "i", &listed.modem.state), "State");
      check(sd_bus_message_exit_container(m), "State");
    } else if (name == "Manufacturer" || name == "Model") {
      check(sd_bus_message_enter_container(m, 'v', "s"), "Model");
      (name == "Model" ? listed.model : listed.manufacturer) = read_string(m);
      check(sd_bus_message_exit_container(m), "Model");
    } else {
      check(sd_bus_message_skip(m, "v"), "modem property");
    }
    check(sd_bus_message_exit_container(m), "modem property");
  }
  check(sd_bus_message_exit_container(m), "modem properties");
}

// GetManagedObjects → the objects with the Modem interface.
std::vector<Listed> read_modems(sd_bus_message* m) {
  std::vector<Listed> modems;
  check(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}"), "managed objects");
  while (check(sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}"), "managed object") > 0) {
    Listed listed;
    listed.modem.path = read_string(m, 'o');
    bool is_modem = false;
    check(sd_bus_message_enter_container(m, 'a', "{sa{sv}}"), "interfaces");
    while (check(sd_bus_message_enter_container(m, 'e', "sa{sv}"), "interface") > 0) {
      const std::string interface = read_string(m);
      if (interface == kModemIface) {
        is_modem = true;
        read_modem_properties(m, listed);
      } else {
        listed.modem.has_ussd |= interface == kUssdIface;
        listed.modem.has_messaging |= interface == kMessagingIface;
        check(sd_bus_message_skip(m, "a{sv}"), "interface properties");
      }
      check(sd_bus_message_exit_container(m), "interface");
    }
    check(sd_bus_message_exit_container(m), "interfaces");
    check(sd_bus_message_exit_container(m), "managed object");
    if (is_modem) {
      std::string label = "modem " + object_number(listed.modem.path);
      const std::string name = listed.manufacturer.empty() ? listed.model
                               : listed.model.empty()      ? listed.manufacturer
                                                      : listed.manufacturer + " " + listed.model;
      if (!name.empty()) label += " (" + name + ")";
      listed.modem.label = std::move(label);
      modems.push_back(std::move(listed));
    }
  }
  check(sd_bus_message_exit_container(m), "managed objects");
  return modems;
}

// ModemManager's modems (GetManagedObjects on its ObjectManager).
std::vector<Listed> list_modems(Bus& bus, milliseconds timeout) {
  try {
    sdbus::Message reply = bus.call(kService, kRoot, "org.freedesktop.DBus.ObjectManager",
                                    "GetManagedObjects", timeout);
    return read_modems(reply.get());
  } catch (const BusFailure& failure) {
    if (failure.service_missing()) throw no_modem_manager(failure_text(failure, {}));
    if (failure.timed_out()) {
      throw timed_out("ModemManager to list its modems",
                      "no answer within " + seconds_text(timeout));
    }
    throw modem_manager_failed("list its modems", failure_text(failure, {}));
  }
}

// The ICCID a SIM object reports; "" for no SIM, or one that went away while we looked.
std::string sim_identifier(Bus& bus, const std::string& sim_path, milliseconds timeout) {
  if (sim_path.empty() || sim_path == "/") return {};
  try {
    return bus.get_string(kService, sim_path, kSimIface, "SimIdentifier", timeout);
  } catch (const BusFailure& failure) {
    if (failure.timed_out()) {
      throw timed_out("ModemManager to read SIM " + sim_path,
                      "no answer within " + seconds_text(timeout));
    }
    return {};
  }
}

// A modem that cannot talk to the network (locked, failed, disabled) is a named error.
void require_ready(const Listed& listed) {
  const Modem& modem = listed.modem;
  if (modem.state == kStateLocked) {
    throw modem_not_ready(modem.label, "its SIM is locked (enter the PIN first)");
  }
  if (modem.state == kStateFailed) {
    throw modem_not_ready(modem.label, "ModemManager reports it as failed (`mmcli -m " +
                                           object_number(modem.path) + "`)");
  }
  if (modem.state > 0 && modem.state < kStateEnabled) {
    throw modem_not_ready(modem.label, "it is not enabled (state " + std::to_string(modem.state) +
                                           "; `mmcli -m " + object_number(modem.path) + " -e`)");
  }
}

// The profile may sit in a SIM slot the modem is not using: profile_not_enabled, with the
// command that switches slots.
void refuse_inactive_slot(Bus& bus, const Listed& listed, std::string_view iccid,
                          milliseconds timeout) {
  for (size_t slot = 0; slot < listed.slot_paths.size(); ++slot) {
    const std::string& path = listed.slot_paths[slot];
    if (path == listed.modem.sim_path) continue;
    if (same_iccid(sim_identifier(bus, path, timeout), iccid)) {
      throw profile_not_enabled(
          iccid, "its eUICC is in SIM slot " + std::to_string(slot + 1) + " of " +
                     listed.modem.label + ", which is not the active slot (`mmcli -m " +
                     object_number(listed.modem.path) +
                     " --set-primary-sim-slot=" + std::to_string(slot + 1) + "`)");
    }
  }
}

std::string digits_of(std::string_view number) {
  std::string digits;
  for (const char c : number) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

}  // namespace

bool same_iccid(std::string_view a, std::string_view b) {
  auto normal = [](std::string_view s) {
    std::string out;
    for (const char c : s) {
      if (c != ' ') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    while (!out.empty() && out.back() == 'F') out.pop_back();
    return out;
  };
  const std::string na = normal(a);
  return !na.empty() && na == normal(b);
}

bool sender_matches(std::string_view sender, std::string_view expected) {
  if (expected == "*") return true;
  const std::string a = digits_of(sender);
  const std::string b = digits_of(expected);
  const bool numeric_sender =
      !a.empty() && a.size() + (sender.starts_with('+') ? 1 : 0) == sender.size();
  if (!numeric_sender) {
    if (sender.size() != expected.size()) return false;
    return std::equal(sender.begin(), sender.end(), expected.begin(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) ==
             std::tolower(static_cast<unsigned char>(y));
    });
  }
  if (b.empty()) return false;
  if (a == b) return true;
  const auto& shorter = a.size() < b.size() ? a : b;
  const auto& longer = a.size() < b.size() ? b : a;
  return shorter.size() >= 3 && longer.ends_with(shorter);
}

ModemManagerClient::ModemManagerClient(const std::string& bus_address,
                                       ModemManagerTimeouts timeouts, Warn warn)
    : timeouts_(timeouts), warn_(std::move(warn)) {
  try {
    bus_ = std::make_unique<Bus>(bus_address);
  } catch (const BusFailure& failure) {
    throw no_modem_manager(failure.message);
  }
}

ModemManagerClient::~ModemManagerClient() = default;

Modem ModemManagerClient::find_modem(std::string_view iccid) {
  const std::vector<Listed> modems = list_modems(*bus_, timeouts_.call);
  if (modems.empty()) {
    throw no_modem_for_profile(iccid, "ModemManager knows no modem at all");
  }
  std::vector<std::string> seen;
  for (const Listed& listed : modems) {
    const std::string id = sim_identifier(*bus_, listed.modem.sim_path, timeouts_.call);
    if (id.empty()) continue;
    seen.push_back(listed.modem.label + ": SIM " + id);
    if (!same_iccid(id, iccid)) continue;
    require_ready(listed);
    return listed.modem;
  }
  for (const Listed& listed : modems) refuse_inactive_slot(*bus_, listed, iccid, timeouts_.call);
  std::string detail = std::to_string(modems.size()) + " modem(s) seen";
  for (const std::string& line : seen) detail += "; " + line;
  throw no_modem_for_profile(iccid, detail);
}

Modem ModemManagerClient::modem_at(const std::string& path, std::string_view iccid) {
  const std::vector<Listed> modems = list_modems(*bus_, timeouts_.call);
  const auto it = std::find_if(modems.begin(), modems.end(),
                               [&](const Listed& listed) { return listed.modem.path == path; });
  if (it == modems.end()) {
    throw no_modem_for_profile(iccid, "ModemManager no longer lists " + path +
                                          ", the modem that holds its eUICC (" +
                                          std::to_string(modems.size()) + " modem(s) seen)");
  }
  require_ready(*it);
  // The eUICC is in the slot the modem uses, unless another of its slots reports the profile
  // (a [ModemOverride] Slot= that is not the active one): then the profile is not on the air.
  // Whatever else the active SIM object reports is not checked: it may lag behind a switch.
  if (!it->slot_paths.empty() &&
      !same_iccid(sim_identifier(*bus_, it->modem.sim_path, timeouts_.call), iccid)) {
    refuse_inactive_slot(*bus_, *it, iccid, timeouts_.call);
  }
  return it->modem;
}

UssdState ModemManagerClient::ussd_state(const Modem& modem) {
  try {
    return static_cast<UssdState>(
        bus_->get_u32(kService, modem.path, kUssdIface, "State", timeouts_.call));
  } catch (const BusFailure& failure) {
    if (failure.timed_out()) {
      throw timed_out("ModemManager to report the USSD session state",
                      "no answer within " + seconds_text(timeouts_.call));
    }
    throw modem_manager_failed("report the USSD session state", failure_text(failure, {}));
  }
}

void ModemManagerClient::cancel_ussd(const Modem& modem, milliseconds timeout) {
  bus_->call(kService, modem.path, kUssdIface, "Cancel", timeout);
}

namespace {

// Notices, from construction on, ModemManager dropping the modem (ObjectManager
// InterfacesRemoved for its path, naming the Modem interface or `interface`, the one a wait
// is on) or leaving the bus (NameOwnerChanged): a wait on the network ends then at once, not
// at its timeout. sd-bus runs the callbacks while Bus::wait_until dispatches.
class ModemDeparture {
 public:
  ModemDeparture(Bus& bus, const Modem& modem, const char* interface)
      : path_(modem.path), interface_(interface) {
    int r = sd_bus_match_signal(bus.get(), removed_.put(), nullptr, kRoot,
                                "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                &ModemDeparture::on_removed, this);
    if (r >= 0) {
      r = sd_bus_match_signal(bus.get(), owner_.put(), "org.freedesktop.DBus",
                              "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                              &ModemDeparture::on_owner, this);
    }
    if (r < 0) {
      throw modem_manager_failed("watch " + modem.label + " for removal",
                                 BusFailure("", std::strerror(-r), -r).what());
    }
  }
  ModemDeparture(const ModemDeparture&) = delete;
  ModemDeparture& operator=(const ModemDeparture&) = delete;

  bool happened() const { return !why_.empty(); }
  // Why the wait is over, for modem_gone().
  const std::string& why() const { return why_; }

 private:
  static int on_removed(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    auto* self = static_cast<ModemDeparture*>(userdata);
    const char* path = nullptr;
    if (sd_bus_message_read(m, "o", &path) < 0 || path == nullptr || self->path_ != path) return 0;
    if (sd_bus_message_enter_container(m, 'a', "s") < 0) return 0;
    const char* interface = nullptr;
    while (sd_bus_message_read(m, "s", &interface) > 0) {
      if (std::strcmp(interface, kModemIface) == 0) {
        self->why_ =
            "ModemManager removed it (unplugged, reset, or probed anew after a SIM change)";
      } else if (std::strcmp(interface, self->interface_) == 0 && self->why_.empty()) {
        self->why_ = std::string("ModemManager took its ") + self->interface_ + " interface away";
      }
    }
    return 0;
  }

  static int on_owner(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    auto* self = static_cast<ModemDeparture*>(userdata);
    const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || name == nullptr ||
        new_owner == nullptr)
      return 0;
    if (std::strcmp(name, kService) == 0 && *new_owner == '\0' && self->why_.empty())
      self->why_ = "ModemManager left the bus (stopped or restarting)";
    return 0;
  }

  std::string path_;
  const char* interface_;
  std::string why_;
  sdbus::Slot removed_, owner_;
};

}  // namespace

std::string ModemManagerClient::run_ussd(const Modem& modem, std::string_view command,
                                         std::string_view shown_command,
                                         const std::vector<std::string>& responses,
                                         std::string_view secret) {
  if (!modem.has_ussd) {
    throw method_not_supported_by_modem("send USSD codes",
                                        modem.label + " has no ModemManager USSD interface");
  }
  const std::string what = "USSD " + std::string(shown_command);
  const ModemDeparture departure(*bus_, modem, kUssdIface);
  // The network allows one session at a time: one left open (by us, a crash, or the network
  // itself) would make Initiate fail.
  if (const UssdState state = ussd_state(modem);
      state == UssdState::Active || state == UssdState::UserResponse) {
    try {
      cancel_ussd(modem, timeouts_.call);
    } catch (const BusFailure& failure) {
      if (failure.timed_out()) {
        throw timed_out("ModemManager to cancel the USSD session already open");
      }
      throw modem_manager_failed("cancel the USSD session already open", failure_text(failure, {}));
    }
  }
  auto exchange = [&](const char* member, std::string_view text) {
    std::optional<sdbus::Message> reply;
    try {
      reply = bus_->call_unless([&] { return departure.happened(); }, kService, modem.path,
                                kUssdIface, member, timeouts_.ussd,
                                [&](sd_bus_message* m) {
                                  const std::string arg(text);
                                  check(sd_bus_message_append(m, "s", arg.c_str()), member);
                                });
    } catch (const BusFailure& failure) {
      // Whatever state the session is in now, do not leave it open (short, best effort).
      try {
        if (!departure.happened()) cancel_ussd(modem, std::min(timeouts_.call, milliseconds(2000)));
      } catch (const BusFailure&) {
      }
      if (departure.happened()) {
        throw modem_gone(modem.label, "the network's answer to " + what, departure.why());
      }
      if (failure.timed_out()) {
        throw timed_out("the network's answer to " + what, "none within " +
                                                               seconds_text(timeouts_.ussd) +
                                                               "; the session was "
                                                               "cancelled");
      }
      throw refusal(failure, what, modem.label, "org.freedesktop.ModemManager1.USSD", secret);
    }
    if (!reply) throw modem_gone(modem.label, "the network's answer to " + what, departure.why());
    return read_string(reply->get());
  };
  std::string reply = exchange("Initiate", command);
  for (const std::string& response : responses) {
    if (ussd_state(modem) != UssdState::UserResponse) break;
    reply = exchange("Respond", response);
  }
  if (const UssdState state = ussd_state(modem);
      state == UssdState::Active || state == UssdState::UserResponse) {
    try {
      cancel_ussd(modem, timeouts_.call);  // the menu wants more than we know to answer
    } catch (const BusFailure&) {
      // The answer is in hand; a session that will not close times out in the network.
    }
  }
  return reply;
}

void ModemManagerClient::delete_sms(const Modem& modem, const std::string& sms_path,
                                    std::string_view secret) {
  try {
    bus_->call(kService, modem.path, kMessagingIface, "Delete", timeouts_.call,
               [&](sd_bus_message* m) {
                 check(sd_bus_message_append(m, "o", sms_path.c_str()), "Delete");
               });
  } catch (const BusFailure& failure) {
    if (warn_) {
      warn_("could not delete SMS " + sms_path + " from " + modem.label + ": " +
            failure_text(failure, secret) + " (it stays in the modem's message storage)");
    }
  }
}

namespace {

struct SmsWatch {
  std::deque<std::string> received;  // paths of SMS that arrived, oldest first
};

int on_sms_added(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
  auto* watch = static_cast<SmsWatch*>(userdata);
  const char* path = nullptr;
  int received = 0;
  if (sd_bus_message_read(m, "ob", &path, &received) >= 0 && received && path != nullptr) {
    watch->received.emplace_back(path);
  }
  return 0;
}

// Runs `done` when it goes, whichever way the scope is left (it must not throw).
template <typename Done>
class AtExit {
 public:
  explicit AtExit(Done done) : done_(std::move(done)) {}
  ~AtExit() { done_(); }
  AtExit(const AtExit&) = delete;
  AtExit& operator=(const AtExit&) = delete;

 private:
  Done done_;
};

}  // namespace

std::string ModemManagerClient::send_sms_and_wait_reply(
    const Modem& modem, std::string_view number, std::string_view text, std::string_view shown_text,
    std::string_view reply_from, const CancelToken* cancel, std::string_view secret) {
  if (!modem.has_messaging) {
    throw method_not_supported_by_modem("send SMS",
                                        modem.label + " has no ModemManager Messaging interface");
  }
  const std::string to(number);
  const std::string what = "SMS \"" + std::string(shown_text) + "\" to " + to;
  const std::string expected_sender = reply_from.empty() ? to : std::string(reply_from);

  // Listen before sending, so an answer faster than our Send call is not missed.
  const ModemDeparture departure(*bus_, modem, kMessagingIface);
  SmsWatch watch;
  sdbus::Slot slot;
  const int r = sd_bus_match_signal(bus_->get(), slot.put(), nullptr, modem.path.c_str(),
                                    kMessagingIface, "Added", on_sms_added, &watch);
  if (r < 0) throw modem_manager_failed("watch for incoming SMS", BusFailure("", "", -r).what());

  auto mm_call = [&](const std::string& path, const char* interface, const char* member,
                     milliseconds timeout, const Bus::Appender& append) {
    std::optional<sdbus::Message> reply;
    try {
      reply = bus_->call_unless([&] { return departure.happened(); }, kService, path, interface,
                                member, timeout, append);
    } catch (const BusFailure& failure) {
      if (departure.happened()) {
        throw modem_gone(modem.label, "ModemManager to " + std::string(member) + " the " + what,
                         departure.why());
      }
      if (failure.timed_out()) {
        throw timed_out("ModemManager to " + std::string(member) + " the " + what,
                        "no answer within " + seconds_text(timeout));
      }
      throw refusal(failure, what, modem.label, "org.freedesktop.ModemManager1.Messaging", secret);
    }
    if (!reply) {
      throw modem_gone(modem.label, "ModemManager to " + std::string(member) + " the " + what,
                       departure.why());
    }
    return std::move(*reply);
  };
  sdbus::Message created =
      mm_call(modem.path, kMessagingIface, "Create", timeouts_.call, [&](sd_bus_message* m) {
        const std::string body(text);
        check(sd_bus_message_append(m, "a{sv}", 2, "number", "s", to.c_str(), "text", "s",
                                    body.c_str()),
              "Create");
      });
  const std::string sms_path = read_string(created.get(), 'o');
  // Ours to clean up from here on, sent or not (a top-up's text holds the voucher); the
  // operator's answer too, once read. Nothing to delete on a modem that went away.
  std::string answer_path;
  const AtExit cleanup([&]() noexcept {
    if (departure.happened()) return;
    try {
      delete_sms(modem, sms_path, secret);
      if (!answer_path.empty()) delete_sms(modem, answer_path, secret);
    } catch (...) {  // delete_sms reports bus failures itself; nothing else may escape
    }
  });
  mm_call(sms_path, kSmsIface, "Send", timeouts_.sms_send, {});

  const auto deadline = steady_clock::now() + timeouts_.sms_reply;
  std::vector<std::string> still_arriving;  // multi-part SMS ModemManager is still assembling
  auto keep_going = [&] { return cancel == nullptr || !cancel->cancelled(); };
  auto read_sms = [&](const std::string& path, uint32_t& state, std::string& sender) {
    try {
      state = bus_->get_u32(kService, path, kSmsIface, "State", timeouts_.call);
      sender = bus_->get_string(kService, path, kSmsIface, "Number", timeouts_.call);
      return true;
    } catch (const BusFailure&) {
      return false;  // deleted meanwhile (another client), or not an SMS
    }
  };
  for (;;) {
    const auto slice_end =
        still_arriving.empty() ? deadline : std::min(deadline, steady_clock::now() + 250ms);
    try {
      bus_->wait_until([&] { return !watch.received.empty() || departure.happened(); }, slice_end,
                       keep_going);
    } catch (const BusFailure& failure) {
      throw modem_manager_failed("deliver the answer to the " + what, failure.what());
    }
    if (departure.happened()) {
      throw modem_gone(modem.label, "the answer to the " + what + " (it was sent)",
                       departure.why());
    }
    if (!keep_going()) {
      throw Error(Errc::Cancelled,
                  "Stopped waiting for the answer to the " + what + " (it was sent)");
    }
    std::vector<std::string> to_check(still_arriving.begin(), still_arriving.end());
    still_arriving.clear();
    to_check.insert(to_check.end(), watch.received.begin(), watch.received.end());
    watch.received.clear();
    for (const std::string& path : to_check) {
      if (path == sms_path) continue;
      uint32_t state = 0;
      std::string sender;
      if (!read_sms(path, state, sender) || !sender_matches(sender, expected_sender)) continue;
      if (state == kSmsReceiving) {
        still_arriving.push_back(path);
      } else if (state == kSmsReceived) {
        try {
          std::string answer = bus_->get_string(kService, path, kSmsIface, "Text", timeouts_.call);
          answer_path = path;
          return answer;
        } catch (const BusFailure& failure) {
          throw modem_manager_failed("read the answer to the " + what,
                                     failure_text(failure, secret));
        }
      }
    }
    if (steady_clock::now() >= deadline) {
      throw timed_out("the operator's answer to the " + what,
                      "no SMS from " + expected_sender + " within " +
                          seconds_text(timeouts_.sms_reply) + " (the request was sent)");
    }
  }
}

}  // namespace euiccd::topup
