// daemon::Euicc's typed operations through the card backend seam, without pcscd: the registry
// probes and publishes the virtual eUICC (veuicc::Card in process, behind the real
// BasicChannelLink, LogicalChannel, Es10Channel and Es10Client), and every change runs on the
// card worker as it does over PC/SC. After each change the snapshot the daemon serves equals a
// full read of the card, on success and on failure; a card that goes away fails the change
// with CardRemoved and comes back with the truth.
#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "daemon/euicc.h"
#include "daemon/euicc_registry.h"
#include "daemon/loop_queue.h"
#include "lpa/es10_client.h"
#include "sdbus/sdbus.h"
#include "veuicc/state.h"
#include "veuicc_backend.h"
#include "veuicc_fixture.h"

using namespace euiccd;
using namespace euiccd::daemon;
using euiccd::daemon::testing::kVirtualDevice;
using euiccd::daemon::testing::VirtualEuiccBackend;
using json = nlohmann::json;

namespace {

constexpr char kHome[] = "8944476500001224158";     // enabled
constexpr char kTravel[] = "89012600000000000013";  // disabled
constexpr char kLab[] = "891000000000000004";       // disabled, test class
constexpr char kAbsent[] = "89000000000000000000";  // on no card

veuicc::CardState seeded_state() {
  const json events = json::array({{{"event", "enable"}, {"address", "smdp.example.com"}},
                                   {{"event", "disable"}, {"address", "smdp.example.com"}},
                                   {{"event", "delete"}, {"address", "smdp.example.com"}}});
  return veuicc::state_from_json({{"default_dp_address", "smdp.example.com"},
                                  {"root_ds_address", "lpa.ds.example.com"},
                                  {"memory", {{"nvm_bytes", 1048576}, {"free_ram_bytes", 65536}}},
                                  {"profiles",
                                   {{{"iccid", kHome},
                                     {"state", "enabled"},
                                     {"nickname", "Home"},
                                     {"service_provider_name", "Veuicc Mobile"},
                                     {"profile_class", "operational"},
                                     {"size", 120000},
                                     {"notification_configuration", events}},
                                    {{"iccid", kTravel},
                                     {"service_provider_name", "Roam Anywhere"},
                                     {"profile_class", "operational"},
                                     {"size", 80000},
                                     {"notification_configuration", events}},
                                    {{"iccid", kLab},
                                     {"service_provider_name", "Test Lab"},
                                     {"profile_class", "test"},
                                     {"size", 20000}}}}});
}

// Everything the daemon serves from the snapshot, as text (a failure shows the difference).
std::string describe(const EuiccSnapshot& s) {
  std::ostringstream out;
  out << "eid " << s.eid << "\nfree " << s.free_nvm << "\nsvn " << s.svn << "\nsmdp "
      << s.default_smdp_address << "\nsmds " << s.root_smds_address << "\npending "
      << s.pending_notifications << "\n";
  for (const auto& p : s.profiles) {
    out << p.iccid << " aid=" << to_hex(p.isdp_aid)
        << " state=" << (p.state ? static_cast<int>(*p.state) : -1) << " nick=" << p.nickname
        << " spn=" << p.service_provider_name << " name=" << p.profile_name
        << " class=" << (p.profile_class ? static_cast<int>(*p.profile_class) : -1)
        << " notify=" << p.notification_configuration.size() << "\n";
  }
  return out.str();
}

class DaemonEuicc : public ::testing::Test {
 protected:
  DaemonEuicc() {
    settings_.notifications.auto_process = false;  // no server in these tests
    settings_.notifications.retry_interval = std::chrono::seconds(0);
    settings_.http.ca_dirs = {"/etc/ssl/certs"};
    settings_.http.connect_timeout = std::chrono::milliseconds(2000);
    settings_.http.total_timeout = std::chrono::milliseconds(5000);
  }

  void SetUp() override {
    added_ = registry_.added.subscribe([this](const std::shared_ptr<Euicc>& e) { euicc_ = e; });
    removed_ = registry_.removed.subscribe([this](const std::shared_ptr<Euicc>& e) {
      if (e == euicc_) euicc_.reset();
    });
    plug_in();
    ASSERT_NE(euicc_, nullptr) << "the registry did not publish the virtual eUICC";
  }

  static sd_event* new_event() {
    sd_event* e = nullptr;
    if (sd_event_new(&e) < 0) throw std::runtime_error("sd_event_new failed");
    return e;
  }

