// Adding a profile: the activation code (typed, pasted, or read from a QR image opened or
// dropped on the window), the confirmation code when the operator gave one, then the download
// Job followed to its end: progress, the profile preview to accept or refuse (Job.Confirm),
// cancel.
#pragma once

#include <functional>
#include <string>

typedef struct _GtkWindow GtkWindow;

namespace euiccd::gui {

class DaemonClient;

// Opens the "Add a profile" dialog for the eUICC at `euicc_path`, with `activation_code`
// filled in (e.g. from a dropped QR image). `toast` shows a short message in the window.
void add_profile(GtkWindow* parent, DaemonClient& client, const std::string& euicc_path,
                 const std::string& activation_code, std::function<void(const std::string&)> toast);

// Reads the activation code from a QR image file (PNG, JPEG); on failure calls `failed` with a
// sentence for the person. Runs the decoder off the main loop.
void activation_code_from_image(const std::string& path,
                                std::function<void(const std::string& code)> done,
                                std::function<void(const std::string& why)> failed);

}  // namespace euiccd::gui
