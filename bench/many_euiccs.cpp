#include "bench/many_euiccs.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bench/engine_bench.h"
#include "tests/support/subprocess.h"

namespace euiccd::bench {

using namespace std::chrono_literals;
using euiccd::testing::BusClient;
using euiccd::testing::BusReply;
using Clock = std::chrono::steady_clock;

namespace {

const std::vector<std::string> kPeers = {"veuicc", "smdpp.py", "pcscd"};
const std::vector<std::string> kDaemon = {"/daemon/euiccd"};

void settle(const std::vector<std::unique_ptr<VirtualCard>>& cards) {
  for (const auto& c : cards) c->wait_quiet(300ms, 60s);
  std::this_thread::sleep_for(500ms);
}

void delete_small(BusClient& client, unsigned index) {
  BusReply r =
      client.call("org.euiccd1", euicc_path(index) + "/profile/" + std::string(kSmallIccid),
                  "org.euiccd1.Profile", "Delete", nullptr);
  if (!r.ok())
    throw std::runtime_error("Delete on eUICC " + std::to_string(index) + ": " + r.error_name() +
                             ": " + r.error_message());
}

}  // namespace

ManyResult run_many_euiccs(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                           BusClient& client, const std::string& veuicc, uint16_t base_port,
                           const ManyOptions& o) {
  ManyResult result;
  result.cards = o.cards;
  const std::string dir = paths.work_dir + "/many";
  std::vector<std::unique_ptr<SmdpServer>> servers;
  DaemonSetup daemon_setup;
  result.smdp_servers = std::max(1u, std::min(o.smdp_servers, o.cards));
  for (unsigned s = 0; s < result.smdp_servers; ++s) {
    const std::string smdp_dir = dir + "/smdp" + std::to_string(s);
    std::filesystem::create_directories(smdp_dir);
    servers.push_back(std::make_unique<SmdpServer>(paths.pki, smdp_dir, o.rtt_ms));
    daemon_setup.resolve.push_back(servers.back()->resolve_entry());
  }
  auto server_of = [&](unsigned card) -> SmdpServer& { return *servers[card % servers.size()]; };

  // Every card its own EID (the daemon keys eUICCs by EID) and so its own certificate.
  std::vector<std::unique_ptr<VirtualCard>> cards;
  auto start_card = [&](unsigned k) {
    const std::string card_dir = dir + "/card" + std::to_string(k);
    std::filesystem::create_directories(card_dir);
    issue_euicc(paths.pki, card_dir, extra_eid(int(k)));
    const CardSetup setup{.latency_ms = o.latency_ms,
                          .notification_address = server_of(k).address(),
                          .vpcd_port = uint16_t(base_port + k),
                          .credentials_dir = card_dir};
    cards.push_back(std::make_unique<VirtualCard>(paths.pki, card_dir, veuicc, setup));
  };

  // Memory with one eUICC, then with all of them.
  start_card(0);
  wait_for_cards(1, 15s);
  {
    DaemonUnderTest one(paths, bus, daemon_setup);
    one.wait_for_euiccs(client, 1, 60s);
    settle(cards);
    result.one = read_memory(one.pid());
  }
  for (unsigned k = 1; k < o.cards; ++k) start_card(k);
  wait_for_cards(o.cards, 30s);
  DaemonUnderTest daemon(paths, bus, daemon_setup);
  try {
    result.all_published_ms = daemon.wait_for_euiccs(client, o.cards, 120s);
  } catch (const std::exception& e) {
    std::ifstream log(daemon.log_path());
    std::deque<std::string> tail;
    for (std::string line; std::getline(log, line);) {
      tail.push_back(line);
      if (tail.size() > 40) tail.pop_front();
    }
    std::string text;
    for (const auto& line : tail) text += line + "\n";
    throw std::runtime_error(std::string(e.what()) + "; euiccd's log ends:\n" + text);
  }
  settle(cards);
  result.many = read_memory(daemon.pid());

  // One download alone, then one on every eUICC at the same time.
  {
    const auto start = Clock::now();
    const std::string job = start_download(client, server_of(0), 0);
    const std::string state = wait_job(client, job, 120s);
    result.one_download_ms = ms_since(start);
    if (state != "succeeded") throw std::runtime_error("the single download " + state);
    delete_small(client, 0);
    settle(cards);
  }

  // Cached reads on a second connection while the downloads run, as another client would.
  std::atomic<bool> running{true};
  std::vector<double> ping, eid, profiles;
  std::string reader_error;
  std::thread reader([&] {
    try {
      BusClient other(bus.address());
      for (unsigned i = 0; running; ++i) {
        const std::string path = euicc_path(i % o.cards);
        auto timed = [](std::vector<double>& into, const std::function<void()>& call) {
          const auto start = Clock::now();
          call();
          into.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        };
        timed(ping, [&] {
          other.call("org.euiccd1", path, "org.freedesktop.DBus.Peer", "Ping", nullptr);
        });
        timed(eid, [&] { other.get_string("org.euiccd1", path, "org.euiccd1.Euicc", "Eid"); });
        timed(profiles,
              [&] { other.get_strv("org.euiccd1", path, "org.euiccd1.Euicc", "Profiles"); });
        std::this_thread::sleep_for(5ms);  // a busy client, not a flood
      }
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });

  const double peers_before = cpu_ms_of(kPeers);
  const double daemon_before = cpu_ms_of(kDaemon);
  const auto start = Clock::now();
  std::vector<std::string> jobs;
  for (unsigned k = 0; k < o.cards; ++k) jobs.push_back(start_download(client, server_of(k), k));
  result.each_download_ms.assign(o.cards, 0);
  std::string failure;
  for (size_t left = o.cards; left > 0;) {
    for (unsigned k = 0; k < o.cards; ++k) {
      if (result.each_download_ms[k] > 0) continue;
      const std::string state =
          client.get_string("org.euiccd1", jobs[k], "org.euiccd1.Job", "State");
      if (state == "running" || state == "waiting") continue;
      result.each_download_ms[k] = ms_since(start);
      if (state != "succeeded" && failure.empty())
        failure = "download on eUICC " + std::to_string(k) + " " + state + ": " +
                  client.get_string("org.euiccd1", jobs[k], "org.euiccd1.Job", "ErrorName") + ": " +
                  client.get_string("org.euiccd1", jobs[k], "org.euiccd1.Job", "ErrorMessage");
      --left;
    }
    if (ms_since(start) > 300'000) failure = "the downloads did not finish within 5 minutes";
    if (!failure.empty()) break;
    std::this_thread::sleep_for(5ms);
  }
  result.all_downloads_ms = ms_since(start);
  result.peers_cpu_ms = cpu_ms_of(kPeers) - peers_before;
  result.daemon_cpu_ms = cpu_ms_of(kDaemon) - daemon_before;
  result.downloads_wall_cpu_ms = result.all_downloads_ms * double(sysconf(_SC_NPROCESSORS_ONLN));
  running = false;
  reader.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  if (!reader_error.empty()) throw std::runtime_error("cached reads: " + reader_error);
  result.ping = stats(ping);
  result.eid = stats(eid);
  result.profiles = stats(profiles);
  result.reads = int(ping.size());
  return result;
}

}  // namespace euiccd::bench