  // Runs the loop until `done` or 10 s (a bound, not a timing assumption).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      sd_event_run(event_.get(), 100'000);
    }
    return true;
  }

  void plug_in() {
    registry_.slots_changed(backend_, {{kVirtualDevice, true, harness_.card().atr()}});
    EXPECT_TRUE(run_until([this] { return euicc_ != nullptr; }));
  }

  // Runs one change to its end on the loop; its error, if any.
  std::optional<Error> run(const std::function<void(Euicc::Done)>& change) {
    bool finished = false;
    std::optional<Error> error;
    change([&](const std::optional<Error>& e) {
      error = e;
      finished = true;
    });
    EXPECT_TRUE(run_until([&] { return finished; })) << "the change did not finish";
    return error;
  }

  // What a full read of the card says now, on a channel of its own (the worker is idle).
  std::string card_truth() {
    apdu::LogicalChannel channel(backend_->card());
    apdu::Es10Channel es10(channel);
    lpa::Es10Client client(es10);
    return describe(read_snapshot(client));
  }

  void expect_cache_is_the_card() { EXPECT_EQ(describe(euicc_->snapshot()), card_truth()); }

  euiccd::sdbus::Event event_{new_event()};
  LoopQueue loop_{event_.get()};
  EngineSettings settings_;
  veuicc::testing::CardHarness harness_{seeded_state(), veuicc::CardConfig{}, "",
                                        veuicc::testing::test_credentials()};
  std::shared_ptr<VirtualEuiccBackend> backend_ =
      std::make_shared<VirtualEuiccBackend>(harness_.card());
  std::shared_ptr<Euicc> euicc_;  // before the registry, whose end withdraws it
  EuiccRegistry::Subscription added_, removed_;
  EuiccRegistry registry_{event_.get(), loop_, settings_, nullptr};
};

TEST_F(DaemonEuicc, TheRegistryPublishesWhatTheCardHolds) {
  EXPECT_EQ(euicc_->eid(), veuicc::testing::kEid);
  EXPECT_EQ(euicc_->reader(), kVirtualDevice);
  ASSERT_EQ(euicc_->snapshot().profiles.size(), 3u);
  EXPECT_EQ(euicc_->snapshot().enabled_profile()->iccid, kHome);
  EXPECT_EQ(euicc_->snapshot().default_smdp_address, "smdp.example.com");
  expect_cache_is_the_card();
  EXPECT_EQ(backend_->connects(), 1u);
}

