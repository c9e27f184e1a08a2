#include "gui/main_window.h"

#include <adwaita.h>
#include <gtkmm/box.h>
#include <gtkmm/droptarget.h>
#include <gtkmm/listbox.h>
#include <gtkmm/scrolledwindow.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "dbus/object_paths.h"
#include "gui/add_profile.h"
#include "gui/daemon_client.h"
#include "gui/dialogs.h"

namespace euiccd::gui {

namespace {

// Enable, Disable and Delete of the enabled profile on an eUICC inside a modem reply when the
// modem is back online (or rolled back), which may take minutes; top-up and balance wait for
// the network.
constexpr int kSwitchTimeoutMs = 10 * 60 * 1000;
constexpr int kNetworkTimeoutMs = 3 * 60 * 1000;

Gtk::Widget& mm(GtkWidget* widget) {
  return *Glib::wrap(widget);
}

std::string profile_title(const ObjectProperties& p) {
  if (!p.str("Nickname").empty()) return p.str("Nickname");
  if (!p.str("ProfileName").empty()) return p.str("ProfileName");
  return p.str("Iccid");
}

std::string class_words(const std::string& profile_class) {
  if (profile_class == "test") return "test profile";
  if (profile_class == "provisioning") return "provisioning profile";
  if (profile_class == "operational") return "operational";
  return "class not given";
}

// The profile's facts as rows show them: "Provider · Profile name\nICCID … · class".
std::string profile_subtitle(const ObjectProperties& p) {
  std::string s = p.str("ServiceProviderName");
  if (!p.str("ProfileName").empty() && p.str("ProfileName") != profile_title(p))
    s += (s.empty() ? "" : " · ") + p.str("ProfileName");
  if (!s.empty()) s += "\n";
  s += "ICCID " + p.str("Iccid") + " · " + class_words(p.str("ProfileClass"));
  return s;
}

GtkWidget* icon_button(const char* icon, const std::string& accessible, const char* tooltip) {
  GtkWidget* button = gtk_button_new_from_icon_name(icon);
  gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class(button, "flat");
  gtk_widget_set_tooltip_text(button, tooltip);
  set_accessible_name(button, accessible);
  return button;
}

GtkWidget* text_button(const char* label, const std::string& accessible) {
  GtkWidget* button = gtk_button_new_with_label(label);
  gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
  set_accessible_name(button, accessible);
  return button;
}

GtkWidget* info_row(const std::string& title, const std::string& subtitle) {
  GtkWidget* row = adw_action_row_new();
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title.c_str());
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle.c_str());
  return row;
}

class MainWindow {
 public:
  MainWindow(GtkApplication* app, DaemonClient& client) : client_(client) {
    window_ = GTK_WINDOW(adw_application_window_new(app));
    gtk_window_set_title(window_, "eSIM profiles");
    gtk_window_set_default_size(window_, 960, 680);
    set_accessible_name(GTK_WIDGET(window_), "eSIM profiles");

    toasts_ = ADW_TOAST_OVERLAY(adw_toast_overlay_new());
    leaflet_ = ADW_LEAFLET(adw_leaflet_new());
    adw_leaflet_set_can_navigate_back(leaflet_, true);
    adw_toast_overlay_set_child(toasts_, GTK_WIDGET(leaflet_));
    adw_application_window_set_content(ADW_APPLICATION_WINDOW(window_), GTK_WIDGET(toasts_));

    build_sidebar();
    adw_leaflet_page_set_navigatable(
        adw_leaflet_append(leaflet_, gtk_separator_new(GTK_ORIENTATION_VERTICAL)), false);
    build_content_pane();

    // A QR image dropped anywhere on the window.
    auto drop = Gtk::DropTarget::create(G_TYPE_FILE, Gdk::DragAction::COPY);
    drop->signal_drop().connect(
        [this](const Glib::ValueBase& value, double, double) {
          GFile* file = G_FILE(g_value_get_object(value.gobj()));
          gchar* path = file ? g_file_get_path(file) : nullptr;
          if (!path) return false;
          open_image(path);
          g_free(path);
          return true;
        },
        false);
    mm(GTK_WIDGET(window_)).add_controller(drop);

    client_.signal_changed.connect([this] { refresh(); });
    // Phone width: the rows change to their compact form (icon buttons).
    g_signal_connect_swapped(leaflet_, "notify::folded",
                             G_CALLBACK(+[](MainWindow* self) { self->refresh(); }), this);
    client_.on_profile_signal = [this](const std::string& path, const std::string& signal,
                                       const Glib::VariantContainerBase& args) {
      on_profile_signal(path, signal, args);
    };
    refresh();
    gtk_window_present(window_);
  }

