#include "daemon/modem_manager_watch.h"

#include <cstring>
#include <stdexcept>

#include "base/error.h"
#include "daemon/log.h"

namespace euiccd::daemon {
namespace {

constexpr const char* kService = "org.freedesktop.ModemManager1";
constexpr const char* kRoot = "/org/freedesktop/ModemManager1";
constexpr const char* kModemIface = "org.freedesktop.ModemManager1.Modem";
constexpr const char* kObjectManager = "org.freedesktop.DBus.ObjectManager";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
// ModemManager answers in milliseconds; a deadline keeps a hung one from holding a call open.
constexpr uint64_t kCallTimeoutUsec = 10'000'000;
// After a failed GetManagedObjects (ModemManager busy or broken), ask again this much later.
constexpr uint64_t kRetryUsec = 5'000'000;

// A message that is not what ModemManager's API says (it passed the signature check, so this
// is a broken message or a bug): the whole message is dropped.
struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int check(int r, const char* what) {
  if (r < 0) throw Malformed(std::string(what) + ": " + std::strerror(-r));
  return r;
}

std::string read_text(sd_bus_message* m, char type) {
  const char* value = nullptr;
  const char signature[2] = {type, '\0'};
  check(sd_bus_message_read(m, signature, &value), "reading a string");
  return value != nullptr ? value : "";
}

// An "as" or "ao" at the current position.
std::vector<std::string> read_strings(sd_bus_message* m, char type) {
  const char element[2] = {type, '\0'};
  check(sd_bus_message_enter_container(m, 'a', element), "entering a string array");
  std::vector<std::string> out;
  while (true) {
    const char* value = nullptr;
    if (check(sd_bus_message_read(m, element, &value), "reading a string array") == 0) break;
    out.emplace_back(value != nullptr ? value : "");
  }
  check(sd_bus_message_exit_container(m), "leaving a string array");
  return out;
}

std::vector<MmPort> read_ports(sd_bus_message* m) {
  check(sd_bus_message_enter_container(m, 'a', "(su)"), "entering Ports");
  std::vector<MmPort> out;
  while (true) {
    const char* name = nullptr;
    uint32_t type = 0;
    if (check(sd_bus_message_read(m, "(su)", &name, &type), "reading Ports") == 0) break;
    out.push_back({name != nullptr ? name : "", type});
  }
  check(sd_bus_message_exit_container(m), "leaving Ports");
  return out;
}

// The Modem properties the choice reads and their D-Bus types (MM 1.20's
// org.freedesktop.ModemManager1.Modem.xml).
struct Property {
  const char* name;
  const char* signature;
  void (*read)(sd_bus_message*, ModemFacts&);
};

const Property kProperties_[] = {
    {"Ports", "a(su)", [](sd_bus_message* m, ModemFacts& f) { f.ports = read_ports(m); }},
    {"PrimaryPort", "s",
     [](sd_bus_message* m, ModemFacts& f) { f.primary_port = read_text(m, 's'); }},
    {"Drivers", "as", [](sd_bus_message* m, ModemFacts& f) { f.drivers = read_strings(m, 's'); }},
    {"Plugin", "s", [](sd_bus_message* m, ModemFacts& f) { f.plugin = read_text(m, 's'); }},
    {"Device", "s", [](sd_bus_message* m, ModemFacts& f) { f.device = read_text(m, 's'); }},
    {"EquipmentIdentifier", "s",
     [](sd_bus_message* m, ModemFacts& f) { f.equipment_identifier = read_text(m, 's'); }},
    {"SimSlots", "ao",
     [](sd_bus_message* m, ModemFacts& f) { f.sim_slots = read_strings(m, 'o'); }},
    {"PrimarySimSlot", "u",
     [](sd_bus_message* m, ModemFacts& f) {
       check(sd_bus_message_read(m, "u", &f.primary_sim_slot), "reading PrimarySimSlot");
     }},
};

const Property* find_property(std::string_view name) {
  for (const Property& p : kProperties_) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

bool is_mm_path(std::string_view path) {
  return path.starts_with(std::string(kRoot) + "/");
}

std::string sender_of(sd_bus_message* m) {
  const char* sender = sd_bus_message_get_sender(m);
  return sender != nullptr ? sender : "";
}

}  // namespace

ModemManagerWatch::ModemManagerWatch(sd_event* event, std::string bus, ModemOverrides overrides,
                                     ModemEndpointsChanged changed)
    : event_(event),
      bus_name_(std::move(bus)),
      overrides_(std::move(overrides)),
      changed_(std::move(changed)) {}

ModemManagerWatch::~ModemManagerWatch() {
  stop();
}

void ModemManagerWatch::start() {
  int r = bus_name_.empty() || bus_name_ == "system" ? sd_bus_open_system(bus_.put())
                                                     : sdbus::open_address(bus_, bus_name_);
  if (r >= 0) r = sd_bus_attach_event(bus_, event_, SD_EVENT_PRIORITY_NORMAL);
  if (r < 0) {
    // No bus (a container, a test without one) is no reason to stop the daemon: the modems
    // named in the configuration are still served.
    bus_.reset();
    log(Level::Warning, {},
        "ModemManager watch: cannot connect to the " +
            (bus_name_.empty() ? std::string("system") : bus_name_) + " bus (" + std::strerror(-r) +
            "); only the modems of the configuration are served");
    return;
  }
  // The matches go out before GetNameOwner, and the bus handles one connection's messages in
  // order, so no change between the answer and the first signal is missed. Senders are
  // checked against ModemManager's unique name in the handlers, not in the rules.
  add_match(std::string("type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                        "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='") +
            kService + "'");
  add_match(std::string("type='signal',path='") + kRoot + "',interface='" + kObjectManager + "'");
  add_match(std::string("type='signal',interface='") + kProperties +
            "',member='PropertiesChanged',arg0='" + kModemIface + "',path_namespace='" + kRoot +
            "'");
  SlotPtr filter;  // sees the Disconnected message sd-bus makes up locally
  if (sd_bus_add_filter(bus_, filter.put(), &ModemManagerWatch::on_filter, this) >= 0)
    matches_.push_back(std::move(filter));
  pending_ = call_async("/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner",
                        &ModemManagerWatch::on_name_owner, kService);
}

void ModemManagerWatch::stop() {
  modems_.clear();
  pending_.reset();
  matches_.clear();
  retry_.reset();
  if (bus_) {
    sd_bus_detach_event(bus_);
    bus_.reset();
  }
  owner_.clear();
}

void ModemManagerWatch::add_match(const std::string& rule) {
  SlotPtr slot;
  const int r = sd_bus_add_match_async(bus_, slot.put(), rule.c_str(),
                                       &ModemManagerWatch::on_signal, nullptr, this);
  if (r < 0) {
    throw Error(Errc::Internal,
                "ModemManager watch: cannot subscribe to signals: " + std::string(strerror(-r)));
  }
  matches_.push_back(std::move(slot));
}

ModemManagerWatch::SlotPtr ModemManagerWatch::call_async(const std::string& path,
                                                         const char* interface, const char* member,
                                                         sd_bus_message_handler_t handler,
                                                         const char* argument) {
  const std::string destination = interface == std::string("org.freedesktop.DBus")
                                      ? std::string("org.freedesktop.DBus")
                                      : owner_;  // never the well-known name: no activation
  sdbus::Message call;
  SlotPtr slot;
  int r = sd_bus_message_new_method_call(bus_, call.put(), destination.c_str(), path.c_str(),
                                         interface, member);
  if (r >= 0 && argument != nullptr) r = sd_bus_message_append(call, "s", argument);
  if (r >= 0) r = sd_bus_call_async(bus_, slot.put(), call, handler, this, kCallTimeoutUsec);
  if (r < 0) {
    log(Level::Warning, {},
        std::string("ModemManager watch: cannot call ") + member + ": " + std::strerror(-r));
    return {};
  }
  return slot;
}

int ModemManagerWatch::on_name_owner(sd_bus_message* m, void* self, sd_bus_error*) {
  auto* watch = static_cast<ModemManagerWatch*>(self);
  watch->pending_.reset();
  std::string owner;
  if (!sd_bus_message_is_method_error(m, nullptr)) {
    const char* name = nullptr;
    if (sd_bus_message_read(m, "s", &name) >= 0 && name != nullptr) owner = name;
  }
  // No owner: ModemManager is not running; NameOwnerChanged says when it comes.
  if (owner.empty()) log(Level::Info, {}, "ModemManager is not running; waiting for it");
  watch->owner_changed(owner);
  return 0;
}

void ModemManagerWatch::owner_changed(const std::string& new_owner) {
  pending_.reset();
  retry_.reset();
  owner_ = new_owner;
  modems_.clear();
  if (owner_.empty()) {
    publish();
    return;
  }
  request_objects();
}

void ModemManagerWatch::request_objects() {
  pending_ = call_async(kRoot, kObjectManager, "GetManagedObjects",
                        &ModemManagerWatch::on_managed_objects, nullptr);
  if (!pending_) retry_later();
}

void ModemManagerWatch::retry_later() {
  if (retry_) return;
  if (sd_event_add_time_relative(event_, retry_.put(), CLOCK_MONOTONIC, kRetryUsec, 0,
                                 &ModemManagerWatch::on_retry, this) < 0) {
    retry_.reset();
  }
}

int ModemManagerWatch::on_retry(sd_event_source*, uint64_t, void* self) {
  auto* watch = static_cast<ModemManagerWatch*>(self);
  watch->retry_.reset();
  if (!watch->owner_.empty()) watch->request_objects();
  return 0;
}

int ModemManagerWatch::on_managed_objects(sd_bus_message* m, void* self, sd_bus_error*) {
  auto* watch = static_cast<ModemManagerWatch*>(self);
  watch->pending_.reset();
  if (const sd_bus_error* e = sd_bus_message_get_error(m); e != nullptr) {
    log(Level::Warning, {},
        std::string("ModemManager did not list its modems (") + (e->name ? e->name : "?") + ": " +
            (e->message ? e->message : "") + "); asking again in 5 s");
    watch->retry_later();
    watch->publish();
    return 0;
  }
  try {
    watch->read_managed_objects(m);
  } catch (const Malformed& e) {
    log(Level::Warning, {},
        std::string("ModemManager's list of modems is malformed (") + e.what() +
            "); its modems are not used");
    watch->modems_.clear();
  }
  watch->publish();
  return 0;
}

void ModemManagerWatch::read_managed_objects(sd_bus_message* m) {
  modems_.clear();
  if (!sd_bus_message_has_signature(m, "a{oa{sa{sv}}}"))
    throw Malformed(std::string("signature '") + sd_bus_message_get_signature(m, 1) + "'");
  check(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}"), "entering the object list");
  while (check(sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}"), "entering an object") > 0) {
    const std::string path = read_text(m, 'o');
    read_interfaces(path, m);
    check(sd_bus_message_exit_container(m), "leaving an object");
  }
  check(sd_bus_message_exit_container(m), "leaving the object list");
}

// a{sa{sv}}: the object's interfaces; only the Modem one matters here.
void ModemManagerWatch::read_interfaces(const std::string& path, sd_bus_message* m) {
  check(sd_bus_message_enter_container(m, 'a', "{sa{sv}}"), "entering the interfaces");
  while (check(sd_bus_message_enter_container(m, 'e', "sa{sv}"), "entering an interface") > 0) {
    const std::string interface = read_text(m, 's');
    if (interface == kModemIface && is_mm_path(path)) {
      Modem& modem = modems_[path];
      modem.facts = ModemFacts{};
      modem.facts.object_path = path;
      modem.problems.clear();
      modem.has_ports = false;
      read_modem_properties(modem, m);
    } else {
      check(sd_bus_message_skip(m, "a{sv}"), "skipping an interface");
    }
    check(sd_bus_message_exit_container(m), "leaving an interface");
  }
  check(sd_bus_message_exit_container(m), "leaving the interfaces");
}

// a{sv} of the Modem interface; a property of the wrong type is recorded as a problem of this
// modem and skipped.
void ModemManagerWatch::read_modem_properties(Modem& modem, sd_bus_message* m) {
  check(sd_bus_message_enter_container(m, 'a', "{sv}"), "entering the properties");
  while (check(sd_bus_message_enter_container(m, 'e', "sv"), "entering a property") > 0) {
    const std::string name = read_text(m, 's');
    const Property* property = find_property(name);
    char type = 0;
    const char* contents = nullptr;
    check(sd_bus_message_peek_type(m, &type, &contents), "peeking at a property");
    const std::string signature = contents != nullptr ? contents : "";
    if (property == nullptr) {
      check(sd_bus_message_skip(m, "v"), "skipping a property");
    } else if (signature != property->signature) {
      modem.problems[name] =
          name + " is '" + signature + "', not '" + std::string(property->signature) + "'";
      check(sd_bus_message_skip(m, "v"), "skipping a property");
    } else {
      check(sd_bus_message_enter_container(m, 'v', property->signature), "entering a value");
      property->read(m, modem.facts);
      check(sd_bus_message_exit_container(m), "leaving a value");
      modem.problems.erase(name);
      if (name == "Ports") modem.has_ports = true;
    }
    check(sd_bus_message_exit_container(m), "leaving a property");
  }
  check(sd_bus_message_exit_container(m), "leaving the properties");
}

int ModemManagerWatch::on_filter(sd_bus_message* m, void* self, sd_bus_error*) {
  if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
    // The bus itself went (the daemon's own connection goes too, and it stops): nothing of
    // ModemManager's is reachable any more.
    log(Level::Warning, {}, "ModemManager watch: the bus connection was lost; no modems");
    static_cast<ModemManagerWatch*>(self)->owner_changed("");
  }
  return 0;  // everything else goes on to the matches and replies
}

int ModemManagerWatch::on_signal(sd_bus_message* m, void* self, sd_bus_error*) {
  auto* watch = static_cast<ModemManagerWatch*>(self);
  try {
    watch->handle_signal(m);
  } catch (const Malformed& e) {
    log(Level::Warning, {},
        std::string("ModemManager watch: dropped a malformed ") +
            (sd_bus_message_get_member(m) ? sd_bus_message_get_member(m) : "?") +
            " signal: " + e.what());
  }
  return 0;
}

void ModemManagerWatch::handle_signal(sd_bus_message* m) {
  if (sd_bus_message_is_signal(m, "org.freedesktop.DBus", "NameOwnerChanged")) {
    if (sender_of(m) != "org.freedesktop.DBus" || !sd_bus_message_has_signature(m, "sss")) return;
    const std::string name = read_text(m, 's');
    const std::string old_owner = read_text(m, 's');
    const std::string new_owner = read_text(m, 's');
    if (name != kService) return;
    if (new_owner.empty()) {
      log(Level::Notice, {}, "ModemManager left the bus; its modems are gone");
    } else {
      log(Level::Info, {}, "ModemManager is on the bus (" + new_owner + "); reading its modems");
    }
    owner_changed(new_owner);
    return;
  }
  // Everything else must come from the ModemManager we know.
  if (owner_.empty() || sender_of(m) != owner_) return;
  // While GetManagedObjects is on its way, its answer holds what these signals say: a single
  // picture instead of modems trickling in one by one.
  if (pending_) return;
  if (sd_bus_message_is_signal(m, kObjectManager, "InterfacesAdded")) {
    if (!sd_bus_message_has_signature(m, "oa{sa{sv}}")) throw Malformed("wrong signature");
    const std::string path = read_text(m, 'o');
    read_interfaces(path, m);
    publish();
  } else if (sd_bus_message_is_signal(m, kObjectManager, "InterfacesRemoved")) {
    if (!sd_bus_message_has_signature(m, "oas")) throw Malformed("wrong signature");
    const std::string path = read_text(m, 'o');
    for (const std::string& interface : read_strings(m, 's')) {
      if (interface == kModemIface && modems_.erase(path) > 0)
        log(Level::Info, {}, "modem " + path + " left ModemManager");
    }
    publish();
  } else if (sd_bus_message_is_signal(m, kProperties, "PropertiesChanged")) {
    if (!sd_bus_message_has_signature(m, "sa{sv}as")) throw Malformed("wrong signature");
    const char* path = sd_bus_message_get_path(m);
    auto it = path != nullptr ? modems_.find(path) : modems_.end();
    if (read_text(m, 's') != kModemIface || it == modems_.end()) return;
    Modem& modem = it->second;
    read_modem_properties(modem, m);
    // Invalidated instead of sent: read them all again (ModemManager sends values, so this
    // is for other implementations of the API).
    for (const std::string& name : read_strings(m, 's')) {
      if (find_property(name) != nullptr && !modem.get_all) {
        modem.get_all = call_async(it->first, kProperties, "GetAll", &ModemManagerWatch::on_get_all,
                                   kModemIface);
      }
    }
    publish();
  }
}

int ModemManagerWatch::on_get_all(sd_bus_message* m, void* self, sd_bus_error*) {
  auto* watch = static_cast<ModemManagerWatch*>(self);
  // The reply carries no path: find the modem whose call this answers.
  sd_bus_slot* current = sd_bus_get_current_slot(watch->bus_);
  for (auto& [object, modem] : watch->modems_) {
    if (modem.get_all.get() != current) continue;
    modem.get_all.reset();
    if (sd_bus_message_is_method_error(m, nullptr)) return 0;  // it went, or will say again
    try {
      if (!sd_bus_message_has_signature(m, "a{sv}")) throw Malformed("wrong signature");
      watch->read_modem_properties(modem, m);
    } catch (const Malformed& e) {
      modem.problems["GetAll"] = std::string("its properties are malformed: ") + e.what();
    }
    watch->publish();
    break;
  }
  return 0;
}

void ModemManagerWatch::publish() {
  std::vector<ModemEndpoint> endpoints;
  for (auto& [path, modem] : modems_) {
    EndpointChoice choice;
    Level level = Level::Info;
    if (!modem.problems.empty()) {
      std::string what;
      for (const auto& [name, problem] : modem.problems)
        what += (what.empty() ? "" : "; ") + problem;
      choice.reason = "ModemManager publishes wrong types (" + what + "); not used";
      level = Level::Warning;
    } else if (!modem.has_ports) {
      choice.reason = "ModemManager publishes no Ports for it; not used";
      level = Level::Warning;
    } else {
      choice = choose_modem_endpoint(modem.facts, find_modem_override(modem.facts, overrides_));
      if (!choice.endpoint) level = Level::Notice;
    }
    const std::string line =
        "modem " + path + ": " +
        (choice.endpoint ? "eUICC reached at " + choice.endpoint->key() + " (" + choice.reason + ")"
                         : choice.reason);
    if (line != modem.said) {
      log(level, {}, line);
      modem.said = line;
    }
    if (!choice.endpoint) continue;
    bool duplicate = false;
    for (const ModemEndpoint& e : endpoints)
      duplicate = duplicate || e.key() == choice.endpoint->key();
    if (duplicate) {
      log(Level::Warning, {},
          "modem " + path + ": " + choice.endpoint->key() +
              " is already another modem's; not used");
      continue;
    }
    endpoints.push_back(*choice.endpoint);
  }
  if (reported_once_ && endpoints == reported_) return;
  reported_once_ = true;
  reported_ = std::move(endpoints);
  if (changed_) changed_(reported_);
}

}  // namespace euiccd::daemon
