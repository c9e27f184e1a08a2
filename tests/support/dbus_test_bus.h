// A private D-Bus world for integration tests: a dbus-daemon with a session-like
// configuration on a unix socket in a TempDir, and python-dbusmock standing in for polkit on
// it (/usr/bin/python3 -m dbusmock --template polkitd: every action refused until SetAllowed
// or AllowUnknown). Header-only, so every integration test can include it.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/subprocess.h"

namespace euiccd::testing {

class PrivateBus {
 public:
  PrivateBus() {
    socket_ = dir_.file("bus");
    const std::string config = dir_.file("bus.conf");
    std::ofstream(config)
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig>\n"
           "  <type>session</type>\n"
           "  <listen>unix:path="
        << socket_
        << "</listen>\n"
           "  <auth>EXTERNAL</auth>\n"
           "  <policy context=\"default\">\n"
           "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
           "    <allow eavesdrop=\"true\"/>\n"
           "    <allow own=\"*\"/>\n"
           "  </policy>\n"
           "</busconfig>\n";
    daemon_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"/usr/bin/dbus-daemon", "--config-file=" + config, "--nofork",
                                 "--nopidfile"},
        dir_.file("dbus-daemon.log"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    struct stat st {};
    while (stat(socket_.c_str(), &st) != 0) {
      if (!daemon_->running() || std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("dbus-daemon did not start (see " + dir_.file("dbus-daemon.log") +
                                 ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::string address() const { return "unix:path=" + socket_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string socket_;
  std::unique_ptr<Subprocess> daemon_;
};

// polkit on the private bus. Control it with the mock's SetAllowed(as) / AllowUnknown(b) /
// SimulateHangActions(as) on /org/freedesktop/PolicyKit1/Authority, interface
// org.freedesktop.DBus.Mock (see dbus_test_client.h).
class PolkitMock {
 public:
  explicit PolkitMock(const PrivateBus& bus)
      : process_({"/usr/bin/env", "DBUS_SESSION_BUS_ADDRESS=" + bus.address(), "/usr/bin/python3",
                  "-m", "dbusmock", "--session", "--template", "polkitd"},
                 bus.dir().file("polkit-mock.log")) {}

 private:
  Subprocess process_;
};

}  // namespace euiccd::testing
