// What euiccd remembers about each prepaid profile across restarts: the last balance reply,
// when it came, the amount read from it, the plan's expiry date and the last reminder of it.
// One JSON file in the state directory (/var/lib/euiccd/prepaid.json), keyed by ICCID, replaced
// atomically on every change. Loop thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "topup/balance_amount.h"

namespace euiccd::daemon {

struct PrepaidRecord {
  std::string balance;              // the network's last balance reply, unchanged
  uint64_t balance_checked_at = 0;  // µs since the epoch; 0 = never checked
  // The amount read from `balance` (best effort; topup/balance_amount.h); kept so that the
  // low-balance crossing is judged against the previous check, also after a restart.
  std::optional<topup::BalanceAmount> amount;
  uint64_t plan_expires_at = 0;   // µs since the epoch; 0 = not set
  uint64_t plan_reminded_at = 0;  // µs; when PlanExpiring last fired for this expiry; 0 = never

  bool operator==(const PrepaidRecord&) const = default;
};

class PrepaidStore {
 public:
  // `file` empty: nothing is read or written (kept in memory only).
  explicit PrepaidStore(std::filesystem::path file = {});

  // Reads the file. A missing file is an empty store; an unreadable or broken one is moved
  // aside to <file>.broken and the store starts empty. Returns a warning for the log, if any.
  std::optional<std::string> load();

  // Writes the whole store: a temporary file beside it, fsync, rename (so a crash leaves the
  // old or the new file, never half of one). Makes a missing directory (mode 0700) first.
  // Throws Error(Internal) naming the file.
  void save() const;

  const PrepaidRecord* find(std::string_view iccid) const;
  PrepaidRecord& at(const std::string& iccid);  // created empty when missing
  const std::map<std::string, PrepaidRecord, std::less<>>& records() const { return records_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::map<std::string, PrepaidRecord, std::less<>> records_;
};

}  // namespace euiccd::daemon
