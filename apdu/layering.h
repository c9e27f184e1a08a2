// Included by every apdu/ header (through its leaves: card.h, command.h, status_words.h,
// transport_stats.h). The D-Bus objects reach cards only through daemon::Euicc's typed
// operations; dbus/CMakeLists.txt defines EUICCD_NO_CARD_HEADERS, so an apdu/ (or PC/SC) header
// that reaches a dbus/ file, even through a daemon/ header, stops the build here.
#pragma once

#ifdef EUICCD_NO_CARD_HEADERS
#error \
    "an apdu/ header reached a dbus/ file: D-Bus objects call daemon::Euicc (daemon/euicc.h); keep card types in the daemon core"
#endif