 private:
  // ---- layout ----
  void build_sidebar() {
    auto* box = Gtk::make_managed<Gtk::Box>(Gtk::Orientation::VERTICAL);
    box->set_size_request(260, -1);
    sidebar_header_ = ADW_HEADER_BAR(adw_header_bar_new());
    adw_header_bar_set_title_widget(sidebar_header_, adw_window_title_new("eSIMs", nullptr));
    box->append(mm(GTK_WIDGET(sidebar_header_)));
    euicc_list_ = Gtk::make_managed<Gtk::ListBox>();
    euicc_list_->add_css_class("navigation-sidebar");
    euicc_list_->set_vexpand(true);
    set_accessible_name(GTK_WIDGET(euicc_list_->gobj()), "eSIM chips");
    euicc_list_->signal_row_activated().connect([this](Gtk::ListBoxRow* row) {
      const int index = row->get_index();
      if (index >= 0 && static_cast<size_t>(index) < euicc_paths_.size()) {
        selected_ = euicc_paths_[index];
        refresh();
        adw_leaflet_navigate(leaflet_, ADW_NAVIGATION_DIRECTION_FORWARD);
      }
    });
    auto* scroller = Gtk::make_managed<Gtk::ScrolledWindow>();
    scroller->set_policy(Gtk::PolicyType::NEVER, Gtk::PolicyType::AUTOMATIC);
    scroller->set_child(*euicc_list_);
    box->append(*scroller);
    adw_leaflet_append(leaflet_, GTK_WIDGET(box->gobj()));
  }

  void build_content_pane() {
    auto* box = Gtk::make_managed<Gtk::Box>(Gtk::Orientation::VERTICAL);
    box->set_hexpand(true);
    content_header_ = ADW_HEADER_BAR(adw_header_bar_new());
    title_ = ADW_WINDOW_TITLE(adw_window_title_new("Profiles", nullptr));
    adw_header_bar_set_title_widget(content_header_, GTK_WIDGET(title_));

    GtkWidget* back = icon_button("go-previous-symbolic", "Back", "Back to the eSIM list");
    on_clicked(back, [this] { adw_leaflet_navigate(leaflet_, ADW_NAVIGATION_DIRECTION_BACK); });
    g_object_bind_property(leaflet_, "folded", back, "visible", G_BINDING_SYNC_CREATE);
    adw_header_bar_pack_start(content_header_, back);

    GtkWidget* add = icon_button("list-add-symbolic", "Add profile", "Add a profile");
    on_clicked(add, [this] { open_add(""); });
    adw_header_bar_pack_start(content_header_, add);
    GtkWidget* reload = icon_button("view-refresh-symbolic", "Read the eSIM again",
                                    "Read the eSIM again (after changes by other programs)");
    on_clicked(reload, [this] {
      if (selected_.empty()) return;
      client_.call(selected_, dbus::kEuiccInterface, "Refresh", {}, [this](const CallResult& r) {
        if (!r.ok()) show_error(window_, "read the eSIM again", r.error_name, r.error_message);
      });
    });
    adw_header_bar_pack_end(content_header_, reload);
    // Both headers show the window buttons only where they sit at the window's edge.
    g_object_bind_property(leaflet_, "folded", sidebar_header_, "show-end-title-buttons",
                           G_BINDING_SYNC_CREATE);
    g_object_bind_property(leaflet_, "folded", content_header_, "show-start-title-buttons",
                           G_BINDING_SYNC_CREATE);
    box->append(mm(GTK_WIDGET(content_header_)));

    scroller_ = Gtk::make_managed<Gtk::ScrolledWindow>();
    scroller_->set_policy(Gtk::PolicyType::NEVER, Gtk::PolicyType::AUTOMATIC);
    scroller_->set_vexpand(true);
    box->append(*scroller_);
    adw_leaflet_append(leaflet_, GTK_WIDGET(box->gobj()));
    adw_leaflet_set_visible_child(leaflet_, GTK_WIDGET(box->gobj()));
  }

