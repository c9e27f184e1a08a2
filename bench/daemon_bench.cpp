#include "bench/daemon_bench.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/physical_minimum.h"

extern char** environ;

namespace euiccd::bench {

using namespace std::chrono_literals;
using euiccd::testing::BusClient;
using euiccd::testing::BusReply;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kBus[] = "org.euiccd1";
constexpr char kEuicc[] = "/org/euiccd1/euicc/0";
constexpr char kPolkitBus[] = "org.freedesktop.PolicyKit1";
constexpr char kEuiccIface[] = "org.euiccd1.Euicc";
constexpr char kProfileIface[] = "org.euiccd1.Profile";
constexpr char kJobIface[] = "org.euiccd1.Job";

std::string profile_path(const std::string& iccid) {
  return std::string(kEuicc) + "/profile/" + iccid;
}

void check(const BusReply& r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.error_name() + ": " + r.error_message());
}

std::map<std::string, std::string> read_status(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    out[line.substr(0, colon)] = value;
  }
  return out;
}

uint64_t kb(const std::string& value) {
  const size_t digit = value.find_first_of("0123456789");
  return digit == std::string::npos ? 0 : std::stoull(value.substr(digit));
}

std::vector<std::string> thread_ids(pid_t pid) {
  std::vector<std::string> ids;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ids.emplace_back(e->d_name);
    closedir(d);
  }
  return ids;
}

std::string download(BusClient& client, SmdpServer& smdp) {
  const std::string job = start_download(client, smdp, 0);
  const std::string state = wait_job(client, job, 120s);
  if (state != "succeeded")
    throw std::runtime_error("download job " + state + ": " +
                             client.get_string(kBus, job, kJobIface, "ErrorMessage"));
  return job;
}

}  // namespace

std::string wait_job(BusClient& client, const std::string& job, std::chrono::seconds deadline) {
  const auto end = Clock::now() + deadline;
  for (;;) {
    const std::string state = client.get_string(kBus, job, kJobIface, "State");
    if (state != "running" && state != "waiting") return state;
    if (Clock::now() > end) throw std::runtime_error("job " + job + " did not finish in time");
    std::this_thread::sleep_for(2ms);
  }
}

LatencyStats stats(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  LatencyStats s;
  if (us.empty()) return s;
  s.p50_us = us[us.size() / 2];
  s.p90_us = us[us.size() * 9 / 10];
  return s;
}

std::string euicc_path(unsigned index) {
  return "/org/euiccd1/euicc/" + std::to_string(index);
}

std::string start_download(BusClient& client, SmdpServer& smdp, unsigned index) {
  BusReply r = client.call(kBus, euicc_path(index), kEuiccIface, "DownloadProfile", "sa{sv}",
                           smdp.activation_code(false).c_str(), 0);
  check(r, "DownloadProfile on eUICC " + std::to_string(index));
  return r.read_string('o');
}

PolkitMock::PolkitMock(const euiccd::testing::PrivateBus& bus)
    : process_({"/usr/bin/python3", "-m", "dbusmock", "--session", "--template", "polkitd"},
               {"DBUS_SESSION_BUS_ADDRESS=" + bus.address()}, bus.dir() + "/polkit-mock.log") {
  const auto end = Clock::now() + 20s;
  while (!euiccd::testing::bus_name_has_owner(bus.address(), kPolkitBus)) {
    if (Clock::now() > end) throw std::runtime_error("the polkit mock did not come up");
    std::this_thread::sleep_for(20ms);
  }
}

// ---- DaemonUnderTest -------------------------------------------------------------------------

