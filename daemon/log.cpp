#include "daemon/log.h"

#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace euiccd::daemon {

namespace {

std::atomic<int> g_max_level{static_cast<int>(Level::Info)};

// systemd sets JOURNAL_STREAM=<dev>:<inode> of the stream it connected stderr to; when stderr
// still is that stream, structured fields go straight to the journal.
bool stderr_is_journal() {
  static const bool is_journal = [] {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (fstat(2, &st) != 0) return false;
    return st.st_dev == dev && st.st_ino == ino;
  }();
  return is_journal;
}

const char* level_word(Level level) {
  switch (level) {
    case Level::Error: return "error";
    case Level::Warning: return "warning";
    case Level::Notice: return "notice";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
  }
  return "info";
}

}  // namespace

void set_max_log_level(Level level) {
  g_max_level = static_cast<int>(level);
}

void log(Level level, const LogFields& fields, std::string_view message) {
  if (static_cast<int>(level) > g_max_level.load()) return;
  if (stderr_is_journal()) {
    std::vector<std::string> items{"MESSAGE=" + std::string(message),
                                   "PRIORITY=" + std::to_string(static_cast<int>(level)),
                                   "SYSLOG_IDENTIFIER=euiccd"};
    if (!fields.eid.empty()) items.push_back("EID=" + fields.eid);
    if (!fields.iccid.empty()) items.push_back("ICCID=" + fields.iccid);
    if (!fields.operation.empty()) items.push_back("OPERATION=" + fields.operation);
    if (!fields.stage.empty()) items.push_back("STAGE=" + fields.stage);
    std::vector<iovec> iov;
    for (auto& item : items) iov.push_back({item.data(), item.size()});
    if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0) return;
  }
  std::string line = "euiccd[" + std::string(level_word(level)) + "]: " + std::string(message);
  std::string context;
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    context += context.empty() ? " (" : ", ";
    context += std::string(name) + "=" + value;
  };
  add("eid", fields.eid);
  add("iccid", fields.iccid);
  add("operation", fields.operation);
  add("stage", fields.stage);
  if (!context.empty()) line += context + ")";
  line += "\n";
  static std::mutex mutex;  // whole lines, even from several workers
  std::lock_guard lock(mutex);
  std::fputs(line.c_str(), stderr);
}

}  // namespace euiccd::daemon
