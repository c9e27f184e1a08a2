#include "gui/add_profile.h"

#include <adwaita.h>

#include <exception>
#include <thread>

#include "base/error.h"
#include "dbus/object_paths.h"
#include "gui/daemon_client.h"
#include "gui/dialogs.h"
#if EUICCD_GUI_HAVE_QR
#include "qr/qr_image.h"
#endif

namespace euiccd::gui {

namespace {

// Where QR images are decoded: qr/ (libeuiccd_qr) when the build has it.
std::string decode_activation_code(const std::string& path) {
#if EUICCD_GUI_HAVE_QR
  return euiccd::qr::activation_code_from_qr_image_file(path);
#else
  (void)path;
  throw Error(Errc::NotSupported,
              "This build of euiccd-gui cannot read QR images. Type or paste the activation "
              "code that is printed under the QR code instead.");
#endif
}

// Runs `fn` on the main loop (from any thread).
void on_main_loop(std::function<void()> fn) {
  g_idle_add_full(
      G_PRIORITY_DEFAULT,
      +[](gpointer data) -> gboolean {
        (*static_cast<std::function<void()>*>(data))();
        return G_SOURCE_REMOVE;
      },
      new std::function<void()>(std::move(fn)),
      +[](gpointer data) { delete static_cast<std::function<void()>*>(data); });
}

// The confirmation-code flag of an activation code: "LPA:1$host$id$oid$1".
bool asks_confirmation_code(const std::string& code) {
  size_t fields = 0, start = 0;
  for (size_t i = 0; i <= code.size(); ++i) {
    if (i == code.size() || code[i] == '$') {
      if (fields == 4) return code.substr(start, i - start) == "1";
      ++fields;
      start = i + 1;
    }
  }
  return false;
}

std::string metadata_string(GVariant* metadata, const char* key) {
  if (!metadata) return {};
  GVariant* v = g_variant_lookup_value(metadata, key, G_VARIANT_TYPE_STRING);
  if (!v) return {};
  std::string out = g_variant_get_string(v, nullptr);
  g_variant_unref(v);
  return out;
}

GtkWidget* label(const std::string& text, const char* css = nullptr) {
  GtkWidget* l = gtk_label_new(text.c_str());
  gtk_label_set_wrap(GTK_LABEL(l), true);
  gtk_label_set_xalign(GTK_LABEL(l), 0);
  gtk_label_set_selectable(GTK_LABEL(l), false);
  if (css) gtk_widget_add_css_class(l, css);
  return l;
}

// One download, from the first dialog to the job's end. Deletes itself when done.
class AddProfileFlow {
 public:
  AddProfileFlow(GtkWindow* parent, DaemonClient& client, std::string euicc,
                 std::function<void(const std::string&)> toast)
      : parent_(parent), client_(client), euicc_(std::move(euicc)), toast_(std::move(toast)) {}