DaemonUnderTest::DaemonUnderTest(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                                 const DaemonSetup& setup) {
  static int counter = 0;
  const std::string tag = std::to_string(getpid()) + "-" + std::to_string(++counter);
  log_path_ = paths.work_dir + "/euiccd-" + tag + ".log";
  socket_path_ = paths.work_dir + "/notify-" + tag;
  notify_fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path)
    throw std::runtime_error("notify socket path too long: " + socket_path_);
  std::strcpy(addr.sun_path, socket_path_.c_str());
  unlink(socket_path_.c_str());
  if (notify_fd_ < 0 || bind(notify_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot bind the notify socket " + socket_path_);

  const std::string config = paths.work_dir + "/euiccd-" + tag + ".conf";
  std::ofstream(config) << setup.config;
  const std::string state = paths.work_dir + "/state-" + tag;
  std::filesystem::create_directories(state);
  std::vector<std::string> argv = {paths.euiccd,
                                   "--bus",
                                   bus.address(),
                                   "--config",
                                   config,
                                   "--config-dir",
                                   paths.work_dir + "/none.d",
                                   "--state-dir",
                                   state,
                                   "--ca",
                                   paths.pki + "/ci.pem"};
  if (setup.modem_manager) {
    argv.push_back("--modem-manager-bus");
    argv.push_back(bus.address());
  }
  for (const auto& r : setup.resolve) {
    argv.push_back("--resolve");
    argv.push_back(r);
  }
  setenv("NOTIFY_SOCKET", socket_path_.c_str(), 1);
  spawned_ = Clock::now();
  process_ = std::make_unique<euiccd::testing::Subprocess>(argv, log_path_);
  unsetenv("NOTIFY_SOCKET");

  const auto end = spawned_ + 10s;
  char buffer[4096];
  while (ready_ms_ < 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) throw std::runtime_error("euiccd sent no READY=1 within 10 s");
    pollfd p{notify_fd_, POLLIN, 0};
    if (poll(&p, 1, int(left.count())) <= 0) continue;
    const ssize_t n = recv(notify_fd_, buffer, sizeof buffer - 1, 0);
    if (n <= 0) continue;
    buffer[n] = '\0';
    const std::string message(buffer);
    if (message.find("READY=1") != std::string::npos) ready_ms_ = ms_since(spawned_);
  }
  // Nobody reads the socket from here on: close it, so that the daemon's later STATUS= messages
  // (one per eUICC published) fail at once instead of filling the queue (10 datagrams) and then
  // blocking sd_notify — and the daemon's loop — as they did with 16 eUICCs.
  close(notify_fd_);
  notify_fd_ = -1;
  unlink(socket_path_.c_str());
}

DaemonUnderTest::~DaemonUnderTest() {
  process_.reset();  // SIGTERM, wait
  if (notify_fd_ >= 0) close(notify_fd_);
  unlink(socket_path_.c_str());
}

pid_t DaemonUnderTest::pid() const {
  return process_->pid();
}

double DaemonUnderTest::wait_for_euicc(BusClient& client) {
  const auto end = Clock::now() + 30s;
  for (;;) {
    try {
      if (!client.get_string(kBus, kEuicc, kEuiccIface, "Eid").empty()) return ms_since(spawned_);
    } catch (const std::exception&) {
      // not published yet
    }
    if (Clock::now() > end) throw std::runtime_error("the eUICC did not appear on the bus");
    std::this_thread::sleep_for(1ms);
  }
}

double DaemonUnderTest::wait_for_euiccs(BusClient& client, unsigned count,
                                        std::chrono::seconds deadline) {
  const auto end = Clock::now() + deadline;
  unsigned ready = 0;
  while (ready < count) {
    try {
      if (!client.get_string(kBus, euicc_path(ready), kEuiccIface, "Eid").empty()) {
        ++ready;
        continue;
      }
    } catch (const std::exception&) {
      // not published yet
    }
    if (Clock::now() > end)
      throw std::runtime_error("only " + std::to_string(ready) + " of " + std::to_string(count) +
                               " eUICCs appeared on the bus");
    std::this_thread::sleep_for(1ms);
  }
  return ms_since(spawned_);
}

// ---- /proc ------------------------------------------------------------------------------------

