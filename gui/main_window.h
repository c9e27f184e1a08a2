// The main window: the eUICCs (sidebar) and the selected one's profiles, with enable, disable,
// rename, delete, balance and top-up; adaptive (an AdwLeaflet that folds at phone widths).
#pragma once

typedef struct _GtkApplication GtkApplication;

namespace euiccd::gui {

class DaemonClient;

// Builds the window over `client` and presents it; it lives as long as the application.
void show_main_window(GtkApplication* app, DaemonClient& client);

}  // namespace euiccd::gui
