// The loadable module with the carriers that need GLib (QMI on libqmi-glib, MBIM on
// libmbim-glib): the daemon dlopens it the first time a QMI or MBIM modem is connected
// (daemon/modem_carriers.cpp), so a daemon serving only readers or AT modems never maps GLib,
// GIO or the modem libraries (linked in, they took the daemon to 10.2 MB RSS after
// daemon_memory_test's load against its 8 MB bound; docs/performance.md, "Memory").
#include <memory>

#include "base/error.h"
#include "daemon/modem_backend.h"
#include "modem/modem_link.h"
#ifdef EUICCD_HAVE_MODEM_QMI
#include "modem/qmi/qmi_channel_link.h"
#endif
#ifdef EUICCD_HAVE_MODEM_MBIM
#include "modem/mbim/mbim_channel_link.h"
#endif

namespace {

using euiccd::Errc;
using euiccd::Error;
using euiccd::daemon::ModemSetup;
using euiccd::daemon::ModemTransport;

std::unique_ptr<euiccd::modem::ModemLink> make_link(const ModemSetup& setup) {
  switch (setup.endpoint.transport) {
#ifdef EUICCD_HAVE_MODEM_QMI
    case ModemTransport::Qmi: {
      euiccd::modem::qmi::QmiLinkOptions options;
      options.device_path = setup.endpoint.device;
      options.slot = static_cast<uint8_t>(setup.endpoint.slot);
      options.use_proxy = true;  // shared with ModemManager
      if (setup.timeout) options.timeout = *setup.timeout;
      return std::make_unique<euiccd::modem::qmi::QmiChannelLink>(std::move(options));
    }
#endif
#ifdef EUICCD_HAVE_MODEM_MBIM
    case ModemTransport::Mbim: {
      euiccd::modem::mbim::MbimLinkOptions options;
      options.device_path = setup.endpoint.device;
      options.slot = setup.endpoint.slot;
      options.use_proxy = true;  // shared with ModemManager
      if (setup.timeout) options.timeout = *setup.timeout;
      return std::make_unique<euiccd::modem::mbim::MbimChannelLink>(std::move(options));
    }
#endif
    default:
      throw Error(
          Errc::NotSupported,
          "this euiccd's modem module was built without the carrier of " + setup.endpoint.device);
  }
}

}  // namespace

// The module's one entry point (daemon/modem_carriers.cpp looks it up by this name). The
// caller owns the link; errors come as euiccd::Error like any carrier's.
extern "C" __attribute__((visibility("default"))) euiccd::modem::ModemLink*
euiccd_modem_glib_make_link(const ModemSetup& setup) {
  return make_link(setup).release();
}