ProcessMemory read_memory(pid_t pid) {
  const auto s = read_status("/proc/" + std::to_string(pid) + "/status");
  ProcessMemory m;
  auto get = [&s](const char* key) {
    auto it = s.find(key);
    return it == s.end() ? std::string() : it->second;
  };
  m.rss_kb = kb(get("VmRSS"));
  m.rss_anon_kb = kb(get("RssAnon"));
  m.rss_file_kb = kb(get("RssFile"));
  m.hwm_kb = kb(get("VmHWM"));
  m.threads = kb(get("Threads"));
  const auto rollup = read_status("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (auto it = rollup.find("Pss"); it != rollup.end()) m.pss_kb = kb(it->second);
  return m;
}

std::vector<MappingRss> top_mappings(pid_t pid, size_t count) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps");
  std::map<std::string, uint64_t> by_name;
  std::string line, current = "[anon]";
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const bool header = std::isxdigit(static_cast<unsigned char>(line[0])) &&
                        line.find('-') != std::string::npos && line.find(':') > line.find(' ');
    if (header) {
      // "start-end perms offset dev inode [path]": the path is the sixth field.
      std::istringstream fields(line);
      std::string skip, path;
      for (int i = 0; i < 5; ++i) fields >> skip;
      std::getline(fields, path);
      path.erase(0, path.find_first_not_of(' '));
      const size_t slash = path.rfind('/');
      current = path.empty()                 ? "[anon]"
                : slash == std::string::npos ? path
                                             : path.substr(slash + 1);
    } else if (line.starts_with("Rss:")) {
      by_name[current] += kb(line.substr(4));
    }
  }
  std::vector<MappingRss> out;
  for (const auto& [name, rss] : by_name) out.push_back({name, rss});
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.rss_kb > b.rss_kb; });
  if (out.size() > count) out.resize(count);
  return out;
}

double exec_floor_ms(const std::string& euiccd, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, null_fd, STDOUT_FILENO);
    char* const argv[] = {const_cast<char*>(euiccd.c_str()), const_cast<char*>("--version"),
                          nullptr};
    const auto start = Clock::now();
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, euiccd.c_str(), &actions, nullptr, argv, environ);
    int status = 0;
    if (rc == 0) waitpid(pid, &status, 0);  // --version exits at once
    ms.push_back(ms_since(start));
    posix_spawn_file_actions_destroy(&actions);
    close(null_fd);
  }
  std::sort(ms.begin(), ms.end());
  return ms.empty() ? 0 : ms[ms.size() / 2];
}

std::vector<ThreadWakeups> count_wakeups(pid_t pid, double seconds) {
  auto sample = [pid] {
    std::map<std::string, std::pair<std::string, uint64_t>> out;
    for (const auto& tid : thread_ids(pid)) {
      const auto s = read_status("/proc/" + std::to_string(pid) + "/task/" + tid + "/status");
      uint64_t n = 0;
      for (const char* key : {"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"}) {
        auto it = s.find(key);
        if (it != s.end()) n += std::stoull(it->second);
      }
      auto name = s.find("Name");
      out[tid] = {name == s.end() ? tid : name->second + " (" + tid + ")", n};
    }
    return out;
  };
  const auto before = sample();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const auto after = sample();
  std::vector<ThreadWakeups> result;
  for (const auto& [tid, now] : after) {
    auto it = before.find(tid);
    const uint64_t then = it == before.end() ? 0 : it->second.second;
    result.push_back({now.first, now.second - then});
  }
  return result;
}

// ---- D-Bus ------------------------------------------------------------------------------------

void allow_everything(BusClient& client) {
  const char* actions[] = {"org.euiccd1.enable-disable",
                           "org.euiccd1.rename",
                           "org.euiccd1.download",
                           "org.euiccd1.discover",
                           "org.euiccd1.delete",
                           "org.euiccd1.reset-memory",
                           "org.euiccd1.process-notifications",
                           "org.euiccd1.configure",
                           "org.euiccd1.check-balance",
                           "org.euiccd1.topup"};
  sdbus::Message m =
      client.new_call("org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
                      "org.freedesktop.DBus.Mock", "SetAllowed");
  sd_bus_message_open_container(m, 'a', "s");
  for (const char* a : actions) sd_bus_message_append_basic(m, 's', a);
  sd_bus_message_close_container(m);
  BusReply r = client.call_message(m);
  check(r, "polkit mock SetAllowed");
}

