#include "daemon/modem_carriers.h"

#include "lpa/error.h"
#include "modem/at/at_channel_link.h"
#ifdef EUICCD_HAVE_MODEM_QMI
#include "modem/qmi/qmi_channel_link.h"
#endif
#ifdef EUICCD_HAVE_MODEM_MBIM
#include "modem/mbim/mbim_channel_link.h"
#endif

namespace euiccd::daemon {
namespace {

std::unique_ptr<apdu::ChannelLink> make_at_link(const ModemSetup& setup) {
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

#ifdef EUICCD_HAVE_MODEM_QMI
std::unique_ptr<apdu::ChannelLink> make_qmi_link(const ModemSetup& setup) {
  modem::qmi::QmiLinkOptions options;
  options.device_path = setup.endpoint.device;
  options.slot = static_cast<uint8_t>(setup.endpoint.slot);
  options.use_proxy = true;  // shared with ModemManager
  if (setup.timeout) options.timeout = *setup.timeout;
  return std::make_unique<modem::qmi::QmiChannelLink>(std::move(options));
}
#endif

#ifdef EUICCD_HAVE_MODEM_MBIM
std::unique_ptr<apdu::ChannelLink> make_mbim_link(const ModemSetup& setup) {
  modem::mbim::MbimLinkOptions options;
  options.device_path = setup.endpoint.device;
  options.slot = setup.endpoint.slot;
  options.use_proxy = true;  // shared with ModemManager
  if (setup.timeout) options.timeout = *setup.timeout;
  return std::make_unique<modem::mbim::MbimChannelLink>(std::move(options));
}
#endif

}  // namespace

std::vector<ModemCarrier> built_in_modem_carriers() {
  std::vector<ModemCarrier> carriers;
  carriers.push_back(
      {ModemTransport::At, make_at_link, modem::at::AtChannelLink::kSegmentSize, false});
#ifdef EUICCD_HAVE_MODEM_QMI
  carriers.push_back({ModemTransport::Qmi, make_qmi_link, 255, true});
#endif
#ifdef EUICCD_HAVE_MODEM_MBIM
  carriers.push_back({ModemTransport::Mbim, make_mbim_link, 255, true});
#endif
  return carriers;
}

}  // namespace euiccd::daemon
