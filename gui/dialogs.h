// Small helpers on libadwaita's C API shared by the window and the add-profile flow: message
// dialogs with a response callback, accessible names, error dialogs built from gui/error_text.h.
#pragma once

#include <adwaita.h>

#include <functional>
#include <string>

namespace euiccd::gui {

// Sets the name assistive technologies (and the GUI test) find the widget by.
void set_accessible_name(GtkWidget* widget, const std::string& name);

// Runs `action` on each click of the button.
void on_clicked(GtkWidget* button, std::function<void()> action);

// An AdwMessageDialog over `parent`; `respond` gets the response id ("cancel" when closed).
// The dialog closes itself after a response.
AdwMessageDialog* message_dialog(GtkWindow* parent, const std::string& heading,
                                 const std::string& body,
                                 std::function<void(const std::string&)> respond = {});

// Presents `dialog` asking for the text in `entry`: Cancel and the suggested `response`
// (labelled `label`, also the default: Enter answers it), the entry focused.
void present_with_entry(AdwMessageDialog* dialog, GtkWidget* entry, const char* response,
                        const char* label);

// Shows "Could not <what>" with the sentence for the D-Bus error and the daemon's message.
void show_error(GtkWindow* parent, const std::string& what, const std::string& error_name,
                const std::string& error_message);

// "19 May 2026, 14:03" in the local time zone, for µs since the epoch.
std::string local_time(std::uint64_t usec);

// "1.2 MB", "512 kB", "900 bytes".
std::string byte_size(std::uint64_t bytes);

}  // namespace euiccd::gui
