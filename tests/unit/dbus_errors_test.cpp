// The one mapping from euiccd::Errc to org.euiccd1.Error.<Name>: every code has a distinct,
// valid D-Bus error name, and the message a person reads is the error's own text. Also the
// sd-bus glue under it: the owning handles (sdbus/sdbus.h) and the subscriber lists
// (daemon/subscribers.h).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "daemon/subscribers.h"
#include "dbus/errors.h"
#include "sdbus/sdbus.h"
#if EUICCD_HAVE_GUI_TEXT
#include "gui/error_text.h"
#endif

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

#if EUICCD_HAVE_GUI_TEXT
// euiccd-gui shows each error name the daemon sends as its own sentence, found by that exact
// name (the GUI reads D-Bus names, so a name spelled differently here would fall through to
// the "cannot reach euiccd" sentence); a name that is not euiccd's gets that sentence.
TEST(DbusErrors, TheDesktopClientHasASentenceForEveryName) {
  const std::string unreachable = gui::error_sentence("org.freedesktop.DBus.Error.ServiceUnknown");
  std::set<std::string> sentences;
  for (Errc code : kAllErrc) {
    const std::string sentence = gui::error_sentence(error_name(code));
    EXPECT_EQ(sentence, gui::error_sentence(code)) << error_name(code);
    EXPECT_NE(sentence, unreachable) << error_name(code);
    EXPECT_GE(sentence.size(), 20U) << error_name(code);
    sentences.insert(sentence);
  }
  EXPECT_EQ(sentences.size(), std::size(kAllErrc));  // each says something of its own
  EXPECT_EQ(gui::error_sentence("org.euiccd1.Error.NoSuchName"), unreachable);
  EXPECT_EQ(gui::error_text("org.euiccd1.Error.NoMemory", "needs 90 kB"),
            std::string(gui::error_sentence(Errc::NoMemory)) + "\n\nDetails: needs 90 kB");
}
#endif

TEST(DbusErrors, EveryNameMapsToTheTablesErrno) {
  register_error_map();
  for (Errc code : kAllErrc) {
    sdbus::Error e;
    EXPECT_EQ(sd_bus_error_set(e, error_name(code).c_str(), "x"), -errc_errno(code))
        << errc_name(code);
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
  EXPECT_EQ(sd_bus_error_set(sdbus::Error(), "org.euiccd1.Error.Busy", "x"), -EBUSY);
  EXPECT_EQ(sd_bus_error_set(sdbus::Error(), "org.euiccd1.Error.NotAuthorized", "x"), -EACCES);
  EXPECT_EQ(sd_bus_error_set(sdbus::Error(), "org.euiccd1.Error.CardRemoved", "x"), -ENOMEDIUM);
}

// ---- sdbus handles ------------------------------------------------------------------------

int count_call(sd_event_source*, void* userdata) {
  ++*static_cast<int*>(userdata);
  return 0;
}

TEST(SdbusHandles, AnEventSourceLetGoNeverFires) {
  sdbus::Event event;
  ASSERT_GE(sd_event_new(event.put()), 0);
  int kept_calls = 0, dropped_calls = 0;
  sdbus::EventSource kept, dropped;
  ASSERT_GE(sd_event_add_defer(event, kept.put(), count_call, &kept_calls), 0);
  ASSERT_GE(sd_event_add_defer(event, dropped.put(), count_call, &dropped_calls), 0);
  dropped.reset();
  EXPECT_EQ(dropped.get(), nullptr);
  while (sd_event_run(event, 0) > 0) {
  }
  EXPECT_GE(kept_calls, 1);
  EXPECT_EQ(dropped_calls, 0);
}

TEST(SdbusHandles, MovesHandOverTheOneReference) {
  sdbus::Event event;
  ASSERT_GE(sd_event_new(event.put()), 0);
  sd_event* raw = event;
  sdbus::Event moved = std::move(event);
  EXPECT_EQ(event.get(), nullptr);
  EXPECT_EQ(moved.get(), raw);
  // A second reference keeps the loop alive after the first is gone.
  sdbus::Event shared = sdbus::Event::ref(moved);
  moved = sdbus::Event();
  EXPECT_EQ(shared.get(), raw);
  EXPECT_EQ(sd_event_run(shared, 0), 0);
  EXPECT_EQ(sdbus::Event::ref(nullptr).get(), nullptr);
}

TEST(SdbusHandles, AnErrorKeepsNameAndMessageUntilItGoes) {
  sdbus::Error error;
  EXPECT_FALSE(error.is_set());
  EXPECT_EQ(error.name(), "");
  sd_bus_error_set(error, "org.euiccd1.Error.Busy", "busy with job 3");
  EXPECT_TRUE(error.is_set());
  EXPECT_EQ(error.name(), "org.euiccd1.Error.Busy");
  EXPECT_EQ(error.message(), "busy with job 3");
}

TEST(SdbusHandles, OpenAddressFailsCleanlyWithNobodyThere) {
  sdbus::Bus bus;
  EXPECT_LT(sdbus::open_address(bus, "unix:path=/nonexistent/euiccd-test-bus"), 0);
  EXPECT_EQ(bus.get(), nullptr);
}

// ---- subscriber lists ----------------------------------------------------------------------

using Events = daemon::Subscribers<int>;

TEST(Subscribers, EverySubscriberInOrderUntilItsTokenGoes) {
  Events events;
  std::vector<std::string> seen;
  Events::Token first = events.subscribe([&](int n) { seen.push_back("a" + std::to_string(n)); });
  {
    Events::Token second =
        events.subscribe([&](int n) { seen.push_back("b" + std::to_string(n)); });
    events.notify(1);
  }
  events.notify(2);
  first.reset();
  events.notify(3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a1", "b1", "a2"}));
  EXPECT_TRUE(events.empty());
}

TEST(Subscribers, ACallbackMayUnsubscribeAnotherDuringNotify) {
  Events events;
  int later_calls = 0;
  Events::Token later;
  Events::Token first = events.subscribe([&](int) { later.reset(); });
  later = events.subscribe([&](int) { ++later_calls; });
  Events::Token added_meanwhile;
  Events::Token adder = events.subscribe(
      [&](int) { added_meanwhile = events.subscribe([&](int) { ++later_calls; }); });
  events.notify(1);
  EXPECT_EQ(later_calls, 0) << "unsubscribed before its turn; the new one waits";
  EXPECT_EQ(events.size(), 3u);
}

TEST(Subscribers, ATokenMayOutliveItsList) {
  Events::Token token;
  {
    Events events;
    token = events.subscribe([](int) {});
    EXPECT_TRUE(token.subscribed());
  }
  EXPECT_FALSE(token.subscribed());
  token.reset();  // nothing left to leave
}

}  // namespace
}  // namespace euiccd::dbus