TEST_F(DaemonEuicc, EnableSwitchesTheProfileOnTheCardAndInTheCache) {
  const unsigned holds = backend_->holds();
  EXPECT_EQ(run([&](auto done) { euicc_->enable(kTravel, done); }), std::nullopt);
  EXPECT_EQ(euicc_->snapshot().enabled_profile()->iccid, kTravel);
  EXPECT_EQ(euicc_->snapshot().pending_notifications, 2u);  // Home's disable, Travel's enable
  EXPECT_TRUE(harness_.state().profiles.at(1).enabled);
  EXPECT_FALSE(harness_.state().profiles.at(0).enabled);
  EXPECT_EQ(backend_->holds(), holds + 1) << "a change holds the card";
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, DisableLeavesNoProfileEnabled) {
  EXPECT_EQ(run([&](auto done) { euicc_->disable(kHome, done); }), std::nullopt);
  EXPECT_EQ(euicc_->snapshot().enabled_profile(), nullptr);
  EXPECT_FALSE(harness_.state().profiles.at(0).enabled);
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, RemoveDeletesTheProfileAndFreesItsMemory) {
  const uint64_t free_before = euicc_->snapshot().free_nvm;
  EXPECT_EQ(run([&](auto done) { euicc_->remove(kTravel, done); }), std::nullopt);
  EXPECT_EQ(euicc_->snapshot().find_profile(kTravel), nullptr);
  EXPECT_EQ(euicc_->snapshot().free_nvm, free_before + 80000);
  EXPECT_EQ(harness_.state().profiles.size(), 2u);
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, NicknameAndDefaultAddress) {
  EXPECT_EQ(run([&](auto done) { euicc_->set_nickname(kLab, "Bench", done); }), std::nullopt);
  EXPECT_EQ(euicc_->snapshot().find_profile(kLab)->nickname, "Bench");
  EXPECT_EQ(harness_.state().profiles.at(2).nickname, "Bench");
  expect_cache_is_the_card();
  EXPECT_EQ(run([&](auto done) { euicc_->set_default_smdp_address("dp.example.org", done); }),
            std::nullopt);
  EXPECT_EQ(euicc_->snapshot().default_smdp_address, "dp.example.org");
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, MemoryResetDeletesTheTestProfiles) {
  lpa::MemoryResetOptions options;
  options.delete_field_loaded_test_profiles = true;
  EXPECT_EQ(run([&](auto done) { euicc_->reset_memory(options, done); }), std::nullopt);
  EXPECT_EQ(euicc_->snapshot().find_profile(kLab), nullptr);
  EXPECT_NE(euicc_->snapshot().find_profile(kHome), nullptr);
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, RefreshPicksUpWhatAnotherProgramChanged) {
  harness_.state().profiles.at(1).nickname = "set elsewhere";
  harness_.state().default_dp_address = "other.example.org";
  EXPECT_NE(describe(euicc_->snapshot()), card_truth());
  EXPECT_EQ(run([&](auto done) { euicc_->refresh(done); }), std::nullopt);
  EXPECT_EQ(euicc_->snapshot().find_profile(kTravel)->nickname, "set elsewhere");
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, ProcessNotificationsWithNonePendingCostsOneList) {
  uint64_t apdus = backend_->card().apdus();
  bool finished = false;
  std::optional<Error> error;
  unsigned sent = 99;
  const unsigned holds = backend_->holds();
  euicc_->process_notifications([&](const std::optional<Error>& e, unsigned n) {
    error = e;
    sent = n;
    finished = true;
  });
  ASSERT_TRUE(run_until([&] { return finished; }));
  EXPECT_EQ(error, std::nullopt);
  EXPECT_EQ(sent, 0u);
  EXPECT_EQ(backend_->card().apdus() - apdus, 1u) << "one ListNotification / Retrieve";
  EXPECT_EQ(backend_->holds(), holds) << "a delivery waits on servers: it holds no card";
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, UndeliverableNotificationsFailAndStayCounted) {
  // Two notifications for a server nobody listens on (port 1 of this host).
  harness_.state().profiles.at(0).notification_configuration =
      std::vector<veuicc::NotificationConfig>{{veuicc::NotificationEvent::Disable, "127.0.0.1:1"},
                                              {veuicc::NotificationEvent::Enable, "127.0.0.1:1"}};
  harness_.state().profiles.at(1).notification_configuration =
      harness_.state().profiles.at(0).notification_configuration;
  ASSERT_EQ(run([&](auto done) { euicc_->refresh(done); }), std::nullopt);
  ASSERT_EQ(run([&](auto done) { euicc_->enable(kTravel, done); }), std::nullopt);
  ASSERT_EQ(euicc_->snapshot().pending_notifications, 2u);
  bool finished = false;
  std::optional<Error> error;
  euicc_->process_notifications([&](const std::optional<Error>& e, unsigned) {
    error = e;
    finished = true;
  });
  ASSERT_TRUE(run_until([&] { return finished; }));
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(std::string(error->what()).find("none of the 2"), std::string::npos) << error->what();
  EXPECT_EQ(error->code(), Errc::Network) << error->what();
  EXPECT_EQ(euicc_->snapshot().pending_notifications, 2u);
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, WrongStateIsRefusedAndTheCacheStaysTrue) {
  auto error = run([&](auto done) { euicc_->enable(kHome, done); });  // already enabled
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Errc::WrongState) << error->what();
  expect_cache_is_the_card();
  error = run([&](auto done) { euicc_->remove(kHome, done); });  // enabled: not deletable
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Errc::WrongState) << error->what();
  EXPECT_EQ(harness_.state().profiles.size(), 3u);
  error = run([&](auto done) { euicc_->disable(kTravel, done); });  // not enabled
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Errc::WrongState) << error->what();
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, UnknownProfileIsNotFound) {
  for (auto change : std::vector<std::function<void(Euicc::Done)>>{
           [&](auto done) { euicc_->enable(kAbsent, done); },
           [&](auto done) { euicc_->disable(kAbsent, done); },
           [&](auto done) { euicc_->remove(kAbsent, done); },
           [&](auto done) { euicc_->set_nickname(kAbsent, "x", done); }}) {
    auto error = run(change);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->code(), Errc::NotFound) << error->what();
    expect_cache_is_the_card();
  }
}

