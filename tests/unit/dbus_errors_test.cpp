// The one mapping from euiccd::Errc to org.euiccd1.Error.<Name>: every code has a distinct,
// valid D-Bus error name, and the message a person reads is the error's own text.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "dbus/errors.h"

namespace euiccd::dbus {
namespace {

constexpr Errc kAll[] = {
    Errc::InvalidArgument, Errc::Malformed,    Errc::NoReader, Errc::CardRemoved,
    Errc::CardError,       Errc::NotSupported, Errc::Timeout,  Errc::NotFound,
    Errc::WrongState,      Errc::NotAllowed,   Errc::Busy,     Errc::NoMemory,
    Errc::ServerError,     Errc::Network,      Errc::Tls,      Errc::Cancelled,
    Errc::Internal,        Errc::NoModem,      Errc::Rejected};

// D-Bus error names follow the interface name rules: dot-separated elements of
// [A-Za-z0-9_] that do not start with a digit, at least two.
const std::regex kErrorName("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");

TEST(DbusErrors, EveryCodeHasItsOwnValidName) {
  std::set<std::string> names;
  for (Errc code : kAll) {
    const std::string name = error_name(code);
    EXPECT_EQ(name, std::string("org.euiccd1.Error.") + errc_name(code));
    EXPECT_TRUE(std::regex_match(name, kErrorName)) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAll));
  EXPECT_EQ(names.count(not_authorized("x").name), 0U);
  EXPECT_EQ(names.count(aborted("x").name), 0U);
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