  // Folded (phone width): buttons as icons, so that rows keep room for their text.
  bool compact() const { return adw_leaflet_get_folded(leaflet_); }

  // ---- following the daemon ----
  // Each part of the window is rebuilt only when what it shows changed (a job's progress,
  // say, changes nothing here), so a button does not go away under the pointer because of a
  // change elsewhere (notifications sent after an enable, a balance read).
  std::string values_of(const std::string& path, std::initializer_list<const char*> skip) const {
    const ObjectProperties* object = client_.object(path);
    if (!object) return path + "(gone)";
    std::string s = path + "{";
    for (const auto& [name, value] : object->values) {
      if (std::find_if(skip.begin(), skip.end(), [&](const char* n) { return name == n; }) !=
          skip.end())
        continue;
      s += name + "=" + value.print() + ";";
    }
    return s + "}";
  }

  void refresh() {
    euicc_paths_ = client_.objects_with(dbus::kEuiccInterface);
    if (std::find(euicc_paths_.begin(), euicc_paths_.end(), selected_) == euicc_paths_.end())
      selected_ = euicc_paths_.empty() ? "" : euicc_paths_.front();

    std::string sidebar_key = selected_ + "|";
    for (const std::string& path : euicc_paths_)
      sidebar_key += client_.object(path)->str("Eid") + ";";
    if (sidebar_key != shown_sidebar_) {
      shown_sidebar_ = sidebar_key;
      rebuild_sidebar();
    }

    const ObjectProperties* euicc = selected_.empty() ? nullptr : client_.object(selected_);
    const std::string page_key = euicc                      ? selected_
                                 : client_.daemon_present() ? "no eSIM"
                                                            : "no daemon";
    if (page_key != shown_page_) {
      shown_page_ = page_key;
      rebuild_page(euicc);
    }
    if (!euicc) return;

    const std::string mode = compact() ? "compact|" : "wide|";
    const std::string euicc_key = values_of(selected_, {"Profiles", "EnabledProfile", "ActiveJob"});
    std::string profiles_key = mode;
    for (const std::string& path : euicc->paths("Profiles"))
      profiles_key +=
          values_of(path, {"Balance", "BalanceCheckedAt", "BalanceAmount", "PlanExpiresAt"});
    const std::string enabled = euicc->str("EnabledProfile");
    const ObjectProperties* profile = enabled == "/" ? nullptr : client_.object(enabled);
    const std::string balance_key =
        mode +
        (profile ? values_of(enabled, {}) + (balance_low_.count(enabled) ? "low" : "") : "none");
    replace_if_changed(euicc_slot_, shown_euicc_, euicc_key, [&] { return euicc_group(*euicc); });
    replace_if_changed(profiles_slot_, shown_profiles_, profiles_key,
                       [&] { return profiles_group(*euicc); });
    replace_if_changed(balance_slot_, shown_balance_, balance_key, [&]() -> GtkWidget* {
      return profile ? balance_group(enabled, *profile) : nullptr;
    });
  }

  void replace_if_changed(Gtk::Box* slot, std::string& shown, const std::string& key,
                          const std::function<GtkWidget*()>& build) {
    if (key == shown) return;
    shown = key;
    while (Gtk::Widget* child = slot->get_first_child()) slot->remove(*child);
    if (GtkWidget* part = build()) slot->append(mm(part));
  }