// Another program enabled a profile behind the daemon's back: the change fails on the card,
// and the re-read after the error brings the cache back to the truth.
TEST_F(DaemonEuicc, ACacheOutOfStepIsCorrectedByTheError) {
  harness_.state().profiles.at(0).enabled = false;
  harness_.state().profiles.at(2).enabled = true;
  auto error = run([&](auto done) { euicc_->disable(kHome, done); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Errc::WrongState) << error->what();
  EXPECT_EQ(euicc_->snapshot().enabled_profile()->iccid, kLab);
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, CardGoneFailsTheChangeAndTheNextSessionRereadsEverything) {
  backend_->card().pull();
  auto error = run([&](auto done) { euicc_->enable(kTravel, done); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Errc::CardRemoved) << error->what();
  // Nothing reached the card, and with the card gone the daemon keeps what it knew.
  EXPECT_TRUE(harness_.state().profiles.at(0).enabled);
  EXPECT_EQ(euicc_->snapshot().enabled_profile()->iccid, kHome);
  error = run([&](auto done) { euicc_->refresh(done); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Errc::CardRemoved) << error->what();

  // Back in, changed meanwhile elsewhere: the first change re-reads everything before it runs.
  harness_.state().profiles.at(2).nickname = "changed while out";
  backend_->card().insert();
  EXPECT_EQ(run([&](auto done) { euicc_->enable(kTravel, done); }), std::nullopt);
  EXPECT_EQ(euicc_->snapshot().find_profile(kLab)->nickname, "changed while out");
  EXPECT_EQ(euicc_->snapshot().enabled_profile()->iccid, kTravel);
  expect_cache_is_the_card();
}

// A reset no one reported: the card answers 6881 on the channel it forgot; the link re-attaches,
// the change runs on a new channel and succeeds.
TEST_F(DaemonEuicc, UnreportedResetIsSurvivedOnANewChannel) {
  backend_->card().reset_silently();
  EXPECT_EQ(run([&](auto done) { euicc_->set_nickname(kTravel, "after reset", done); }),
            std::nullopt);
  EXPECT_EQ(backend_->card().reset_count(), 1u);
  EXPECT_EQ(euicc_->snapshot().find_profile(kTravel)->nickname, "after reset");
  expect_cache_is_the_card();
}

TEST_F(DaemonEuicc, RemovedFromTheRegistryAndBackAtTheSameIndex) {
  const unsigned index = euicc_->index();
  std::shared_ptr<Euicc> before = euicc_;
  registry_.slots_changed(backend_, {{kVirtualDevice, false, {}}});
  EXPECT_EQ(euicc_, nullptr);
  EXPECT_TRUE(before->is_shut_down());
  auto error = run([&](auto done) { before->refresh(done); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Errc::CardRemoved);
  plug_in();
  ASSERT_NE(euicc_, nullptr);
  EXPECT_EQ(euicc_->index(), index);
  expect_cache_is_the_card();
}

// A second backend (a modem beside the readers): its devices come and go without touching the
// first backend's eUICC, and its eUICC's changes go through it.
TEST_F(DaemonEuicc, BackendsAreServedSideBySide) {
  veuicc::CardConfig config;
  config.eid = from_hex("89049032123451234512345678900008");
  veuicc::testing::CardHarness other_card{seeded_state(), config, "",
                                          veuicc::testing::test_credentials()};
  auto modem = std::make_shared<VirtualEuiccBackend>(other_card.card(), "modem", "/modem/0");
  std::shared_ptr<Euicc> second;
  added_ = registry_.added.subscribe([&](const std::shared_ptr<Euicc>& e) { second = e; });
  registry_.slots_changed(modem, {{"/modem/0", true, {}}});
  ASSERT_TRUE(run_until([&] { return second != nullptr; }));
  EXPECT_EQ(second->transport(), "modem");
  EXPECT_EQ(second->reader(), "/modem/0");
  EXPECT_EQ(second->eid(), "89049032123451234512345678900008");
  EXPECT_NE(second->index(), euicc_->index());
  EXPECT_EQ(euicc_->transport(), "veuicc");
  EXPECT_EQ(registry_.euiccs().size(), 2u);

  EXPECT_EQ(run([&](auto done) { second->enable(kTravel, done); }), std::nullopt);
  EXPECT_TRUE(other_card.state().profiles.at(1).enabled);
  EXPECT_TRUE(harness_.state().profiles.at(0).enabled) << "the other card was not touched";
  EXPECT_EQ(modem->connects(), 1u);
  EXPECT_EQ(backend_->connects(), 1u);

  // The readers' backend reports its picture again: the modem's eUICC stays.
  registry_.slots_changed(backend_, {{kVirtualDevice, true, harness_.card().atr()}});
  EXPECT_EQ(registry_.euiccs().size(), 2u);
  // The modem goes: only its eUICC is withdrawn.
  registry_.slots_changed(modem, {});
  EXPECT_TRUE(second->is_shut_down());
  ASSERT_NE(euicc_, nullptr);
  EXPECT_FALSE(euicc_->is_shut_down());
  ASSERT_EQ(registry_.euiccs().size(), 1u);
  EXPECT_EQ(registry_.euiccs().begin()->second, euicc_);
  added_.reset();
  // The modem's worker ends before its card goes out of scope.
  EXPECT_TRUE(run_until([&] { return registry_.all_workers_finished(); }));
}

}  // namespace
