#include "bench/memory_load.h"

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <thread>

namespace euiccd::bench {

using namespace std::chrono_literals;
using euiccd::testing::BusClient;
using euiccd::testing::BusReply;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kBus[] = "org.euiccd1";
constexpr char kVoucher[] = "987654321098";

// The network's answers: balance *122#, top-up *123*CODE# (Karabakh Telecom's codes in
// mobile-broadband-provider-info).
std::string modem_parameters() {
  return std::string(R"({"modems": [{"sim": ")") + kPrepaidIccid +
         R"(", "model": "EG25", "ussd_script": {"*122#": {"reply": "Balance 1500 AMD", "state": 1},
         "*123*)" +
         kVoucher + R"(#": {"reply": "Top-up accepted, thank you", "state": 1}}}]})";
}

void check(const BusReply& r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.error_name() + ": " + r.error_message());
}

// Runs `calls` calls of `one` (given the call's number) and returns ms per call.
double repeat(int calls, const std::function<void(int)>& one) {
  const auto start = Clock::now();
  for (int i = 0; i < calls; ++i) one(i);
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count() /
         std::max(1, calls);
}

}  // namespace

LoadResult run_memory_load(const DaemonPaths& paths, const euiccd::testing::PrivateBus& bus,
                           BusClient& client, const std::string& veuicc, const LoadCounts& counts) {
  const std::string dir = paths.work_dir + "/load";
  std::filesystem::create_directories(dir + "/smdp");
  std::filesystem::create_directories(dir + "/card");
  SmdpServer smdp(paths.pki, dir + "/smdp", 0);
  const CardSetup setup{.notification_address = smdp.address(), .prepaid = true};
  VirtualCard card(paths.pki, dir + "/card", veuicc, setup);
  wait_for_reader_with_card(15s);
  euiccd::testing::ModemManagerMock modem(bus.address(), dir, modem_parameters());
  const DaemonSetup daemon_setup{.resolve = {smdp.resolve_entry()},
                                 .config = std::string("[Profile:") + kPrepaidIccid + "]\n",
                                 .modem_manager = true};
  DaemonUnderTest daemon(paths, bus, daemon_setup);
  daemon.wait_for_euicc(client);

  auto idle = [&] {
    card.wait_quiet(300ms, 30s);
    std::this_thread::sleep_for(500ms);
    return read_memory(daemon.pid());
  };
  LoadResult result;
  result.first_idle = idle();

  const double download_ms =
      repeat(counts.downloads, [&](int) { download_and_delete(client, smdp); });
  result.phases.push_back(
      {"after " + std::to_string(counts.downloads) + " downloads + deletes", idle(), download_ms});

  const std::string prepaid = euicc_path(0) + "/profile/" + kPrepaidIccid;
  const double topup_ms = repeat(counts.topups, [&](int i) {
    if (i % 2 == 0) {
      check(client.call(kBus, prepaid, "org.euiccd1.Profile", "CheckBalance", nullptr),
            "CheckBalance");
    } else {
      check(client.call(kBus, prepaid, "org.euiccd1.Profile", "TopUp", "s", kVoucher), "TopUp");
    }
  });
  result.phases.push_back({"after " + std::to_string(counts.topups) + " top-up calls (balance, " +
                               "top-up alternately)",
                           idle(), topup_ms});

  const std::string euicc = euicc_path(0);
  const std::string profile = euicc + "/profile/" + seed_iccid(0);
  const double call_ms = repeat(counts.dbus_calls, [&](int i) {
    switch (i % 4) {
      case 0: client.get_string(kBus, euicc, "org.euiccd1.Euicc", "Eid"); break;
      case 1: client.get_strv(kBus, euicc, "org.euiccd1.Euicc", "Profiles"); break;
      case 2:
        check(client.call(kBus, profile, "org.freedesktop.DBus.Properties", "GetAll", "s",
                          "org.euiccd1.Profile"),
              "GetAll");
        break;
      default:
        check(client.call(kBus, "/org/euiccd1", "org.freedesktop.DBus.ObjectManager",
                          "GetManagedObjects", nullptr),
              "GetManagedObjects");
    }
  });
  result.phases.push_back({"after " + std::to_string(counts.dbus_calls) +
                               " D-Bus calls (properties, GetAll, GetManagedObjects)",
                           idle(), call_ms});
  result.end_mappings = top_mappings(daemon.pid(), 12);
  result.jobs_on_bus = count_jobs(client);
  return result;
}

}  // namespace euiccd::bench
