// The modem backends (daemon/modem_backend.h): the union of the endpoint sources as CardSlots,
// hot-plug by a source forgetting an endpoint, which source's details win, the per-carrier
// card settings, the refusal to reach a proxied modem as a non-root user, and the SIM restart
// of a switch (issue 13) through a connection.
#include <gtest/gtest.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "apdu/channel_link.h"
#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"
#include "daemon/modem_backend.h"
#include "daemon/modem_sim_restart.h"
#include "lpa/es10_client.h"
#include "modem/at/at_channel_link.h"
#include "sdbus/sdbus.h"
#include "tests/unit/veuicc_fixture.h"
#include "vmodem/at/pty_modem.h"

namespace {

using namespace euiccd;
using namespace euiccd::daemon;
using namespace std::chrono_literals;

// A real AT link; it touches its port only on open(), which these tests never call.
ModemCarrier at_carrier(std::vector<ModemSetup>* built = nullptr) {
  return {ModemTransport::At,
          [built](const ModemSetup& setup) -> std::unique_ptr<modem::ModemLink> {
            if (built) built->push_back(setup);
            return std::make_unique<modem::at::AtChannelLink>(
                modem::at::AtLinkOptions{setup.endpoint.device, setup.timeout.value_or(5000ms)});
          },
          modem::at::AtChannelLink::kSegmentSize, false};
}

class ModemBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/euiccd-modem-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::ofstream(port_a()) << "";
    std::ofstream(port_b()) << "";
    ASSERT_GE(sd_event_new(event_.put()), 0);
    loop_ = std::make_unique<LoopQueue>(event_);
  }
  void TearDown() override {
    loop_.reset();
    event_.reset();
    unlink(port_a().c_str());
    unlink(port_b().c_str());
    rmdir(dir_.c_str());
  }
  std::string port_a() const { return dir_ + "/ttyUSB2"; }
  std::string port_b() const { return dir_ + "/ttyUSB5"; }

  // A watch on `backend` that keeps the last picture it was given.
  std::unique_ptr<DeviceWatch> watch(ModemBackend& backend) {
    // The watch hands pictures on at once: its sources call it on the loop thread already.
    auto w = backend.watch(*loop_, [this](const std::vector<CardSlot>& slots) {
      pictures_++;
      last_ = slots;
    });
    w->start();
    return w;
  }
  std::vector<std::string> devices() const {
    std::vector<std::string> out;
    for (const auto& s : last_) out.push_back(s.device);
    return out;
  }

  std::string dir_;
  euiccd::sdbus::Event event_;
  std::unique_ptr<LoopQueue> loop_;
  int pictures_ = 0;
  std::vector<CardSlot> last_;
};

ModemEndpoint at(const std::string& device, std::string modem_object = {}) {
  return {ModemTransport::At, device, 1, std::move(modem_object)};
}

TEST_F(ModemBackendTest, ServesTheUnionOfItsSourcesAndForgetsWhatNoSourceNames) {
  ModemBackend backend(at_carrier());
  auto w = watch(backend);
  EXPECT_EQ(pictures_, 1);
  EXPECT_TRUE(last_.empty());

  backend.set_endpoints("config", {{at(port_a()), std::nullopt}});
  backend.set_endpoints("mm", {{at(port_a()), std::nullopt}, {at(port_b()), std::nullopt}});
  EXPECT_EQ(pictures_, 3);
  EXPECT_EQ(devices(), (std::vector<std::string>{at(port_a()).key(), at(port_b()).key()}));
  for (const auto& s : last_) EXPECT_TRUE(s.card_present) << s.device;

  // ModemManager no longer has the second modem: it leaves, like a reader unplugged; the
  // first stays, the configuration still names it.
  backend.set_endpoints("mm", {});
  EXPECT_EQ(devices(), std::vector<std::string>{at(port_a()).key()});
  backend.set_endpoints("config", {});
  EXPECT_TRUE(last_.empty());

  // A stopped watch hears nothing more.
  w->stop();
  backend.set_endpoints("config", {{at(port_a()), std::nullopt}});
  EXPECT_TRUE(last_.empty());
}

TEST_F(ModemBackendTest, EndpointsOfOtherTransportsAreNotItsBusiness) {
  ModemBackend backend(at_carrier());
  auto w = watch(backend);
  backend.set_endpoints(
      "mm", {{{ModemTransport::Qmi, "/dev/cdc-wdm0", 1, "/org/freedesktop/ModemManager1/Modem/0"},
              std::nullopt},
             {at(port_a()), std::nullopt}});
  EXPECT_EQ(devices(), std::vector<std::string>{at(port_a()).key()});
  EXPECT_EQ(backend.name(), "at");
}

