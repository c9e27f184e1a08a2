#include "gui/dialogs.h"

#include <cstdio>

#include "gui/error_text.h"

namespace euiccd::gui {

void set_accessible_name(GtkWidget* widget, const std::string& name) {
  gtk_accessible_update_property(GTK_ACCESSIBLE(widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 name.c_str(), -1);
}

void on_clicked(GtkWidget* button, std::function<void()> action) {
  using Action = std::function<void()>;
  g_signal_connect_data(
      button, "clicked",
      G_CALLBACK(+[](GtkButton*, gpointer data) { (*static_cast<Action*>(data))(); }),
      new Action(std::move(action)),
      +[](gpointer data, GClosure*) { delete static_cast<Action*>(data); }, GConnectFlags(0));
}

AdwMessageDialog* message_dialog(GtkWindow* parent, const std::string& heading,
                                 const std::string& body,
                                 std::function<void(const std::string&)> respond) {
  auto* dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(parent, heading.c_str(), nullptr));
  adw_message_dialog_set_body(dialog, body.c_str());
  // The window's title too: window lists (and the GUI test's xdotool) see it.
  gtk_window_set_title(GTK_WINDOW(dialog), heading.c_str());
  set_accessible_name(GTK_WIDGET(dialog), heading);
  if (respond) {
    using Respond = std::function<void(const std::string&)>;
    g_signal_connect_data(
        dialog, "response", G_CALLBACK(+[](AdwMessageDialog*, const char* response, gpointer data) {
          (*static_cast<Respond*>(data))(response ? response : "cancel");
        }),
        new Respond(std::move(respond)),
        +[](gpointer data, GClosure*) { delete static_cast<Respond*>(data); }, GConnectFlags(0));
  }
  return dialog;
}

void show_error(GtkWindow* parent, const std::string& what, const std::string& error_name,
                const std::string& error_message) {
  AdwMessageDialog* dialog =
      message_dialog(parent, "Could not " + what, error_text(error_name, error_message));
  adw_message_dialog_add_response(dialog, "close", "Close");
  gtk_window_present(GTK_WINDOW(dialog));
}

std::string local_time(std::uint64_t usec) {
  GDateTime* t = g_date_time_new_from_unix_local(static_cast<gint64>(usec / 1000000));
  if (!t) return {};
  gchar* text = g_date_time_format(t, "%-d %b %Y, %H:%M");
  std::string out = text ? text : "";
  g_free(text);
  g_date_time_unref(t);
  return out;
}

std::string byte_size(std::uint64_t bytes) {
  char text[32];
  if (bytes >= 1000000)
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  else if (bytes >= 1000)
    std::snprintf(text, sizeof text, "%llu kB", static_cast<unsigned long long>(bytes / 1000));
  else
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  return text;
}

void present_with_entry(AdwMessageDialog* dialog, GtkWidget* entry, const char* response,
                        const char* label) {
  adw_message_dialog_set_extra_child(dialog, entry);
  adw_message_dialog_add_responses(dialog, "cancel", "Cancel", response, label, nullptr);
  adw_message_dialog_set_response_appearance(dialog, response, ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response(dialog, response);
  gtk_window_present(GTK_WINDOW(dialog));
  gtk_widget_grab_focus(entry);
}

}  // namespace euiccd::gui
