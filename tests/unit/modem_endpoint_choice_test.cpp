// The transport/port/slot choice for ModemManager's modems, on port lists as real modems show
// them (mmcli output in public bug reports, docs/modem-research.md 6.1), and the
// [ModemOverride:<match>] section that changes it.
#include "daemon/modem_endpoint_choice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace euiccd::daemon {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kNet = 2, kAt = 3, kQcdm = 4, kGps = 5, kQmi = 6, kMbim = 7, kIgnored = 9;

// Quectel EM12-G in its default QMI mode (USB composition: DM, NMEA, AT, modem, rmnet).
ModemFacts quectel_em12() {
  ModemFacts m;
  m.object_path = "/org/freedesktop/ModemManager1/Modem/0";
  m.device = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-3";
  m.equipment_identifier = "866758040000001";
  m.primary_port = "cdc-wdm0";
  m.ports = {{"cdc-wdm0", kQmi}, {"ttyUSB0", kQcdm}, {"ttyUSB1", kGps},
             {"ttyUSB2", kAt},   {"ttyUSB3", kAt},   {"wwan0", kNet}};
  m.drivers = {"option", "qmi_wwan"};
  m.plugin = "quectel";
  return m;
}

// Intel XMM7560 (Fibocom L850/L860 family) on PCIe with the iosm driver: MBIM plus two AT ports
// (lpac #434), here with two SIM slots and the second one active.
ModemFacts intel_mbim_laptop() {
  ModemFacts m;
  m.object_path = "/org/freedesktop/ModemManager1/Modem/3";
  m.device = "/sys/devices/pci0000:00/0000:00:1c.0/0000:05:00.0";
  m.primary_port = "wwan0mbim0";
  m.ports = {{"wwan0", kNet}, {"wwan0at0", kAt}, {"wwan0at1", kAt}, {"wwan0mbim0", kMbim}};
  m.drivers = {"iosm"};
  m.plugin = "intel";
  m.sim_slots = {"/org/freedesktop/ModemManager1/SIM/0", "/org/freedesktop/ModemManager1/SIM/1"};
  m.primary_sim_slot = 2;
  return m;
}

// SIMCom SIM7000 on USB with only serial ports: ModemManager drives it over AT alone.
ModemFacts simcom_at_only() {
  ModemFacts m;
  m.object_path = "/org/freedesktop/ModemManager1/Modem/1";
  m.device = "/sys/devices/platform/soc/3f980000.usb/usb1/1-1/1-1.3";
  m.primary_port = "ttyUSB3";
  m.ports = {{"ttyUSB0", kQcdm}, {"ttyUSB1", kGps}, {"ttyUSB2", kAt}, {"ttyUSB3", kAt}};
  m.drivers = {"option"};
  m.plugin = "simtech";
  return m;
}

// A Qualcomm SoC (phone, SBC): the modem is reached over QRTR, which ModemManager names
// qrtr<node>.
ModemFacts qualcomm_soc() {
  ModemFacts m;
  m.object_path = "/org/freedesktop/ModemManager1/Modem/2";
  m.device = "qrtr0";
  m.primary_port = "qrtr0";
  m.ports = {{"qrtr0", kQmi}, {"rmnet_ipa0", kNet}};
  m.drivers = {"qcom-q6v5-mss"};
  m.plugin = "qcom-soc";
  return m;
}

ModemEndpoint expect_endpoint(const EndpointChoice& choice) {
  EXPECT_TRUE(choice.endpoint.has_value()) << choice.reason;
  return choice.endpoint.value_or(ModemEndpoint{});
}

TEST(ModemEndpointChoice, QuectelWithQmiAndAtPortsUsesQmi) {
  const EndpointChoice choice = choose_modem_endpoint(quectel_em12(), nullptr);
  const ModemEndpoint e = expect_endpoint(choice);
  EXPECT_EQ(e.key(), "qmi:/dev/cdc-wdm0#1");
  EXPECT_EQ(e.modem_object, "/org/freedesktop/ModemManager1/Modem/0");
  EXPECT_THAT(choice.reason, HasSubstr("QMI port cdc-wdm0"));
  EXPECT_THAT(choice.reason, HasSubstr("plugin quectel, drivers option,qmi_wwan"));
}

TEST(ModemEndpointChoice, IntelLaptopCardUsesMbimOnTheActiveSlot) {
  const EndpointChoice choice = choose_modem_endpoint(intel_mbim_laptop(), nullptr);
  EXPECT_EQ(expect_endpoint(choice).key(), "mbim:/dev/wwan0mbim0#2");
  EXPECT_THAT(choice.reason, HasSubstr("PrimarySimSlot"));

  ModemFacts first_slot = intel_mbim_laptop();
  first_slot.primary_sim_slot = 1;
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(first_slot, nullptr)).key(),
            "mbim:/dev/wwan0mbim0#1");
}

TEST(ModemEndpointChoice, AtOnlyModemUsesItsPrimaryAtPort) {
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(simcom_at_only(), nullptr)).key(),
            "at:/dev/ttyUSB3#1");
  // Without a PrimaryPort of type AT, the first AT port in ModemManager's order.
  ModemFacts no_primary = simcom_at_only();
  no_primary.primary_port = "";
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(no_primary, nullptr)).key(), "at:/dev/ttyUSB2#1");
}