TEST_F(ModemBackendTest, ModemManagersObjectAndTheConfigurationsTimeoutBothApply) {
  std::vector<ModemSetup> built;
  ModemBackend backend(at_carrier(&built));
  auto w = watch(backend);
  backend.set_endpoints("config", {{at(port_a()), 1500ms}});
  backend.set_endpoints("mm", {{at(port_a(), "/org/freedesktop/ModemManager1/Modem/3"), {}}});
  ASSERT_EQ(last_.size(), 1u);
  EXPECT_EQ(backend.modem_object(last_[0].device), "/org/freedesktop/ModemManager1/Modem/3");

  std::unique_ptr<CardConnection> c = backend.connect(at(port_a()).key());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->hold(), nullptr);  // the modem keeps the channel to itself
  ASSERT_EQ(built.size(), 1u);
  EXPECT_EQ(built[0].timeout, std::optional<std::chrono::milliseconds>(1500ms));
  auto& link = dynamic_cast<modem::at::AtChannelLink&>(c->link());
  EXPECT_EQ(link.options().port, port_a());
  EXPECT_EQ(link.options().command_timeout, 1500ms);
}

TEST_F(ModemBackendTest, AMissingDeviceNodeHasNoCardAndAReplacedOneIsANewCard) {
  ModemBackend backend(at_carrier());
  auto w = watch(backend);
  backend.set_endpoints("config",
                        {{at(dir_ + "/ttyACM9"), std::nullopt}, {at(port_a()), std::nullopt}});
  ASSERT_EQ(last_.size(), 2u);
  EXPECT_FALSE(last_[0].card_present);  // "at:/tmp/.../ttyACM9#1" sorts first
  EXPECT_TRUE(last_[1].card_present);
  const Bytes before = last_[1].identity;

  // The port goes and comes back (a modem replugged): another node, another identity. (Made
  // before the old one goes, so the file system cannot hand out the same inode again.)
  std::ofstream(port_a() + ".new") << "";
  ASSERT_EQ(rename((port_a() + ".new").c_str(), port_a().c_str()), 0);
  backend.set_endpoints("config", {{at(port_a()), std::nullopt}});
  ASSERT_EQ(last_.size(), 1u);
  EXPECT_NE(last_[0].identity, before);
}

TEST_F(ModemBackendTest, AnEndpointNoLongerServedIsNoReader) {
  ModemBackend backend(at_carrier());
  try {
    backend.connect(at(port_a()).key());
    FAIL() << "connected to an endpoint nobody named";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::NoReader) << e.what();
  }
}

TEST_F(ModemBackendTest, AtStartsStoreDataAtItsShorterSegment) {
  ModemBackend backend(at_carrier());
  CardSettings configured;
  EXPECT_EQ(backend.card_settings(configured).segment_size, modem::at::AtChannelLink::kSegmentSize);
  configured.segment_size = 64;  // [Readers] SegmentSize= lower still: kept
  EXPECT_EQ(backend.card_settings(configured).segment_size, 64u);
}

TEST_F(ModemBackendTest, SwitchesAskTheModemForARefresh) {
  ModemBackend backend(at_carrier());
  CardSettings configured;  // PC/SC's default: no refreshFlag (no terminal to carry it out)
  ASSERT_FALSE(configured.refresh_on_switch);
  EXPECT_TRUE(backend.card_settings(configured).refresh_on_switch);
}

// The SIM restart of a switch (issue 13): the endpoint's configured way (`SimRestart=`, from
// the configuration or a [ModemOverride:] through ModemManager's source), else the transport's
// default; a connection refuses a way its transport has not, and Refresh needs nothing.
TEST_F(ModemBackendTest, SimRestartIsTheConfiguredWayElseTheTransportsDefault) {
  ModemBackend backend(at_carrier());
  auto w = watch(backend);
  ModemEndpoint refreshing = at(port_b());
  refreshing.sim_restart = SimRestart::Refresh;
  backend.set_endpoints("config", {{at(port_a()), std::nullopt}, {refreshing, std::nullopt}});
  EXPECT_EQ(backend.sim_restart(at(port_a()).key()), SimRestart::Cfun);
  EXPECT_EQ(backend.sim_restart(refreshing.key()), SimRestart::Refresh);
  // ModemManager's picture of the same modem keeps the configuration's way.
  backend.set_endpoints("mm", {{at(port_b(), "/org/freedesktop/ModemManager1/Modem/1"), {}}});
  EXPECT_EQ(backend.sim_restart(refreshing.key()), SimRestart::Refresh);
  EXPECT_EQ(backend.sim_restart("at:/dev/ttyUSB9#1"), SimRestart::Cfun);  // not served (yet)

  std::unique_ptr<CardConnection> c = backend.connect(at(port_a()).key());
  EXPECT_NO_THROW(c->restart_sim(SimRestart::Refresh));  // the modem did it on the card's word
  for (SimRestart other : {SimRestart::PowerCycle, SimRestart::UiccReset}) {
    try {
      c->restart_sim(other);
      ADD_FAILURE() << "an AT modem restarted its SIM by " << sim_restart_name(other);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::NotSupported) << e.what();
      EXPECT_NE(std::string(e.what()).find("only refresh or cfun"), std::string::npos) << e.what();
    }
  }
}

