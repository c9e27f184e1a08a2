// The desktop client's view of euiccd: one connection on the GTK main loop, a cache of every
// object the daemon's ObjectManager lists (kept current from InterfacesAdded/Removed and
// PropertiesChanged), and asynchronous method calls that allow interactive polkit
// authorization (the desktop's polkit agent asks for a password). Nothing here blocks the UI.
#pragma once

#include <giomm/dbusconnection.h>
#include <glibmm/variant.h>
#include <sigc++/signal.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace euiccd::gui {

// A finished call: empty error_name means success, `reply` then holds the out arguments.
struct CallResult {
  std::string error_name;  // "org.euiccd1.Error.Busy", or a bus error
  std::string error_message;
  Glib::VariantContainerBase reply;
  bool ok() const { return error_name.empty(); }
};

// The properties of one object's org.euiccd1.* interface.
class ObjectProperties {
 public:
  std::string interface;
  std::map<std::string, Glib::VariantBase> values;

  std::string str(const std::string& name) const;                 // s and o
  std::vector<std::string> paths(const std::string& name) const;  // ao
  std::uint64_t u64(const std::string& name) const;               // t and u
  double number(const std::string& name) const;                   // d
};

class DaemonClient {
 public:
  using CallDone = std::function<void(const CallResult&)>;

  // Connects to the bus at `address` (a D-Bus address), or the system bus when it is empty.
  // Throws Glib::Error when there is no bus.
  explicit DaemonClient(const std::string& address);

  // Loads the daemon's objects (GetManagedObjects) and follows them from then on; also when
  // euiccd starts later or restarts (NameOwnerChanged).
  void start();

  // Every change to the cache (objects added, removed, properties changed), coalesced into
  // one emission per main-loop turn.
  sigc::signal<void()> signal_changed;
  // A Profile signal: BalanceLow(s) or PlanExpiring(t), with the profile's path.
  std::function<void(const std::string& path, const std::string& signal,
                     const Glib::VariantContainerBase& args)>
      on_profile_signal;

  const ObjectProperties* object(const std::string& path) const;
  // Paths of the objects with this interface, in path order.
  std::vector<std::string> objects_with(const std::string& interface) const;
  bool daemon_present() const { return !objects_.empty(); }

  // Calls a method of euiccd; `done` runs on the main loop. timeout_ms -1: the bus default.
  void call(const std::string& path, const std::string& interface, const std::string& method,
            const Glib::VariantContainerBase& args, CallDone done, int timeout_ms = -1);
  // Properties.Set on an org.euiccd1 object.
  void set_property(const std::string& path, const std::string& interface, const std::string& name,
                    const Glib::VariantBase& value, CallDone done);

 private:
  void load();
  void on_signal(const Glib::ustring& path, const Glib::ustring& interface,
                 const Glib::ustring& member, const Glib::VariantContainerBase& args);
  void add_interfaces(const std::string& path, GVariant* interfaces);
  void changed();

  Glib::RefPtr<Gio::DBus::Connection> bus_;
  std::map<std::string, ObjectProperties> objects_;
  bool change_pending_ = false;
  unsigned generation_ = 0;  // bumped on each (re)load, so a stale GetManagedObjects is dropped
};

}  // namespace euiccd::gui