  void rebuild_sidebar() {
    while (Gtk::Widget* child = euicc_list_->get_first_child()) euicc_list_->remove(*child);
    unsigned n = 0;
    for (const std::string& path : euicc_paths_) {
      const ObjectProperties& e = *client_.object(path);
      GtkWidget* row = adw_action_row_new();
      const std::string title = "eSIM " + std::to_string(++n);
      adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title.c_str());
      adw_action_row_set_subtitle(ADW_ACTION_ROW(row), e.str("Eid").c_str());
      adw_action_row_add_prefix(ADW_ACTION_ROW(row),
                                gtk_image_new_from_icon_name("media-flash-symbolic"));
      gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), true);
      set_accessible_name(row, title + " " + e.str("Eid"));
      euicc_list_->append(mm(row));
      if (path == selected_) euicc_list_->select_row(*euicc_list_->get_row_at_index(n - 1));
    }
  }

  // The page: a status when there is no eUICC to show, else the slots of its three parts.
  void rebuild_page(const ObjectProperties* euicc) {
    auto* clamp = ADW_CLAMP(adw_clamp_new());
    adw_clamp_set_maximum_size(clamp, 720);
    auto* page = Gtk::make_managed<Gtk::Box>(Gtk::Orientation::VERTICAL, 24);
    page->set_margin(12);
    page->set_margin_top(18);
    adw_clamp_set_child(clamp, GTK_WIDGET(page->gobj()));
    scroller_->set_child(mm(GTK_WIDGET(clamp)));
    shown_euicc_.clear();
    shown_profiles_.clear();
    shown_balance_.clear();
    euicc_slot_ = profiles_slot_ = balance_slot_ = nullptr;

    if (!euicc) {
      adw_window_title_set_subtitle(title_, "");
      GtkWidget* status = adw_status_page_new();
      adw_status_page_set_icon_name(ADW_STATUS_PAGE(status), "media-flash-symbolic");
      adw_status_page_set_title(ADW_STATUS_PAGE(status), client_.daemon_present()
                                                             ? "No eSIM found"
                                                             : "euiccd is not running");
      adw_status_page_set_description(
          ADW_STATUS_PAGE(status),
          client_.daemon_present()
              ? "Insert the eSIM, or plug in its reader or modem. It shows up here by itself."
              : "Start the eSIM service (systemctl start euiccd). This window follows it.");
      page->append(mm(status));
      return;
    }
    adw_window_title_set_subtitle(title_, euicc->str("Eid").c_str());
    for (Gtk::Box** slot : {&euicc_slot_, &profiles_slot_, &balance_slot_}) {
      *slot = Gtk::make_managed<Gtk::Box>(Gtk::Orientation::VERTICAL);
      page->append(**slot);
    }
  }

  GtkWidget* euicc_group(const ObjectProperties& e) {
    GtkWidget* group = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), "This eSIM");
    auto* g = ADW_PREFERENCES_GROUP(group);
    adw_preferences_group_add(g, info_row("EID", e.str("Eid")));
    GtkWidget* memory = info_row("Free memory", byte_size(e.u64("FreeNonVolatileMemory")));
    set_accessible_name(memory, "Free memory " + byte_size(e.u64("FreeNonVolatileMemory")));
    adw_preferences_group_add(g, memory);
    const std::uint64_t pending = e.u64("PendingNotifications");
    GtkWidget* notes =
        info_row("Notifications for operators",
                 pending == 0 ? "None pending"
                              : std::to_string(pending) + " waiting to be sent to the operators");
    set_accessible_name(notes, "Pending notifications " + std::to_string(pending));
    if (pending > 0) {
      GtkWidget* send = text_button("Send", "Send notifications");
      on_clicked(send, [this] {
        client_.call(selected_, dbus::kEuiccInterface, "ProcessNotifications", {},
                     [this](const CallResult& r) {
                       if (!r.ok())
                         show_error(window_, "send the notifications", r.error_name,
                                    r.error_message);
                     });
      });
      adw_action_row_add_suffix(ADW_ACTION_ROW(notes), send);
    }
    adw_preferences_group_add(g, notes);
    std::string where = e.str("Transport") == "pcsc" ? "Card reader " : "Modem ";
    adw_preferences_group_add(g, info_row("Connected through", where + e.str("Reader")));
    return group;
  }

  GtkWidget* profiles_group(const ObjectProperties& e) {
    GtkWidget* group = adw_preferences_group_new();
    adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), "Profiles");
    const std::vector<std::string> profiles = e.paths("Profiles");
    if (profiles.empty()) {
      GtkWidget* none = info_row("No profiles yet",
                                 "Add one with the + button, or drop the "
                                 "operator's QR code image on this window.");
      adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), none);
    }
    for (const std::string& path : profiles)
      if (const ObjectProperties* p = client_.object(path))
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), profile_row(path, *p));
    return group;
  }

  GtkWidget* profile_row(const std::string& path, const ObjectProperties& p) {
    const bool enabled = p.str("State") == "enabled";
    const std::string iccid = p.str("Iccid");
    const std::string title = profile_title(p);
    GtkWidget* row = adw_action_row_new();
    const std::string shown_title = compact() && enabled ? title + " (enabled)" : title;
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), shown_title.c_str());
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), profile_subtitle(p).c_str());
    adw_action_row_set_subtitle_lines(ADW_ACTION_ROW(row), compact() ? 4 : 3);
    set_accessible_name(row,
                        "Profile " + iccid + " " + title + (enabled ? " enabled" : " disabled"));
    // The API carries no icon for installed profiles (only the download preview has one), so
    // the row shows the provider's initials.
    const std::string provider =
        p.str("ServiceProviderName").empty() ? title : p.str("ServiceProviderName");
    adw_action_row_add_prefix(ADW_ACTION_ROW(row), adw_avatar_new(40, provider.c_str(), true));

    const std::string toggle_name = std::string(enabled ? "Disable " : "Enable ") + iccid;
    GtkWidget* toggle = nullptr;
    if (compact()) {
      if (enabled) gtk_widget_add_css_class(row, "property");  // the title stands out
      toggle =
          icon_button(enabled ? "media-playback-stop-symbolic" : "media-playback-start-symbolic",
                      toggle_name, enabled ? "Disable" : "Enable");
    } else {
      if (enabled) {
        GtkWidget* badge = gtk_label_new("Enabled");
        gtk_widget_add_css_class(badge, "accent");
        gtk_widget_set_valign(badge, GTK_ALIGN_CENTER);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), badge);
      }
      toggle = text_button(enabled ? "Disable" : "Enable", toggle_name);
      if (!enabled) gtk_widget_add_css_class(toggle, "suggested-action");
    }
    on_clicked(toggle, [this, path, enabled, title] {
      client_.call(
          path, dbus::kProfileInterface, enabled ? "Disable" : "Enable", {},
          [this, enabled, title](const CallResult& r) {
            if (r.ok())
              toast((enabled ? "Disabled " : "Enabled ") + title);
            else
              show_error(window_, std::string(enabled ? "disable " : "enable ") + title,
                         r.error_name, r.error_message);
          },
          kSwitchTimeoutMs);
    });
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), toggle);

    GtkWidget* rename = icon_button("document-edit-symbolic", "Rename " + iccid, "Rename");
    on_clicked(rename, [this, path, title, nickname = p.str("Nickname")] {
      ask_nickname(path, title, nickname);
    });
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), rename);

    GtkWidget* remove = icon_button("user-trash-symbolic", "Delete " + iccid, "Delete");
    on_clicked(remove,
               [this, path, title, enabled, iccid, provider = p.str("ServiceProviderName")] {
                 confirm_delete(path, title, provider, iccid, enabled);
               });
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), remove);
    return row;
  }

  GtkWidget* balance_group(const std::string& path, const ObjectProperties& p) {
    GtkWidget* group = adw_preferences_group_new();
    auto* g = ADW_PREFERENCES_GROUP(group);
    const std::string heading = "Balance of " + profile_title(p);
    adw_preferences_group_set_title(g, heading.c_str());
    adw_preferences_group_set_description(g, "Asked of the mobile network (USSD or SMS).");

    const std::string balance = p.str("Balance");
    const std::uint64_t at = p.u64("BalanceCheckedAt");
    GtkWidget* row = info_row(
        balance.empty() ? "Not checked yet" : balance,
        at == 0 ? "Check it with the button"
                : "Read on " + local_time(at) +
                      (p.str("BalanceAmount").empty() ? "" : " · " + p.str("BalanceAmount")));
    set_accessible_name(row, "Balance " + balance);
    GtkWidget* check =
        compact() ? icon_button("view-refresh-symbolic", "Check balance", "Check the balance")
                  : text_button("Check", "Check balance");
    on_clicked(check, [this, path] {
      toast("Asking the network for the balance…");
      client_.call(
          path, dbus::kProfileInterface, "CheckBalance", {},
          [this](const CallResult& r) {
            if (!r.ok()) show_error(window_, "check the balance", r.error_name, r.error_message);
          },
          kNetworkTimeoutMs);
    });
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), check);
    GtkWidget* topup = compact() ? icon_button("list-add-symbolic", "Top up", "Top up")
                                 : text_button("Top up…", "Top up");
    on_clicked(topup, [this, path] { ask_voucher(path); });
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), topup);
    adw_preferences_group_add(g, row);

    if (balance_low_.count(path)) {
      GtkWidget* low = info_row("Balance is low",
                                "Below the threshold set for this profile. "
                                "Top up to keep the line working.");
      adw_action_row_add_prefix(ADW_ACTION_ROW(low),
                                gtk_image_new_from_icon_name("dialog-warning-symbolic"));
      set_accessible_name(low, "Balance is low");
      adw_preferences_group_add(g, low);
    }
    if (const std::uint64_t expires = p.u64("PlanExpiresAt")) {
      GtkWidget* plan = info_row("Plan runs out", local_time(expires));
      adw_preferences_group_add(g, plan);
    }
    return group;
  }

  // ---- actions ----
  void ask_nickname(const std::string& path, const std::string& title, const std::string& now) {
    GtkWidget* entry = gtk_entry_new();
    gtk_editable_set_text(GTK_EDITABLE(entry), now.c_str());
    gtk_entry_set_activates_default(GTK_ENTRY(entry), true);
    set_accessible_name(entry, "New nickname");
    g_object_ref(entry);
    AdwMessageDialog* dialog = message_dialog(
        window_, "Rename " + title,
        "The nickname is kept on the eSIM. Leave it empty to remove it.",
        [this, path, entry](const std::string& response) {
          const std::string nickname = gtk_editable_get_text(GTK_EDITABLE(entry));
          g_object_unref(entry);
          if (response != "rename") return;
          client_.call(path, dbus::kProfileInterface, "SetNickname",
                       Glib::VariantContainerBase(g_variant_new("(s)", nickname.c_str())),
                       [this](const CallResult& r) {
                         if (!r.ok())
                           show_error(window_, "rename the profile", r.error_name, r.error_message);
                       });
        });
    present_with_entry(dialog, entry, "rename", "Rename");
    gtk_editable_select_region(GTK_EDITABLE(entry), 0, -1);  // typing replaces it
  }

  void confirm_delete(const std::string& path, const std::string& title,
                      const std::string& provider, const std::string& iccid, bool enabled) {
    if (enabled) {
      show_error(window_, "delete " + title, "org.euiccd1.Error.WrongState",
                 "This is the enabled profile: disable it (or enable another) first.");
      return;
    }
    const std::string body =
        "“" + title + "”" + (provider.empty() ? "" : " of " + provider) + " (ICCID " + iccid +
        ") is erased from the eSIM for good. Its phone number and plan can be used on this "
        "device again only with a new activation code from the operator, and any prepaid credit "
        "on it may be lost.";
    AdwMessageDialog* dialog = message_dialog(
        window_, "Delete " + title + "?", body, [this, path, title](const std::string& response) {
          if (response != "delete") return;
          client_.call(
              path, dbus::kProfileInterface, "Delete", {},
              [this, title](const CallResult& r) {
                if (r.ok())
                  toast("Deleted " + title);
                else
                  show_error(window_, "delete " + title, r.error_name, r.error_message);
              },
              kSwitchTimeoutMs);
        });
    adw_message_dialog_add_responses(dialog, "cancel", "Keep it", "delete", "Delete", nullptr);
    adw_message_dialog_set_response_appearance(dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_close_response(dialog, "cancel");
    gtk_window_present(GTK_WINDOW(dialog));
  }

  void ask_voucher(const std::string& path) {
    GtkWidget* entry = gtk_entry_new();
    gtk_entry_set_activates_default(GTK_ENTRY(entry), true);
    gtk_entry_set_input_purpose(GTK_ENTRY(entry), GTK_INPUT_PURPOSE_DIGITS);
    set_accessible_name(entry, "Voucher code");
    g_object_ref(entry);
    AdwMessageDialog* dialog =
        message_dialog(window_, "Top up",
                       "Type the code of the prepaid voucher. It is sent to the network "
                       "and kept nowhere.",
                       [this, path, entry](const std::string& response) {
                         const std::string voucher = gtk_editable_get_text(GTK_EDITABLE(entry));
                         g_object_unref(entry);
                         if (response != "topup") return;
                         toast("Sending the voucher to the network…");
                         client_.call(
                             path, dbus::kProfileInterface, "TopUp",
                             Glib::VariantContainerBase(g_variant_new("(s)", voucher.c_str())),
                             [this](const CallResult& r) {
                               if (!r.ok()) {
                                 show_error(window_, "top up", r.error_name, r.error_message);
                                 return;
                               }
                               std::string reply;
                               GVariant* out = const_cast<GVariant*>(r.reply.gobj());
                               if (out && g_variant_is_of_type(out, G_VARIANT_TYPE("(s)"))) {
                                 const gchar* text = nullptr;
                                 g_variant_get(out, "(&s)", &text);
                                 reply = text;
                               }
                               AdwMessageDialog* done = message_dialog(
                                   window_, "Top-up sent", "The network answered: " + reply);
                               adw_message_dialog_add_response(done, "close", "Close");
                               gtk_window_present(GTK_WINDOW(done));
                             },
                             kNetworkTimeoutMs);
                       });
    present_with_entry(dialog, entry, "topup", "Top Up");
  }

  void open_add(const std::string& code) {
    if (selected_.empty()) {
      toast("No eSIM to add a profile to");
      return;
    }
    add_profile(window_, client_, selected_, code,
                [this](const std::string& text) { toast(text); });
  }

  void open_image(const std::string& path) {
    activation_code_from_image(
        path, [this](const std::string& code) { open_add(code); },
        [this](const std::string& why) {
          AdwMessageDialog* d = message_dialog(window_, "Not an eSIM QR code", why);
          adw_message_dialog_add_response(d, "close", "Close");
          gtk_window_present(GTK_WINDOW(d));
        });
  }

  void on_profile_signal(const std::string& path, const std::string& signal,
                         const Glib::VariantContainerBase& args) {
    const ObjectProperties* p = client_.object(path);
    const std::string name = p ? profile_title(*p) : path;
    GVariant* a = const_cast<GVariant*>(args.gobj());
    if (signal == "BalanceLow" && g_variant_is_of_type(a, G_VARIANT_TYPE("(s)"))) {
      balance_low_.insert(path);
      toast("Balance of " + name + " is low");
      refresh();
    } else if (signal == "PlanExpiring" && g_variant_is_of_type(a, G_VARIANT_TYPE("(t)"))) {
      guint64 at = 0;
      g_variant_get(a, "(t)", &at);
      toast("The plan of " + name + " runs out on " + local_time(at));
    }
  }

  void toast(const std::string& text) {
    adw_toast_overlay_add_toast(toasts_, adw_toast_new(text.c_str()));
  }

  DaemonClient& client_;
  GtkWindow* window_ = nullptr;
  AdwToastOverlay* toasts_ = nullptr;
  AdwLeaflet* leaflet_ = nullptr;
  AdwHeaderBar* sidebar_header_ = nullptr;
  AdwHeaderBar* content_header_ = nullptr;
  AdwWindowTitle* title_ = nullptr;
  Gtk::ListBox* euicc_list_ = nullptr;
  Gtk::ScrolledWindow* scroller_ = nullptr;
  std::vector<std::string> euicc_paths_;
  std::string selected_;
  // What each part shows (see refresh()), and where it sits.
  std::string shown_sidebar_, shown_page_, shown_euicc_, shown_profiles_, shown_balance_;
  Gtk::Box* euicc_slot_ = nullptr;
  Gtk::Box* profiles_slot_ = nullptr;
  Gtk::Box* balance_slot_ = nullptr;
  std::set<std::string> balance_low_;  // profiles whose BalanceLow came in this session
};

}  // namespace

void show_main_window(GtkApplication* app, DaemonClient& client) {
  // Owned by the application's window list; the object lives as long as the process.
  static MainWindow* window = nullptr;
  if (!window) window = new MainWindow(app, client);
}

}  // namespace euiccd::gui