// The seam as a switch uses it, on the card worker: connection.restart_sim(
// *backend.sim_restart(device)), here on a real AT link to the emulated AT modem (in-process,
// on a pty): AT+CFUN=0/1 reach the modem, the session is gone (a counted reset), and the same
// connection's link opens a new one on the next command.
TEST_F(ModemBackendTest, AConnectionRestartsTheSimTheWayTheBackendSays) {
  veuicc::testing::CardHarness harness;
  const std::string port = dir_ + "/ttyAT0";
  std::atomic<bool> stop{false};
  vmodem::at::AtModemOptions modem_options;
  std::thread modem([&] { vmodem::at::run_pty_modem(harness.card(), modem_options, port, stop); });
  for (int i = 0; i < 500 && access(port.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(access(port.c_str(), F_OK), 0) << "the emulated AT modem made no port";

  ModemBackend backend(at_carrier());
  backend.set_endpoints("config", {{at(port), 2000ms}});
  const std::string device = at(port).key();
  {
    std::unique_ptr<CardConnection> c = backend.connect(device);
    apdu::LogicalChannel channel(c->link());
    apdu::Es10Channel es10_channel(channel);
    lpa::Es10Client es10(es10_channel);
    EXPECT_EQ(es10.get_eid(), veuicc::testing::kEid);
    const std::optional<SimRestart> how = backend.sim_restart(device);
    ASSERT_EQ(how, SimRestart::Cfun);
    c->restart_sim(*how);
    EXPECT_EQ(c->link().reset_count(), 1u);
    EXPECT_EQ(es10.get_eid(), veuicc::testing::kEid);  // a new session on the same link
    EXPECT_EQ(c->link().reset_count(), 1u);
  }
  stop = true;
  modem.join();
  unlink(port.c_str());
}

TEST(ModemSimRestart, EachTransportHasItsOwnWayAndADefault) {
  EXPECT_EQ(default_sim_restart(ModemTransport::Qmi), SimRestart::PowerCycle);
  EXPECT_EQ(default_sim_restart(ModemTransport::Mbim), SimRestart::Refresh);
  EXPECT_EQ(default_sim_restart(ModemTransport::At), SimRestart::Cfun);
  EXPECT_TRUE(can_restart_sim(ModemTransport::Mbim, SimRestart::UiccReset));
  EXPECT_FALSE(can_restart_sim(ModemTransport::Mbim, SimRestart::Cfun));
  EXPECT_FALSE(can_restart_sim(ModemTransport::Qmi, SimRestart::UiccReset));
  for (auto t : {ModemTransport::Qmi, ModemTransport::Mbim, ModemTransport::At}) {
    EXPECT_TRUE(can_restart_sim(t, SimRestart::Refresh));
    EXPECT_TRUE(can_restart_sim(t, default_sim_restart(t)));
  }
  for (auto how :
       {SimRestart::Refresh, SimRestart::PowerCycle, SimRestart::UiccReset, SimRestart::Cfun})
    EXPECT_EQ(parse_sim_restart(sim_restart_name(how)), how);
  EXPECT_EQ(parse_sim_restart("Refresh"), std::nullopt);
}

TEST(ModemProxyAccess, TheProxiesServeRootOnlyAndTheMessageSaysWhatToDo) {
  EXPECT_EQ(proxy_access_problem(ModemTransport::Qmi, 0), "");
  EXPECT_EQ(proxy_access_problem(ModemTransport::At, 1000), "");  // a tty: the dialout group
  const std::string qmi = proxy_access_problem(ModemTransport::Qmi, 998);
  EXPECT_NE(qmi.find("qmi-proxy"), std::string::npos) << qmi;
  EXPECT_NE(qmi.find("root"), std::string::npos) << qmi;
  EXPECT_NE(qmi.find("docs/configuration.md"), std::string::npos) << qmi;
  EXPECT_NE(proxy_access_problem(ModemTransport::Mbim, 998).find("mbim-proxy"), std::string::npos);
}

TEST(ModemBackends, EachSourcesEndpointsGoToTheBackendOfTheirTransport) {
  ModemBackends backends(
      {{ModemTransport::At, nullptr, 120, false}, {ModemTransport::Qmi, nullptr, 255, true}});
  ASSERT_EQ(backends.backends().size(), 2u);
  backends.source("ModemManager")({{ModemTransport::Qmi, "/dev/cdc-wdm0", 2, "/m/0"},
                                   {ModemTransport::At, "/dev/ttyUSB2", 1, "/m/1"},
                                   {ModemTransport::Mbim, "/dev/cdc-wdm1", 1, "/m/2"}});
  EXPECT_EQ(backends.backends()[0]->slots().size(), 1u);
  ASSERT_EQ(backends.backends()[1]->slots().size(), 1u);
  EXPECT_EQ(backends.backends()[1]->slots()[0].device, "qmi:/dev/cdc-wdm0#2");
  EXPECT_EQ(backends.backends()[1]->modem_object("qmi:/dev/cdc-wdm0#2"), "/m/0");
}

}  // namespace