  void ask(const std::string& code, const std::string& note) {
    GtkWidget* box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
    GtkWidget* code_entry = gtk_entry_new();
    gtk_entry_set_placeholder_text(GTK_ENTRY(code_entry), "LPA:1$…");
    gtk_editable_set_text(GTK_EDITABLE(code_entry), code.c_str());
    gtk_entry_set_activates_default(GTK_ENTRY(code_entry), true);
    set_accessible_name(code_entry, "Activation code");
    gtk_box_append(GTK_BOX(box), label("Activation code"));
    gtk_box_append(GTK_BOX(box), code_entry);

    GtkWidget* image = gtk_button_new_with_label("Open QR Image…");
    set_accessible_name(image, "Open QR image");
    gtk_box_append(GTK_BOX(box), image);

    GtkWidget* cc_label = label("Confirmation code (only if the operator gave you one)");
    GtkWidget* cc_entry = gtk_entry_new();
    gtk_entry_set_visibility(GTK_ENTRY(cc_entry), false);
    gtk_entry_set_input_purpose(GTK_ENTRY(cc_entry), GTK_INPUT_PURPOSE_PIN);
    set_accessible_name(cc_entry, "Confirmation code");
    gtk_box_append(GTK_BOX(box), cc_label);
    gtk_box_append(GTK_BOX(box), cc_entry);

    GtkWidget* nick_entry = gtk_entry_new();
    gtk_entry_set_placeholder_text(GTK_ENTRY(nick_entry), "Nickname (optional)");
    set_accessible_name(nick_entry, "Nickname");
    gtk_box_append(GTK_BOX(box), nick_entry);

    // The flag in the code says a confirmation code is needed: say so as it is typed.
    auto update = +[](GtkEditable* editable, gpointer cc) {
      const bool needed = asks_confirmation_code(gtk_editable_get_text(editable));
      gtk_label_set_text(GTK_LABEL(cc),
                         needed ? "Confirmation code (this activation code needs one)"
                                : "Confirmation code (only if the operator gave you one)");
    };
    g_signal_connect(code_entry, "changed", G_CALLBACK(update), cc_label);
    update(GTK_EDITABLE(code_entry), cc_label);

    for (GtkWidget* w : {code_entry, cc_entry, nick_entry}) g_object_ref(w);
    AdwMessageDialog* dialog = message_dialog(
        parent_, "Add a profile",
        note.empty() ? "Paste the activation code from the operator, open the QR code image, "
                       "or drop the image on the window."
                     : note,
        [this, code_entry, cc_entry, nick_entry](const std::string& response) {
          const std::string typed = gtk_editable_get_text(GTK_EDITABLE(code_entry));
          const std::string cc = gtk_editable_get_text(GTK_EDITABLE(cc_entry));
          const std::string nickname = gtk_editable_get_text(GTK_EDITABLE(nick_entry));
          for (GtkWidget* w : {code_entry, cc_entry, nick_entry}) g_object_unref(w);
          if (response == "download")
            start(typed, cc, nickname);
          else
            delete this;
        });
    on_clicked(image, [this, code_entry] { choose_image(code_entry); });
    adw_message_dialog_set_extra_child(dialog, box);
    adw_message_dialog_add_responses(dialog, "cancel", "Cancel", "download", "Download", nullptr);
    adw_message_dialog_set_response_appearance(dialog, "download", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(dialog, "download");
    gtk_window_present(GTK_WINDOW(dialog));
    gtk_widget_grab_focus(note.empty() ? code_entry : cc_entry);
  }

 private:
  void choose_image(GtkWidget* code_entry) {
    GtkFileChooserNative* chooser = gtk_file_chooser_native_new(
        "Open a QR Code Image", parent_, GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
    GtkFileFilter* filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, "QR code images (PNG, JPEG)");
    gtk_file_filter_add_mime_type(filter, "image/png");
    gtk_file_filter_add_mime_type(filter, "image/jpeg");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
    g_object_unref(filter);
    g_object_ref(code_entry);
    g_signal_connect(chooser, "response",
                     G_CALLBACK(+[](GtkNativeDialog* native, int response, gpointer entry) {
                       GFile* file = response == GTK_RESPONSE_ACCEPT
                                         ? gtk_file_chooser_get_file(GTK_FILE_CHOOSER(native))
                                         : nullptr;
                       gchar* path = file ? g_file_get_path(file) : nullptr;
                       if (path) {
                         auto* target = static_cast<GtkWidget*>(entry);
                         g_object_ref(target);
                         activation_code_from_image(
                             path,
                             [target](const std::string& code) {
                               gtk_editable_set_text(GTK_EDITABLE(target), code.c_str());
                               g_object_unref(target);
                             },
                             [target](const std::string& why) {
                               auto* d = message_dialog(GTK_WINDOW(gtk_widget_get_root(target)),
                                                        "Not an eSIM QR code", why);
                               adw_message_dialog_add_response(d, "close", "Close");
                               gtk_window_present(GTK_WINDOW(d));
                               g_object_unref(target);
                             });
                       }
                       g_free(path);
                       if (file) g_object_unref(file);
                       g_object_unref(entry);
                       g_object_unref(native);
                     }),
                     code_entry);
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), true);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
  }

  void start(const std::string& code, const std::string& confirmation_code,
             const std::string& nickname) {
    code_ = code;
    GVariantBuilder options;
    g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&options, "{sv}", "confirm_metadata", g_variant_new_boolean(true));
    if (!confirmation_code.empty())
      g_variant_builder_add(&options, "{sv}", "confirmation_code",
                            g_variant_new_string(confirmation_code.c_str()));
    if (!nickname.empty())
      g_variant_builder_add(&options, "{sv}", "nickname", g_variant_new_string(nickname.c_str()));
    client_.call(euicc_, dbus::kEuiccInterface, "DownloadProfile",
                 Glib::VariantContainerBase(g_variant_new("(sa{sv})", code.c_str(), &options)),
                 [this](const CallResult& r) {
                   if (!r.ok()) {
                     show_error(parent_, "start the download", r.error_name, r.error_message);
                     delete this;
                     return;
                   }
                   const gchar* job = nullptr;
                   g_variant_get(const_cast<GVariant*>(r.reply.gobj()), "(&o)", &job);
                   job_ = job;
                   show_progress();
                   watch_ = client_.signal_changed.connect([this] { follow(); });
                   follow();
                 });
  }

