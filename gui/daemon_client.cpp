#include "gui/daemon_client.h"

#include <gio/gio.h>
#include <glibmm/main.h>

#include "dbus/object_paths.h"

namespace euiccd::gui {

namespace {

constexpr char kObjectManager[] = "org.freedesktop.DBus.ObjectManager";
constexpr char kProperties[] = "org.freedesktop.DBus.Properties";
constexpr char kOurPrefix[] = "org.euiccd1.";

bool is_ours(const char* interface) {
  return g_str_has_prefix(interface, kOurPrefix);
}

CallResult result_of(const Glib::Error& error) {
  CallResult r;
  GError* copy = g_error_copy(error.gobj());
  gchar* remote = g_dbus_error_get_remote_error(copy);
  r.error_name = remote ? remote : "org.freedesktop.DBus.Error.Failed";
  g_free(remote);
  g_dbus_error_strip_remote_error(copy);
  r.error_message = copy->message ? copy->message : "";
  g_error_free(copy);
  return r;
}

}  // namespace

std::string ObjectProperties::str(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || !it->second.gobj()) return {};
  GVariant* v = const_cast<GVariant*>(it->second.gobj());
  if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
      g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH))
    return g_variant_get_string(v, nullptr);
  return {};
}

std::vector<std::string> ObjectProperties::paths(const std::string& name) const {
  std::vector<std::string> out;
  auto it = values.find(name);
  if (it == values.end() || !it->second.gobj()) return out;
  GVariant* v = const_cast<GVariant*>(it->second.gobj());
  if (!g_variant_is_of_type(v, G_VARIANT_TYPE("ao"))) return out;
  GVariantIter iter;
  g_variant_iter_init(&iter, v);
  const gchar* path = nullptr;
  while (g_variant_iter_next(&iter, "&o", &path)) out.emplace_back(path);
  return out;
}

std::uint64_t ObjectProperties::u64(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || !it->second.gobj()) return 0;
  GVariant* v = const_cast<GVariant*>(it->second.gobj());
  if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64)) return g_variant_get_uint64(v);
  if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) return g_variant_get_uint32(v);
  return 0;
}

double ObjectProperties::number(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || !it->second.gobj()) return 0;
  GVariant* v = const_cast<GVariant*>(it->second.gobj());
  return g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE) ? g_variant_get_double(v) : 0;
}

DaemonClient::DaemonClient(const std::string& address) {
  if (address.empty()) {
    bus_ = Gio::DBus::Connection::get_sync(Gio::DBus::BusType::SYSTEM);
  } else {
    bus_ = Gio::DBus::Connection::create_for_address_sync(
        address, Gio::DBus::ConnectionFlags::AUTHENTICATION_CLIENT |
                     Gio::DBus::ConnectionFlags::MESSAGE_BUS_CONNECTION);
  }
}

void DaemonClient::start() {
  auto slot = [this](const Glib::RefPtr<Gio::DBus::Connection>&, const Glib::ustring&,
                     const Glib::ustring& path, const Glib::ustring& interface,
                     const Glib::ustring& member, const Glib::VariantContainerBase& args) {
    on_signal(path, interface, member, args);
  };
  bus_->signal_subscribe(slot, dbus::kBusName, kObjectManager, {}, dbus::kRootPath);
  bus_->signal_subscribe(slot, dbus::kBusName, kProperties, "PropertiesChanged");
  bus_->signal_subscribe(slot, dbus::kBusName, dbus::kProfileInterface);
  // euiccd (re)starting or going away.
  bus_->signal_subscribe(slot, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                         "/org/freedesktop/DBus", dbus::kBusName);
  load();
}

void DaemonClient::load() {
  const unsigned generation = ++generation_;
  bus_->call(
      dbus::kRootPath, kObjectManager, "GetManagedObjects", Glib::VariantContainerBase(),
      [this, generation](Glib::RefPtr<Gio::AsyncResult>& result) {
        if (generation != generation_) return;
        objects_.clear();
        try {
          Glib::VariantContainerBase reply = bus_->call_finish(result);
          GVariant* objects = g_variant_get_child_value(reply.gobj(), 0);
          GVariantIter iter;
          g_variant_iter_init(&iter, objects);
          const gchar* path = nullptr;
          GVariant* interfaces = nullptr;
          while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &interfaces)) {
            add_interfaces(path, interfaces);
            g_variant_unref(interfaces);
          }
          g_variant_unref(objects);
        } catch (const Glib::Error&) {
          // Not running (yet): NameOwnerChanged loads again when it starts.
        }
        changed();
      },
      dbus::kBusName);
}

