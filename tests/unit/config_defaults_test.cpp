// Each default of euiccd.conf is written once, in the section structs (daemon/config.h,
// daemon/engine_settings.h); docs/configuration.md and the shipped systemd/euiccd.conf state
// it again for people. These tests hold the two copies to the code's: writing a documented
// default explicitly must load the same configuration as leaving the key out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/config.h"

using namespace euiccd::daemon;
using ::testing::IsEmpty;

namespace {

std::string read_source(const std::string& path) {
  std::ifstream in(std::string(EUICCD_SOURCE_DIR) + "/" + path);
  EXPECT_TRUE(in) << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

LoadedConfig load_text(const std::string& text) {
  LoadedConfig loaded;
  load_config_text(text, "test.conf", loaded);
  return loaded;
}

// The lines that open a section of the documentation's kind (a title like "Modem:NAME") and
// make it complete; `operator_key`: a [TopUp] row that is not "([TopUp] only)".
std::string section_header(const std::string& title, bool operator_key) {
  if (title == "TopUp") return operator_key ? "[TopUp:26201]\n" : "[TopUp]\n";
  if (title == "Profile:ICCID") return "[Profile:8944476500001224158]\n";
  if (title == "ModemOverride:MATCH") return "[ModemOverride:/sys/devices/usb1/1-1]\n";
  if (title == "Modem:NAME") return "[Modem:wwan]\nTransport=at\nDevice=/dev/ttyUSB2\n";
  return "[" + title + "]\n";
}

struct DocumentedDefault {
  std::string section;  // the header lines
  std::string key;
  std::string value;
};

// Rows "| `Key=` | `value` | meaning |" of each "## [Section]" table; rows whose default is
// not one value in backquotes ("(none)", "carrier's") say what happens without one.
std::vector<DocumentedDefault> documented_defaults(const std::string& markdown) {
  static const std::regex kSection(R"(^## \[([^\]]+)\])");
  static const std::regex kKey("`([A-Za-z]+)=`");
  static const std::regex kValue(R"(^\s*`([^`]+)`\s*$)");
  std::vector<DocumentedDefault> found;
  std::string title;
  std::istringstream in(markdown);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.starts_with("## ")) {
      title = std::regex_search(line, m, kSection) ? m[1].str() : "";
      continue;
    }
    if (title.empty() || !line.starts_with("| `")) continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(cell);
    if (cells.size() < 3 || !std::regex_match(cells[1], m, kValue)) continue;
    const std::string value = m[1].str();
    const bool operator_key = cells[0].find("([TopUp] only)") == std::string::npos;
    for (std::sregex_iterator key(cells[0].begin(), cells[0].end(), kKey), end; key != end; ++key)
      found.push_back({section_header(title, operator_key), (*key)[1].str(), value});
  }
  return found;
}

// Defaults the configuration leaves unset because another layer supplies them: the operator
// codes fall back to [TopUp:MCCMNC] and the provider database (topup/), whose own defaults
// these are.
const std::set<std::string> kFallbackDefaults = {"TopUpReplacement", "VoucherCharset"};

TEST(ConfigDefaults, TheDocumentedDefaultsAreTheCodes) {
  const std::vector<DocumentedDefault> defaults =
      documented_defaults(read_source("docs/configuration.md"));
  std::set<std::string> checked;
  for (const auto& d : defaults) {
    if (kFallbackDefaults.count(d.key)) continue;
    SCOPED_TRACE(d.section + d.key + "=" + d.value);
    const LoadedConfig without = load_text(d.section);
    const LoadedConfig with = load_text(d.section + d.key + "=" + d.value + "\n");
    ASSERT_THAT(with.diagnostics, IsEmpty()) << with.diagnostics[0].to_string();
    EXPECT_TRUE(with.config == without.config) << "docs/configuration.md says " << d.key << "="
                                               << d.value << " is the default; the code differs";
    checked.insert(d.key);
  }
  // The engine's settings among them (a table the parser above stopped reading would pass).
  for (const char* key :
       {"SegmentSize", "ConnectTimeoutSec", "TimeoutSec", "AutoProcess", "RetryIntervalSec", "TAC",
        "RegistrationTimeoutSec", "Fallback", "UssdTimeoutSec", "SmsReplyTimeoutSec",
        "PlanExpiryReminderDays", "Slot", "Enabled", "HoldOffSec", "MaxSwitchesPerHour"})
    EXPECT_EQ(checked.count(key), 1u) << key << " is not among the documented defaults";
}

// The shipped euiccd.conf shows every setting of the daemon's own sections with its default,
// commented out: uncommented, they load as no file at all. (Its commented-out [TopUp:],
// [Profile:] and [Modem:] sections are examples, not defaults.)
TEST(ConfigDefaults, TheShippedExampleShowsTheDefaults) {
  std::istringstream in(read_source("systemd/euiccd.conf"));
  std::string text;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#[")) break;
    const bool setting = line.size() > 1 && line[0] == '#' && std::isupper(line[1]) &&
                         line.find('=') != std::string::npos;
    text += (setting ? line.substr(1) : line) + "\n";
  }
  const LoadedConfig uncommented = load_text(text);
  ASSERT_THAT(uncommented.diagnostics, IsEmpty()) << uncommented.diagnostics[0].to_string();
  EXPECT_TRUE(uncommented.config == Config{}) << text;
}

}  // namespace