  void show_progress() {
    GtkWidget* box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
    stage_ = label("Starting…");
    set_accessible_name(stage_, "Download stage");
    bar_ = gtk_progress_bar_new();
    set_accessible_name(bar_, "Download progress");
    gtk_box_append(GTK_BOX(box), stage_);
    gtk_box_append(GTK_BOX(box), bar_);
    progress_ = message_dialog(parent_, "Downloading the profile",
                               "This takes a few seconds; keep the eSIM connected.",
                               [this](const std::string& response) {
                                 progress_ = nullptr;
                                 if (response == "cancel") cancel();
                               });
    adw_message_dialog_set_extra_child(progress_, box);
    adw_message_dialog_add_response(progress_, "cancel", "Cancel Download");
    adw_message_dialog_set_response_appearance(progress_, "cancel", ADW_RESPONSE_DESTRUCTIVE);
    gtk_window_present(GTK_WINDOW(progress_));
  }

  void close_progress() {
    if (!progress_) return;
    gtk_window_destroy(GTK_WINDOW(progress_));  // no response: this is not a cancel
    progress_ = nullptr;
  }

  void cancel() {
    client_.call(job_, dbus::kJobInterface, "Cancel", {}, [this](const CallResult& r) {
      if (!r.ok() && r.error_name != "org.euiccd1.Error.WrongState")
        show_error(parent_, "cancel the download", r.error_name, r.error_message);
    });
  }

  static const char* stage_words(const std::string& stage) {
    if (stage == "queued") return "Waiting for the eSIM…";
    if (stage == "authenticating") return "Contacting the operator's server…";
    if (stage == "waiting-for-confirmation") return "Waiting for your confirmation…";
    if (stage == "preparing") return "Preparing the eSIM…";
    if (stage == "downloading") return "Downloading the profile…";
    if (stage == "installing") return "Installing the profile on the eSIM…";
    if (stage == "notifying") return "Telling the operator…";
    if (stage == "done") return "Done";
    return "Working…";
  }

