// The one mapping from euiccd::Errc to org.euiccd1.Error.<Name>: every code has a distinct,
// valid D-Bus error name, and the message a person reads is the error's own text.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "dbus/errors.h"

namespace euiccd::dbus {
namespace {


// D-Bus error names follow the interface name rules: dot-separated elements of
// [A-Za-z0-9_] that do not start with a digit, at least two.
const std::regex kErrorName("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");

TEST(DbusErrors, EveryCodeHasItsOwnValidName) {
  std::set<std::string> names;
  for (Errc code : kAllErrc) {
    const std::string name = error_name(code);
    EXPECT_EQ(name, std::string("org.euiccd1.Error.") + errc_name(code));
    EXPECT_TRUE(std::regex_match(name, kErrorName)) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAllErrc));
  EXPECT_EQ(names.count(not_authorized("x").name), 1U);
  EXPECT_EQ(names.count(aborted("x").name), 1U);
}

// The errors table of docs/dbus-api.md explains exactly the names of the error table: a code
// added to base/error.h without a line for callers, or a line left for a code that went, fails.
TEST(DbusErrors, TheApiDocumentListsExactlyTheTable) {
  std::ifstream file(EUICCD_SOURCE_DIR "/docs/dbus-api.md");
  ASSERT_TRUE(file) << "docs/dbus-api.md";
  std::string line;
  bool in_errors = false;
  std::set<std::string> documented;
  const std::regex row("^\\| `([A-Za-z]+)` \\|.*");
  while (std::getline(file, line)) {
    if (line.starts_with("## ")) in_errors = line == "## Errors";
    std::smatch m;
    if (in_errors && std::regex_match(line, m, row)) documented.insert(m[1]);
  }
  std::set<std::string> table;
  for (Errc code : kAllErrc) table.insert(errc_name(code));
  EXPECT_EQ(documented, table);
}

TEST(DbusErrors, EveryNameMapsToTheTablesErrno) {
  register_error_map();
  for (Errc code : kAllErrc) {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    EXPECT_EQ(sd_bus_error_set(&e, error_name(code).c_str(), "x"), -errc_errno(code))
        << errc_name(code);
    sd_bus_error_free(&e);
  }
}

TEST(DbusErrors, MessageIsTheErrorText) {
  const BusError e = to_bus_error(Error(Errc::Busy, "the eUICC is busy with job 3"));
  EXPECT_EQ(e.name, "org.euiccd1.Error.Busy");
  EXPECT_EQ(e.message, "the eUICC is busy with job 3");
  EXPECT_EQ(not_authorized("no").name, "org.euiccd1.Error.NotAuthorized");
  EXPECT_EQ(aborted("gone").name, "org.euiccd1.Error.Aborted");
}

TEST(DbusErrors, ClientsBuiltOnSdBusGetErrnoValues) {
  register_error_map();
  sd_bus_error e = SD_BUS_ERROR_NULL;
  EXPECT_EQ(sd_bus_error_set(&e, "org.euiccd1.Error.Busy", "x"), -EBUSY);
  sd_bus_error_free(&e);
  EXPECT_EQ(sd_bus_error_set(&e, "org.euiccd1.Error.NotAuthorized", "x"), -EACCES);
  sd_bus_error_free(&e);
  EXPECT_EQ(sd_bus_error_set(&e, "org.euiccd1.Error.CardRemoved", "x"), -ENOMEDIUM);
  sd_bus_error_free(&e);
}

}  // namespace
}  // namespace euiccd::dbus
