#include "vmodem/qmi/qmi_pty.h"

#include "modem/qmi/qmux.h"
#include "vmodem/pty/message_pty.h"

namespace euiccd::vmodem::qmi {

int run_qmi_pty(QmiModem& modem, const QmiPtyOptions& options, const std::atomic<bool>& stop) {
  const MessageModem protocol{[](ByteView b) { return euiccd::modem::qmi::frame_size(b); },
                              [&modem](ByteView m) { return modem.handle(m); },
                              [&modem] { modem.reset(); }};
  return run_message_pty(protocol, {options.link_path, options.verbose, "QMI"}, stop);
}

}  // namespace euiccd::vmodem::qmi