  void follow() {
    const ObjectProperties* job = client_.object(job_);
    if (!job) {
      if (!client_.daemon_present() || ended_) return;
      finish_gone();
      return;
    }
    const std::string state = job->str("State");
    if (progress_) {
      gtk_label_set_text(GTK_LABEL(stage_), stage_words(job->str("Stage")));
      gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(bar_), job->number("OverallProgress"));
    }
    if (state == "waiting" && !previewed_) {
      previewed_ = true;
      close_progress();
      preview(*job);
    } else if (state == "succeeded") {
      finish_succeeded(*job);
    } else if (state == "failed" || state == "cancelled") {
      finish_failed(state, job->str("ErrorName"), job->str("ErrorMessage"));
    }
  }

  void preview(const ObjectProperties& job) {
    auto it = job.values.find("Metadata");
    GVariant* metadata =
        it == job.values.end() ? nullptr : const_cast<GVariant*>(it->second.gobj());
    const std::string provider = metadata_string(metadata, "service_provider_name");
    const std::string name = metadata_string(metadata, "profile_name");
    const std::string iccid = metadata_string(metadata, "iccid");
    const std::string profile_class = metadata_string(metadata, "profile_class");

    GtkWidget* box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    if (GVariant* icon = metadata
                             ? g_variant_lookup_value(metadata, "icon", G_VARIANT_TYPE_BYTESTRING)
                             : nullptr) {
      GBytes* bytes = g_variant_get_data_as_bytes(icon);
      if (GdkTexture* texture = gdk_texture_new_from_bytes(bytes, nullptr)) {
        GtkWidget* image = gtk_image_new_from_paintable(GDK_PAINTABLE(texture));
        gtk_image_set_pixel_size(GTK_IMAGE(image), 64);
        set_accessible_name(image, "Operator icon");
        gtk_box_append(GTK_BOX(box), image);
        g_object_unref(texture);
      }
      g_bytes_unref(bytes);
      g_variant_unref(icon);
    }
    gtk_box_append(GTK_BOX(box), label("Operator: " + (provider.empty() ? "not named" : provider)));
    gtk_box_append(GTK_BOX(box), label("Profile: " + (name.empty() ? "not named" : name)));
    gtk_box_append(GTK_BOX(box), label("ICCID: " + iccid));
    if (!profile_class.empty()) gtk_box_append(GTK_BOX(box), label("Class: " + profile_class));
    if (GVariant* rules =
            metadata ? g_variant_lookup_value(metadata, "policy_rules", G_VARIANT_TYPE_STRING_ARRAY)
                     : nullptr) {
      GVariantIter iter;
      g_variant_iter_init(&iter, rules);
      const gchar* rule = nullptr;
      while (g_variant_iter_next(&iter, "&s", &rule)) {
        const std::string r = rule;
        const char* words = r == "ppr1"   ? "Once enabled, this profile cannot be disabled."
                            : r == "ppr2" ? "This profile cannot be deleted."
                            : r == "pprUpdateControl" ? "The operator may change these rules later."
                                                      : nullptr;
        if (words) gtk_box_append(GTK_BOX(box), label(words, "warning"));
      }
      g_variant_unref(rules);
    }
    AdwMessageDialog* dialog = message_dialog(
        parent_, "Install this profile?", "The operator's server offers this profile.",
        [this](const std::string& response) {
          preview_open_ = false;
          if (ended_) {  // the job ended meanwhile (timeout, card removed)
            delete this;
            return;
          }
          const bool accept = response == "install";
          client_.call(job_, dbus::kJobInterface, "Confirm",
                       Glib::VariantContainerBase(g_variant_new("(b)", accept)),
                       [this](const CallResult& r) {
                         if (!r.ok())
                           show_error(parent_, "answer the server", r.error_name, r.error_message);
                       });
          if (accept && !ended_) show_progress();
          follow();
        });
    adw_message_dialog_set_extra_child(dialog, box);
    adw_message_dialog_add_responses(dialog, "refuse", "Refuse", "install", "Install", nullptr);
    adw_message_dialog_set_response_appearance(dialog, "install", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_close_response(dialog, "refuse");
    preview_open_ = true;
    gtk_window_present(GTK_WINDOW(dialog));
  }

  void finish_succeeded(const ObjectProperties& job) {
    ended_ = true;
    close_progress();
    std::string name = job.str("Result");
    if (const ObjectProperties* p = client_.object(name)) {
      name = !p->str("Nickname").empty() ? p->str("Nickname") : p->str("ProfileName");
    }
    toast_("Installed " + name);
    done();
  }

  void finish_failed(const std::string& state, const std::string& error_name,
                     const std::string& error_message) {
    ended_ = true;
    close_progress();
    if (state == "cancelled" && error_name == "org.euiccd1.Error.Cancelled") {
      toast_(previewed_ ? "Download cancelled; nothing was installed" : "Download cancelled");
      done();
      return;
    }
    // The SM-DP+ wants a confirmation code that was not given (or was wrong): ask for it and
    // try again with the same activation code.
    if (error_name == "org.euiccd1.Error.InvalidArgument" &&
        error_message.find("onfirmation code") != std::string::npos) {
      auto* again = new AddProfileFlow(parent_, client_, euicc_, toast_);
      again->ask(code_,
                 "The operator asks for a confirmation code with this activation code. "
                 "Type the one they gave you.\n\n" +
                     error_message);
      done();
      return;
    }
    show_error(parent_, "download the profile", error_name, error_message);
    done();
  }

  void finish_gone() {
    ended_ = true;
    close_progress();
    toast_("The download ended without a result (the eSIM service restarted?)");
    done();
  }

  void done() {
    watch_.disconnect();
    if (preview_open_) return;  // its response deletes the flow
    // Not from inside the signal emission that called us.
    on_main_loop([this] { delete this; });
  }

  GtkWindow* parent_;
  DaemonClient& client_;
  std::string euicc_;
  std::function<void(const std::string&)> toast_;
  std::string code_;
  std::string job_;
  sigc::connection watch_;
  AdwMessageDialog* progress_ = nullptr;
  GtkWidget* stage_ = nullptr;
  GtkWidget* bar_ = nullptr;
  bool previewed_ = false;
  bool preview_open_ = false;
  bool ended_ = false;
};

}  // namespace

void add_profile(GtkWindow* parent, DaemonClient& client, const std::string& euicc_path,
                 const std::string& activation_code,
                 std::function<void(const std::string&)> toast) {
  (new AddProfileFlow(parent, client, euicc_path, std::move(toast)))->ask(activation_code, "");
}

void activation_code_from_image(const std::string& path,
                                std::function<void(const std::string& code)> done,
                                std::function<void(const std::string& why)> failed) {
  std::thread([path, done = std::move(done), failed = std::move(failed)] {
    try {
      std::string code = decode_activation_code(path);
      on_main_loop([done, code] { done(code); });
    } catch (const std::exception& e) {
      on_main_loop([failed, why = std::string(e.what())] { failed(why); });
    }
  }).detach();
}

}  // namespace euiccd::gui
