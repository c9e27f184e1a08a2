// Logging for the daemon: to the journal with structured fields when stderr is the journal's
// stream (systemd sets JOURNAL_STREAM), else one line per message on stderr.
//
// Never pass secrets here: activation codes carry the matching id, and confirmation codes are
// passwords. Callers log the SM-DP+ address, never the whole code.
#pragma once

#include <string>
#include <string_view>

namespace euiccd::daemon {

enum class Level { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// The journal fields a message may carry (empty ones are left out): EID=, ICCID=, OPERATION=,
// STAGE=.
struct LogFields {
  std::string eid{};
  std::string iccid{};
  std::string operation{};
  std::string stage{};
};

void log(Level level, const LogFields& fields, std::string_view message);

// Messages above this level are dropped (Info by default; --verbose / config raise it).
void set_max_log_level(Level level);

}  // namespace euiccd::daemon