TEST(ModemEndpointChoice, QualcommSocUsesQrtr) {
  const EndpointChoice choice = choose_modem_endpoint(qualcomm_soc(), nullptr);
  EXPECT_EQ(expect_endpoint(choice).key(), "qmi:qrtr://0#1");
  EXPECT_THAT(choice.reason, HasSubstr("plugin qcom-soc"));
}

TEST(ModemEndpointChoice, QmiWinsOverMbimAndSeveralQmiPortsFollowPrimaryPort) {
  ModemFacts m = quectel_em12();
  m.ports.insert(m.ports.begin(), {"cdc-wdm1", kMbim});
  m.ports.push_back({"cdc-wdm2", kQmi});
  m.primary_port = "cdc-wdm2";
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(m, nullptr)).key(), "qmi:/dev/cdc-wdm2#1");
}

TEST(ModemEndpointChoice, NoUsablePortIsNoEndpointWithThePortsListed) {
  ModemFacts m = simcom_at_only();
  m.ports = {{"ttyUSB0", kQcdm}, {"ttyUSB2", kIgnored}};  // an ignored port is never guessed
  const EndpointChoice choice = choose_modem_endpoint(m, nullptr);
  EXPECT_FALSE(choice.endpoint);
  EXPECT_THAT(choice.reason,
              HasSubstr("no QMI, MBIM or AT port (ttyUSB0 (qcdm), ttyUSB2 (ignored))"));
}

TEST(ModemEndpointChoice, ActiveSlotOutsideTheSlotListIsNoEndpoint) {
  ModemFacts m = intel_mbim_laptop();
  m.primary_sim_slot = 3;
  const EndpointChoice choice = choose_modem_endpoint(m, nullptr);
  EXPECT_FALSE(choice.endpoint);
  EXPECT_THAT(choice.reason, HasSubstr("SIM slot 3 active of 2"));
}

TEST(ModemEndpointChoice, OverrideForcesAt) {
  ModemOverrideConfig at;
  at.transport = ModemTransport::At;
  // PrimaryPort is the QMI port, so the first AT port.
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(quectel_em12(), &at)).key(), "at:/dev/ttyUSB2#1");

  // A port ModemManager was told to leave alone (ID_MM_PORT_IGNORE), named with its path.
  ModemFacts m = quectel_em12();
  m.ports[4].type = kIgnored;
  at.port = "/dev/ttyUSB3";
  const EndpointChoice choice = choose_modem_endpoint(m, &at);
  EXPECT_EQ(expect_endpoint(choice).key(), "at:/dev/ttyUSB3#1");
  EXPECT_THAT(choice.reason, HasSubstr("Port="));
}

TEST(ModemEndpointChoice, OverridePortTakesItsTransportFromModemManager) {
  ModemOverrideConfig port;
  port.port = "ttyUSB3";
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(quectel_em12(), &port)).key(),
            "at:/dev/ttyUSB3#1");

  port.port = "ttyUSB0";  // QCDM: no way to carry APDUs unless Transport= says so
  EndpointChoice choice = choose_modem_endpoint(quectel_em12(), &port);
  EXPECT_FALSE(choice.endpoint);
  EXPECT_THAT(choice.reason, HasSubstr("ttyUSB0 is a qcdm port; add Transport="));

  port.port = "ttyACM9";  // not one of its ports
  choice = choose_modem_endpoint(quectel_em12(), &port);
  EXPECT_FALSE(choice.endpoint);
  EXPECT_THAT(choice.reason, HasSubstr("not one of its ports"));
  port.transport = ModemTransport::At;
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(quectel_em12(), &port)).key(),
            "at:/dev/ttyACM9#1");
}

TEST(ModemEndpointChoice, OverrideTransportWithoutSuchPortIsNoEndpoint) {
  ModemOverrideConfig mbim;
  mbim.transport = ModemTransport::Mbim;
  const EndpointChoice choice = choose_modem_endpoint(quectel_em12(), &mbim);
  EXPECT_FALSE(choice.endpoint);
  EXPECT_THAT(choice.reason, HasSubstr("Transport=mbim but it has no such port"));
}

TEST(ModemEndpointChoice, OverrideSlot) {
  ModemOverrideConfig slot;
  slot.slot = 2;
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(quectel_em12(), &slot)).key(),
            "qmi:/dev/cdc-wdm0#2");
}

