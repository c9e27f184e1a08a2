// ModemManagerWatch against a real dbus-daemon of our own and python-dbusmock standing in for
// ModemManager (tests/support/dbusmock_modemmanager.py): the modems at start, one plugged in,
// one unplugged, ports that change, wrong property types, ModemManager leaving and coming
// back, and the [ModemOverride] settings. The watch runs on an sd-event loop this thread turns.
#include "daemon/modem_manager_watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "sdbus/sdbus.h"
#include "tests/support/dbusmock_modemmanager.h"

namespace euiccd::daemon {
namespace {

using testing::ModemManagerMock;
using testing::PrivateBus;
using ::testing::UnorderedElementsAre;

constexpr const char* kModem0 = "/org/freedesktop/ModemManager1/Modem/0";
constexpr const char* kModem1 = "/org/freedesktop/ModemManager1/Modem/1";
constexpr const char* kModem2 = "/org/freedesktop/ModemManager1/Modem/2";

// Modem 0: Quectel in QMI mode; modem 1: Ports of the wrong type; modem 2: an MBIM laptop card
// with two SIM slots, the second active.
constexpr const char* kThreeModems = R"({"modems": [
  {"sim": "8944476500001224158", "plugin": "quectel", "drivers": ["qmi_wwan", "option"],
   "ports": [["cdc-wdm0", 6], ["ttyUSB2", 3], ["wwan0", 2]], "primary_port": "cdc-wdm0"},
  {"sim": "", "raw_properties": {"Ports": "cdc-wdm1"}},
  {"sim": "8944476500001224166", "other_slots": ["89000123456789012341"], "primary_sim_slot": 2,
   "ports": [["wwan0at0", 3], ["wwan0mbim0", 7]], "primary_port": "wwan0mbim0"}
]})";

ModemEndpoint endpoint(ModemTransport transport, std::string device, unsigned slot,
                       std::string object) {
  return ModemEndpoint{transport, std::move(device), slot, std::move(object)};
}

class ModemManagerWatchTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sd_event_new(event_.put()), 0); }
  void TearDown() override {
    watch_.reset();
    event_.reset();
  }

  void start_watch(ModemOverrides overrides = {}) {
    watch_ = std::make_unique<ModemManagerWatch>(
        event_, bus_.address(), std::move(overrides),
        [this](const std::vector<ModemEndpoint>& endpoints) { reports_.push_back(endpoints); });
    watch_->start();
  }

  // Turns the loop until `done` or 10 s.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      sd_event_run(event_, 50'000);
    }
    return true;
  }

  // Waits for a report and returns the latest one.
  std::vector<ModemEndpoint> next_report() {
    const size_t seen = reports_.size();
    EXPECT_TRUE(run_until([&] { return reports_.size() > seen; })) << "no report within 10 s";
    return reports_.empty() ? std::vector<ModemEndpoint>{} : reports_.back();
  }

  PrivateBus bus_;
  euiccd::sdbus::Event event_;
  std::unique_ptr<ModemManagerWatch> watch_;
  std::vector<std::vector<ModemEndpoint>> reports_;
};

TEST_F(ModemManagerWatchTest, FollowsModemsAndModemManagerItself) {
  ModemManagerMock mm(bus_, kThreeModems);
  start_watch();
  const auto qmi0 = endpoint(ModemTransport::Qmi, "/dev/cdc-wdm0", 1, kModem0);
  const auto mbim2 = endpoint(ModemTransport::Mbim, "/dev/wwan0mbim0", 2, kModem2);
  // The modem with garbage for Ports has no endpoint; the others are unaffected.
  EXPECT_THAT(next_report(), UnorderedElementsAre(qmi0, mbim2));

  // Plugged in: a SIMCom with AT ports only.
  const std::string added = mm.add_modem(R"({"sim": "", "plugin": "simtech",
      "ports": [["ttyUSB0", 4], ["ttyUSB2", 3], ["ttyUSB3", 3]], "primary_port": "ttyUSB3"})");
  const auto at3 = endpoint(ModemTransport::At, "/dev/ttyUSB3", 1, added);
  EXPECT_THAT(next_report(), UnorderedElementsAre(qmi0, mbim2, at3));

  // Unplugged.
  mm.remove_modem(kModem0);
  EXPECT_THAT(next_report(), UnorderedElementsAre(mbim2, at3));

  // The MBIM card comes back in QMI mode (ports change under the same object).
  mm.set_modem_properties(kModem2, R"({"ports": [["cdc-wdm3", 6]], "primary_port": "cdc-wdm3"})");
  const auto qmi2 = endpoint(ModemTransport::Qmi, "/dev/cdc-wdm3", 2, kModem2);
  EXPECT_THAT(next_report(), UnorderedElementsAre(qmi2, at3));

  // Garbage in a change: that modem goes, the rest stays; a good value brings it back.
  mm.set_modem_properties(kModem2, R"({"raw_properties": {"PrimarySimSlot": "two"}})");
  EXPECT_THAT(next_report(), UnorderedElementsAre(at3));
  mm.set_modem_properties(kModem2, R"({"primary_sim_slot": 1})");
  EXPECT_THAT(next_report(), UnorderedElementsAre(
                                 endpoint(ModemTransport::Qmi, "/dev/cdc-wdm3", 1, kModem2), at3));
  // The broken modem 1 gets fixed too.
  mm.set_modem_properties(kModem1, R"({"ports": [["cdc-wdm1", 7]]})");
  EXPECT_EQ(next_report().size(), 3u);

  // ModemManager stops: every endpoint goes. It starts again: its modems are read again.
  mm.stop();
  EXPECT_TRUE(next_report().empty());
  mm.restart();
  EXPECT_THAT(next_report(), UnorderedElementsAre(qmi0, mbim2));
  EXPECT_THAT(watch_->endpoints(), UnorderedElementsAre(qmi0, mbim2));
}

TEST_F(ModemManagerWatchTest, WaitsForModemManagerAndAppliesOverrides) {
  ModemOverrides overrides;
  overrides["/sys/devices/mock/modem0"].transport = ModemTransport::At;  // by Device
  overrides["350000000000002"].ignore = true;                            // by IMEI
  start_watch(std::move(overrides));
  // Not running yet: one report, empty.
  EXPECT_TRUE(next_report().empty());

  ModemManagerMock mm(bus_, kThreeModems);
  EXPECT_THAT(next_report(),
              UnorderedElementsAre(endpoint(ModemTransport::At, "/dev/ttyUSB2", 1, kModem0)));
  EXPECT_EQ(reports_.size(), 2u);
}

}  // namespace
}  // namespace euiccd::daemon
