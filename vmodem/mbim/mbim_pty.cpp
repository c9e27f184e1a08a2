#include "vmodem/mbim/mbim_pty.h"

#include "modem/mbim/message.h"
#include "vmodem/pty/message_pty.h"

namespace euiccd::vmodem::mbim {

int run_mbim_pty(MbimModem& modem, const MbimPtyOptions& options, const std::atomic<bool>& stop) {
  const MessageModem protocol{[](ByteView b) { return euiccd::modem::mbim::message_size(b); },
                              [&modem](ByteView m) { return modem.handle(m); },
                              [&modem] { modem.reset(); }};
  return run_message_pty(protocol, {options.link_path, options.verbose, "MBIM"}, stop);
}

}  // namespace euiccd::vmodem::mbim
