// A private D-Bus world for the balance/top-up tests: a dbus-daemon of our own on a socket in
// a temporary directory, and python-dbusmock standing in for ModemManager on it
// (tests/support/dbusmock_modemmanager.py, scripted per test through JSON parameters). Both
// are real processes; every wait has a deadline; both are stopped on destruction.
// Header-only so a unit test can use it without extra sources.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sdbus/sdbus.h"
#include "topup/mm_bus.h"

extern char** environ;

namespace euiccd::testing {

// A child started with posix_spawn; SIGTERM (then SIGKILL) and reaped on destruction.
class SpawnedProcess {
 public:
  SpawnedProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                 const std::string& output_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings = extra_env;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    std::vector<char*> env;
    for (auto& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const int r = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (r != 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  ~SpawnedProcess() { stop(); }
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  void stop() {
    if (!running()) return;
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether `name` is owned on the bus at `address` (throws topup::BusFailure when the bus
// does not answer).
inline bool bus_name_has_owner(const std::string& address, const std::string& name) {
  topup::Bus bus(address);
  sdbus::Message reply =
      bus.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
               "NameHasOwner", std::chrono::seconds(5),
               [&](sd_bus_message* m) { sd_bus_message_append(m, "s", name.c_str()); });
  int owned = 0;
  sd_bus_message_read(reply.get(), "b", &owned);
  return owned != 0;
}

// dbus-daemon on unix:path=<tmp>/bus, nobody else's bus touched.
class PrivateBus {
 public:
  PrivateBus() {
    char pattern[] = "/tmp/euiccd-dbusmock.XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    const std::string socket = dir_ + "/bus";
    address_ = "unix:path=" + socket;
    std::ofstream(dir_ + "/bus.conf")
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig>\n"
           "  <type>session</type>\n"
           "  <listen>"
        << address_
        << "</listen>\n"
           "  <auth>EXTERNAL</auth>\n"
           "  <policy context=\"default\">\n"
           "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
           "    <allow eavesdrop=\"true\"/>\n"
           "    <allow own=\"*\"/>\n"
           "  </policy>\n"
           "</busconfig>\n";
    daemon_ = std::make_unique<SpawnedProcess>(
        std::vector<std::string>{"/usr/bin/dbus-daemon", "--config-file=" + dir_ + "/bus.conf",
                                 "--nofork", "--nopidfile"},
        std::vector<std::string>{}, dir_ + "/dbus-daemon.log");
    // The socket file appears at bind(), before listen(): wait until a client gets in.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepts_clients()) {
      if (std::chrono::steady_clock::now() > deadline || !daemon_->running()) {
        throw std::runtime_error("dbus-daemon did not start: " +
                                 read_text_file(dir_ + "/dbus-daemon.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~PrivateBus() {
    daemon_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PrivateBus(const PrivateBus&) = delete;
  PrivateBus& operator=(const PrivateBus&) = delete;

  const std::string& address() const { return address_; }
  const std::string& dir() const { return dir_; }

  bool accepts_clients() {
    try {
      return name_has_owner("org.freedesktop.DBus");
    } catch (const topup::BusFailure&) {
      return false;
    }
  }

  bool name_has_owner(const std::string& name) { return bus_name_has_owner(address_, name); }

 private:
  std::string dir_;
  std::string address_;
  std::unique_ptr<SpawnedProcess> daemon_;
};

// python-dbusmock with the ModemManager template, on `bus`, scripted by `parameters_json`.
class ModemManagerMock {
 public:
  ModemManagerMock(PrivateBus& bus, const std::string& parameters_json)
      : ModemManagerMock(bus.address(), bus.dir(), parameters_json) {}
  // On any bus (`address`), keeping its call log and output in `dir`.
  ModemManagerMock(const std::string& address, const std::string& dir,
                   const std::string& parameters_json)
      : address_(address),
        parameters_json_(parameters_json),
        log_path_(dir + "/mm-calls.log"),
        output_path_(dir + "/mm-output.log") {
    start();
  }

  void stop() { process_->stop(); }
  // ModemManager restarting: the process leaves the bus, a new one (a new unique name, the
  // modems of the original parameters) takes the name again.
  void restart() {
    stop();
    start();
  }

  // Hot-plug (the template's org.freedesktop.DBus.Mock methods): a modem appears with this
  // spec (the JSON of one "modems" entry) and its object path is returned; one leaves; the
  // Modem properties named in `spec_json` change (PropertiesChanged).
  std::string add_modem(const std::string& spec_json) {
    sdbus::Message reply = mock_call(
        "AddModem", [&](sd_bus_message* m) { sd_bus_message_append(m, "s", spec_json.c_str()); });
    return topup::read_string(reply.get(), 'o');
  }
  void remove_modem(const std::string& path) {
    mock_call("RemoveModem",
              [&](sd_bus_message* m) { sd_bus_message_append(m, "o", path.c_str()); });
  }
  void set_modem_properties(const std::string& path, const std::string& spec_json) {
    mock_call("SetModemProperties", [&](sd_bus_message* m) {
      sd_bus_message_append(m, "os", path.c_str(), spec_json.c_str());
    });
  }
  // Sabotage for the switch tests (the template's SetSabotage): {"skip_returns": 1},
  // {"registers": false}.
  void set_sabotage(const std::string& sabotage_json) {
    mock_call("SetSabotage",
              [&](sd_bus_message* m) { sd_bus_message_append(m, "s", sabotage_json.c_str()); });
  }
  // The network the modems see (the travel policy's tests): {"operator": "42602"} and
  // optionally "registration": "searching" or "denied" (see SetNetwork in the .py).
  void set_network(const std::string& network_json) {
    mock_call("SetNetwork",
              [&](sd_bus_message* m) { sd_bus_message_append(m, "s", network_json.c_str()); });
  }
  // The USSD session state of the card-following modems (1 idle, 2 active, 3 user-response).
  void set_ussd_state(uint32_t state) {
    mock_call("SetUssdState", [&](sd_bus_message* m) { sd_bus_message_append(m, "u", state); });
  }
  std::string output() const { return read_text_file(output_path_); }

  // The texts of the SMS the modem at `path` holds (Messaging.List, then each Sms.Text), in
  // the order ModemManager lists them.
  std::vector<std::string> message_texts(const std::string& path) {
    topup::Bus bus(address_);
    sdbus::Message list =
        bus.call("org.freedesktop.ModemManager1", path,
                 "org.freedesktop.ModemManager1.Modem.Messaging", "List", std::chrono::seconds(5));
    std::vector<std::string> texts;
    sd_bus_message_enter_container(list.get(), 'a', "o");
    for (const char* sms = nullptr; sd_bus_message_read(list.get(), "o", &sms) > 0;) {
      texts.push_back(bus.get_string("org.freedesktop.ModemManager1", sms,
                                     "org.freedesktop.ModemManager1.Sms", "Text",
                                     std::chrono::seconds(5)));
    }
    return texts;
  }

  // The mock's call log lines (without timestamps) whose method is one of `methods`, in order:
  // e.g. {"Cancel", "Initiate \"*100#\"", "Respond \"1\""}.
  std::vector<std::string> calls(const std::vector<std::string>& methods) const {
    std::vector<std::string> found;
    std::istringstream lines(read_text_file(log_path_));
    for (std::string line; std::getline(lines, line);) {
      const auto space = line.find(' ');
      if (space == std::string::npos) continue;
      const std::string call = line.substr(space + 1);
      for (const auto& method : methods) {
        if (call == method || call.starts_with(method + " ")) {
          found.push_back(call);
          break;
        }
      }
    }
    return found;
  }

  std::string call_log() const { return read_text_file(log_path_); }

 private:
  void start() {
    const std::string template_path =
        std::string(EUICCD_SOURCE_DIR) + "/tests/support/dbusmock_modemmanager.py";
    process_ = std::make_unique<SpawnedProcess>(
        std::vector<std::string>{"/usr/bin/python3", "-m", "dbusmock", "--session", "--template",
                                 template_path, "-l", log_path_, "-p", parameters_json_},
        std::vector<std::string>{"DBUS_SESSION_BUS_ADDRESS=" + address_}, output_path_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!bus_name_has_owner(address_, "org.freedesktop.ModemManager1")) {
      if (std::chrono::steady_clock::now() > deadline || !process_->running()) {
        throw std::runtime_error("the ModemManager mock did not start: " + output());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  sdbus::Message mock_call(const char* method, const topup::Bus::Appender& append) {
    topup::Bus bus(address_);
    return bus.call("org.freedesktop.ModemManager1", "/org/freedesktop/ModemManager1",
                    "org.freedesktop.DBus.Mock", method, std::chrono::seconds(5), append);
  }

  std::string address_;
  std::string parameters_json_;
  std::string log_path_;
  std::string output_path_;
  std::unique_ptr<SpawnedProcess> process_;
};

}  // namespace euiccd::testing