std::vector<DbusOpResult> run_dbus_operations(BusClient& client, VirtualCard& card,
                                              SmdpServer& smdp, bool auto_process) {
  std::vector<DbusOpResult> results;
  auto measure = [&](const std::string& name, const std::function<void()>& body) {
    card.wait_quiet(300ms, 30s);
    const VirtualCard::Traffic before = card.traffic();
    const auto start = Clock::now();
    body();
    DbusOpResult r;
    r.name = name;
    r.reply_ms = ms_since(start);
    r.apdus_to_reply = card.traffic().apdus - before.apdus;
    card.wait_quiet(300ms, 60s);
    const VirtualCard::Traffic after = card.traffic();
    r.apdus_with_followup = after.apdus - before.apdus;
    const std::vector<Es10Message> crossed(
        after.messages.begin() + std::ptrdiff_t(before.messages.size()), after.messages.end());
    r.delivery_min_apdus = minimum_for(Work::Notifications, crossed, 255).apdus;
    results.push_back(r);
  };
  const std::string first = profile_path(seed_iccid(0));
  const std::string second = profile_path(seed_iccid(1));
  measure("enable",
          [&] { check(client.call(kBus, first, kProfileIface, "Enable", nullptr), "Enable"); });
  measure("disable",
          [&] { check(client.call(kBus, first, kProfileIface, "Disable", nullptr), "Disable"); });
  measure("nickname", [&] {
    check(client.call(kBus, second, kProfileIface, "SetNickname", "s", "over D-Bus"),
          "SetNickname");
  });
  measure("download 5 kB", [&] { download(client, smdp); });
  measure("delete", [&] {
    check(client.call(kBus, profile_path(kSmallIccid), kProfileIface, "Delete", nullptr), "Delete");
  });
  auto process = [&] {
    check(client.call(kBus, kEuicc, kEuiccIface, "ProcessNotifications", nullptr),
          "ProcessNotifications");
  };
  if (!auto_process) measure("process notifications (left by the above)", process);
  measure(kNothingPending, process);
  return results;
}

CachedReads measure_cached_reads(BusClient& client, VirtualCard& card, int calls) {
  card.wait_quiet(300ms, 30s);
  const uint64_t before = card.traffic().apdus;
  std::vector<double> ping, eid, profiles;
  auto timed = [](std::vector<double>& into, const std::function<void()>& call) {
    const auto start = Clock::now();
    call();
    into.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  };
  for (int i = 0; i < calls; ++i) {
    timed(ping, [&] {
      check(client.call(kBus, kEuicc, "org.freedesktop.DBus.Peer", "Ping", nullptr), "Ping");
    });
    timed(eid, [&] {
      if (client.get_string(kBus, kEuicc, kEuiccIface, "Eid") != kEid)
        throw std::runtime_error("wrong Eid");
    });
    timed(profiles, [&] {
      if (client.get_strv(kBus, kEuicc, kEuiccIface, "Profiles").size() < size_t(kSeedProfiles))
        throw std::runtime_error("Profiles is missing profiles");
    });
  }
  CachedReads r;
  r.calls = calls;
  r.ping = stats(ping);
  r.eid = stats(eid);
  r.profiles = stats(profiles);
  r.apdus = card.traffic().apdus - before;
  return r;
}

size_t count_jobs(BusClient& client) {
  BusReply r = client.call(kBus, "/org/euiccd1/job", "org.freedesktop.DBus.Introspectable",
                           "Introspect", nullptr);
  if (!r.ok()) return 0;
  const std::string xml = r.read_string();
  size_t count = 0;
  for (size_t at = xml.find("<node name="); at != std::string::npos;
       at = xml.find("<node name=", at + 1))
    ++count;
  return count;
}

void download_and_delete(BusClient& client, SmdpServer& smdp) {
  download(client, smdp);
  check(client.call(kBus, profile_path(kSmallIccid), kProfileIface, "Delete", nullptr), "Delete");
}

}  // namespace euiccd::bench
