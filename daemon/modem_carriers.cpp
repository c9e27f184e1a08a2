#include "daemon/modem_carriers.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <string>

#include "base/error.h"
#include "modem/at/at_channel_link.h"

#ifndef EUICCD_MODEM_MODULE_RELPATH
#define EUICCD_MODEM_MODULE_RELPATH "../lib/euiccd/modem-glib.so"
#endif
#ifndef EUICCD_MODEM_MODULE_INSTALLED
#define EUICCD_MODEM_MODULE_INSTALLED "/usr/lib/euiccd/modem-glib.so"
#endif

namespace euiccd::daemon {
namespace {

std::unique_ptr<modem::ModemLink> make_at_link(const ModemSetup& setup) {
  // +CCHO/+CGLA carry no slot: the modem uses the SIM it has selected itself.
  if (setup.endpoint.slot != 1)
    throw Error(Errc::NotSupported, "the AT modem at " + setup.endpoint.device + " has no slot " +
                                        std::to_string(setup.endpoint.slot) +
                                        " as euiccd drives it (AT commands reach slot 1 only)");
  modem::at::AtLinkOptions options;
  options.port = setup.endpoint.device;
  if (setup.timeout) options.command_timeout = *setup.timeout;
  return std::make_unique<modem::at::AtChannelLink>(std::move(options));
}

#if defined(EUICCD_HAVE_MODEM_QMI) || defined(EUICCD_HAVE_MODEM_MBIM)
// QMI and MBIM links live in a module (daemon/modem_glib_module.cpp) loaded on the first such
// connect, next to the daemon's executable as installed (and in the build tree alike).
using MakeLink = modem::ModemLink* (*)(const ModemSetup&);

std::string module_path() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return EUICCD_MODEM_MODULE_INSTALLED;
  return (self.parent_path() / EUICCD_MODEM_MODULE_RELPATH).lexically_normal().string();
}

MakeLink load_glib_module() {
  static std::mutex mutex;
  static MakeLink make = nullptr;
  std::lock_guard lock(mutex);
  if (make) return make;
  const std::string path = module_path();
  // Kept loaded for the daemon's life: GLib cannot be unloaded.
  void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!module) {
    throw Error(Errc::NotSupported, "euiccd's QMI/MBIM module " + path + " cannot be loaded (" +
                                        dlerror() +
                                        "); reinstall euiccd, or use the modem's AT port");
  }
  make = reinterpret_cast<MakeLink>(dlsym(module, "euiccd_modem_glib_make_link"));
  if (!make) throw Error(Errc::Internal, path + " has no euiccd_modem_glib_make_link");
  return make;
}

std::unique_ptr<modem::ModemLink> make_glib_link(const ModemSetup& setup) {
  return std::unique_ptr<modem::ModemLink>(load_glib_module()(setup));
}
#endif

}  // namespace

std::vector<ModemCarrier> built_in_modem_carriers() {
  std::vector<ModemCarrier> carriers;
  carriers.push_back(
      {ModemTransport::At, make_at_link, modem::at::AtChannelLink::kSegmentSize, false});
#ifdef EUICCD_HAVE_MODEM_QMI
  carriers.push_back({ModemTransport::Qmi, make_glib_link, 255, true});
#endif
#ifdef EUICCD_HAVE_MODEM_MBIM
  carriers.push_back({ModemTransport::Mbim, make_glib_link, 255, true});
#endif
  return carriers;
}

}  // namespace euiccd::daemon
