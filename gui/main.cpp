// euiccd-gui: the desktop and phone client of euiccd (docs/gui.md). Uses only the public D-Bus
// API (dbus/org.euiccd1.xml); links none of the daemon.
//
//   euiccd-gui                  the system bus (where euiccd runs as a service)
//   euiccd-gui --bus ADDRESS    another bus (tests, a daemon started with euiccd --bus)
#include <adwaita.h>
#include <gtkmm/init.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "gui/daemon_client.h"
#include "gui/main_window.h"

namespace {

constexpr char kUsage[] =
    "usage: euiccd-gui [--bus ADDRESS]\n"
    "  --bus ADDRESS   the D-Bus address euiccd is on (default: the system bus)\n";

}  // namespace

int main(int argc, char** argv) {
  std::string address;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--bus") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "euiccd-gui: unknown argument '%s'\n%s", argv[i], kUsage);
      return 2;
    }
  }
  // gtkmm's wrappers (the window uses gtkmm widgets in an AdwApplication); Gio's too.
  Gtk::init_gtkmm_internals();
  std::unique_ptr<euiccd::gui::DaemonClient> client;
  try {
    client = std::make_unique<euiccd::gui::DaemonClient>(address);
  } catch (const Glib::Error& e) {
    std::fprintf(stderr, "euiccd-gui: cannot connect to the bus%s%s: %s\n",
                 address.empty() ? "" : " ", address.c_str(), e.what());
    return 1;
  }
  // NON_UNIQUE: several windows (e.g. on different buses) may run at once.
  AdwApplication* app = adw_application_new("org.euiccd1.Gui", G_APPLICATION_NON_UNIQUE);
  g_signal_connect(app, "activate", G_CALLBACK(+[](GtkApplication* a, gpointer data) {
                     auto* c = static_cast<euiccd::gui::DaemonClient*>(data);
                     euiccd::gui::show_main_window(a, *c);
                   }),
                   client.get());
  client->start();
  const int status = g_application_run(G_APPLICATION(app), 1, argv);
  g_object_unref(app);
  return status;
}