// SimRestart= of an override goes with the endpoint when the chosen transport can do it; a
// way it cannot (the override has no Transport= to check it against when the file is read)
// leaves the transport's default, and the journal's reason says so.
TEST(ModemEndpointChoice, OverrideSimRestartFollowsTheChosenTransport) {
  ModemOverrideConfig power;
  power.sim_restart = SimRestart::PowerCycle;
  const EndpointChoice qmi = choose_modem_endpoint(quectel_em12(), &power);
  EXPECT_EQ(expect_endpoint(qmi).sim_restart, SimRestart::PowerCycle);
  const EndpointChoice mbim = choose_modem_endpoint(intel_mbim_laptop(), &power);
  EXPECT_EQ(expect_endpoint(mbim).sim_restart, std::nullopt);
  EXPECT_THAT(mbim.reason, HasSubstr("SimRestart=power-cycle is not a way of mbim modems "
                                     "(refresh or uicc-reset), its default refresh applies"));
  EXPECT_EQ(expect_endpoint(choose_modem_endpoint(quectel_em12(), nullptr)).sim_restart,
            std::nullopt);
}

TEST(ModemEndpointChoice, IgnoreYesIsNoEndpoint) {
  ModemOverrideConfig ignore;
  ignore.ignore = true;
  ignore.transport = ModemTransport::Qmi;
  const EndpointChoice choice = choose_modem_endpoint(quectel_em12(), &ignore);
  EXPECT_FALSE(choice.endpoint);
  EXPECT_THAT(choice.reason, HasSubstr("Ignore=yes"));
}

TEST(ModemEndpointChoice, OverrideFoundByDeviceThenByImei) {
  std::map<std::string, ModemOverrideConfig, std::less<>> all;
  all["866758040000001"].slot = 2;
  const ModemFacts m = quectel_em12();
  ASSERT_NE(find_modem_override(m, all), nullptr);
  EXPECT_EQ(find_modem_override(m, all)->slot, 2u);
  all[m.device].ignore = true;  // Device is asked first
  EXPECT_TRUE(find_modem_override(m, all)->ignore);
  EXPECT_EQ(find_modem_override(simcom_at_only(), all), nullptr);
  ModemFacts no_ids;  // an empty Device never matches anything
  all[""].ignore = true;
  EXPECT_EQ(find_modem_override(no_ids, all), nullptr);
}

TEST(ModemOverrideConfigTest, SectionKeysAndBadValues) {
  LoadedConfig loaded;
  load_config_text(
      "[ModemOverride:/sys/devices/pci0000:00/0000:00:14.0/usb2/2-3]\n"
      "Transport=at\n"
      "Port=/dev/ttyUSB3\n"
      "Slot=2\n"
      "[ModemOverride:866758040000001]\n"
      "Ignore=yes\n"
      "Transport=pcsc\n"
      "Slot=0\n"
      "Port=../../etc/shadow\n"
      "IGNORE=yes\n"
      "[ModemOverride:]\n"
      "Ignore=yes\n",
      "test.conf", loaded);
  const auto& overrides = loaded.config.modem_overrides;
  ASSERT_EQ(overrides.size(), 2u);
  const ModemOverrideConfig& usb = overrides.at("/sys/devices/pci0000:00/0000:00:14.0/usb2/2-3");
  EXPECT_EQ(usb.transport, ModemTransport::At);
  EXPECT_EQ(usb.port, "/dev/ttyUSB3");
  EXPECT_EQ(usb.slot, 2u);
  EXPECT_FALSE(usb.ignore);
  const ModemOverrideConfig& imei = overrides.at("866758040000001");
  EXPECT_TRUE(imei.ignore);
  EXPECT_FALSE(imei.transport);
  EXPECT_FALSE(imei.slot);
  EXPECT_FALSE(imei.port);

  ASSERT_EQ(loaded.diagnostics.size(), 5u);
  EXPECT_EQ(loaded.diagnostics[0].line, 7u);
  EXPECT_THAT(loaded.diagnostics[0].message, HasSubstr("not a modem transport (qmi, mbim or at)"));
  EXPECT_EQ(loaded.diagnostics[1].line, 8u);
  EXPECT_THAT(loaded.diagnostics[1].message, HasSubstr("not a SIM slot"));
  EXPECT_EQ(loaded.diagnostics[2].line, 9u);
  EXPECT_THAT(loaded.diagnostics[2].message, HasSubstr("not a port name"));
  EXPECT_EQ(loaded.diagnostics[3].line, 10u);
  EXPECT_THAT(loaded.diagnostics[3].message, HasSubstr("did you mean 'Ignore'"));
  EXPECT_EQ(loaded.diagnostics[4].line, 11u);
  EXPECT_THAT(loaded.diagnostics[4].message, HasSubstr("needs a modem's Device"));
}

TEST(ModemOverrideConfigTest, EmptyAssignmentResets) {
  LoadedConfig loaded;
  load_config_text("[ModemOverride:x]\nTransport=qmi\nSlot=2\nIgnore=yes\nPort=cdc-wdm0\n",
                   "a.conf", loaded);
  load_config_text("[ModemOverride:x]\nTransport=\nSlot=\nIgnore=\nPort=\n", "b.conf", loaded);
  EXPECT_TRUE(loaded.diagnostics.empty());
  const ModemOverrideConfig& x = loaded.config.modem_overrides.at("x");
  EXPECT_FALSE(x.transport);
  EXPECT_FALSE(x.slot);
  EXPECT_FALSE(x.ignore);
  EXPECT_FALSE(x.port);
}

}  // namespace
}  // namespace euiccd::daemon