void DaemonClient::add_interfaces(const std::string& path, GVariant* interfaces) {
  GVariantIter iter;
  g_variant_iter_init(&iter, interfaces);
  const gchar* interface = nullptr;
  GVariant* properties = nullptr;
  while (g_variant_iter_next(&iter, "{&s@a{sv}}", &interface, &properties)) {
    if (is_ours(interface)) {
      ObjectProperties& object = objects_[path];
      object.interface = interface;
      GVariantIter props;
      g_variant_iter_init(&props, properties);
      const gchar* name = nullptr;
      GVariant* value = nullptr;
      while (g_variant_iter_next(&props, "{&sv}", &name, &value))
        object.values[name] = Glib::VariantBase(value, false);  // takes the reference
    }
    g_variant_unref(properties);
  }
}

void DaemonClient::on_signal(const Glib::ustring& path, const Glib::ustring& interface,
                             const Glib::ustring& member, const Glib::VariantContainerBase& args) {
  GVariant* a = const_cast<GVariant*>(args.gobj());
  if (member == "NameOwnerChanged") {
    load();  // started, restarted or gone: read everything again
    return;
  }
  if (interface == kObjectManager && member == "InterfacesAdded" &&
      g_variant_is_of_type(a, G_VARIANT_TYPE("(oa{sa{sv}})"))) {
    const gchar* object = nullptr;
    GVariant* interfaces = nullptr;
    g_variant_get(a, "(&o@a{sa{sv}})", &object, &interfaces);
    add_interfaces(object, interfaces);
    g_variant_unref(interfaces);
    changed();
  } else if (interface == kObjectManager && member == "InterfacesRemoved" &&
             g_variant_is_of_type(a, G_VARIANT_TYPE("(oas)"))) {
    const gchar* object = nullptr;
    g_variant_get_child(a, 0, "&o", &object);
    auto it = objects_.find(object);
    if (it == objects_.end()) return;
    GVariant* names = g_variant_get_child_value(a, 1);
    bool ours = false;
    GVariantIter iter;
    g_variant_iter_init(&iter, names);
    const gchar* name = nullptr;
    while (g_variant_iter_next(&iter, "&s", &name)) ours = ours || it->second.interface == name;
    g_variant_unref(names);
    if (ours) {
      objects_.erase(it);
      changed();
    }
  } else if (interface == kProperties && g_variant_is_of_type(a, G_VARIANT_TYPE("(sa{sv}as)"))) {
    auto it = objects_.find(path);
    if (it == objects_.end()) return;
    const gchar* changed_interface = nullptr;
    GVariant* values = nullptr;
    GVariant* invalidated = nullptr;
    g_variant_get(a, "(&s@a{sv}@as)", &changed_interface, &values, &invalidated);
    if (it->second.interface == changed_interface) {
      GVariantIter iter;
      g_variant_iter_init(&iter, values);
      const gchar* name = nullptr;
      GVariant* value = nullptr;
      while (g_variant_iter_next(&iter, "{&sv}", &name, &value))
        it->second.values[name] = Glib::VariantBase(value, false);
      changed();
    }
    g_variant_unref(values);
    g_variant_unref(invalidated);
  } else if (interface == dbus::kProfileInterface && on_profile_signal) {
    on_profile_signal(path, member, args);
  }
}

void DaemonClient::changed() {
  if (change_pending_) return;
  change_pending_ = true;
  Glib::signal_idle().connect_once([this] {
    change_pending_ = false;
    signal_changed.emit();
  });
}

const ObjectProperties* DaemonClient::object(const std::string& path) const {
  auto it = objects_.find(path);
  return it == objects_.end() ? nullptr : &it->second;
}

std::vector<std::string> DaemonClient::objects_with(const std::string& interface) const {
  std::vector<std::string> out;
  for (const auto& [path, object] : objects_)
    if (object.interface == interface) out.push_back(path);
  return out;
}

void DaemonClient::call(const std::string& path, const std::string& interface,
                        const std::string& method, const Glib::VariantContainerBase& args,
                        CallDone done, int timeout_ms) {
  bus_->call(
      path, interface, method, args,
      [this, done](Glib::RefPtr<Gio::AsyncResult>& result) {
        CallResult r;
        try {
          r.reply = bus_->call_finish(result);
        } catch (const Glib::Error& error) {
          r = result_of(error);
        }
        if (done) done(r);
      },
      dbus::kBusName, timeout_ms, Gio::DBus::CallFlags::ALLOW_INTERACTIVE_AUTHORIZATION);
}

void DaemonClient::set_property(const std::string& path, const std::string& interface,
                                const std::string& name, const Glib::VariantBase& value,
                                CallDone done) {
  GVariant* args =
      g_variant_new("(ssv)", interface.c_str(), name.c_str(), const_cast<GVariant*>(value.gobj()));
  call(path, kProperties, "Set", Glib::VariantContainerBase(g_variant_ref_sink(args), false),
       std::move(done));
}

}  // namespace euiccd::gui
