// euiccd-gui against the real daemon, driven the way a person (or a screen reader) uses it:
// under Xvfb with its own session bus and AT-SPI bus (dbus-run-session), a python3-pyatspi
// script (drive_gui.py) finds the widgets by their accessible names and presses them. Behind
// the window: the daemon rig (tests/support/daemon_rig.h) with euiccd on a private bus, the
// virtual eUICC behind the sandbox's pcscd, the test SM-DP+ on HTTPS, python-dbusmock as polkit
// and as ModemManager (whose modem answers the top-up USSD). After the script: the daemon's
// and the card's state, and what the modem was sent.
//
// Runs inside tests/integration/pcsc-sandbox.sh; skipped elsewhere.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kGui[] = EUICCD_BINARY_DIR "/gui/euiccd-gui";
constexpr char kDriver[] = EUICCD_SOURCE_DIR "/tests/gui/drive_gui.py";
// The card holds one enabled profile; the download brings a second (owner MCC 283 MNC 04:
// Karabakh Telecom in Debian's mobile-broadband-provider-info, top-up *123*CODE#).
constexpr char kHomeIccid[] = "8937404000000000012";
constexpr char kNewIccid[] = "8937404000000000038";
constexpr char kVoucher[] = "123456789012";
// The order whose activation code comes as a QR image (when the build reads them, qr/).
constexpr char kQrIccid[] = "8937404000000000046";

constexpr char kSeed[] = R"({
  "default_dp_address": "smdp.example.com",
  "memory": {"nvm_bytes": 1048576, "free_ram_bytes": 65536},
  "profiles": [
    {"iccid": "8937404000000000012", "state": "enabled", "nickname": "Home",
     "service_provider_name": "Karabakh Telecom", "profile_name": "Prepaid",
     "profile_class": "operational", "size": 90000, "profile_owner": {"mcc_mnc": "82F340"}}
  ]
})";

SharedSmdp& smdp() {
  static SharedSmdp s([] {
    nlohmann::json travel = euiccd::smdpp_test::order("GUI", kNewIccid, 5000);
    travel["metadata"]["serviceProviderName"] = "Karabakh Telecom";
    travel["metadata"]["profileName"] = "Travel";
    travel["metadata"]["profileOwner"]["mccMnc"] = "28304";
    travel["reusable"] = true;  // refused at the preview first, then installed
    nlohmann::json scanned = euiccd::smdpp_test::order("GUIQR", kQrIccid, 5000);
    scanned["metadata"]["profileName"] = "Scanned";
    return nlohmann::json::array({travel, scanned});
  }());
  return s;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(GuiTest, ListsDownloadsRenamesEnablesTopsUpAndDeletesThroughTheAccessibilityTree) {
  if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
  for (const char* tool : {"/usr/bin/Xvfb", "/usr/bin/xdotool", "/usr/bin/dbus-run-session",
                           "/usr/lib/python3/dist-packages/pyatspi/__init__.py"})
    if (access(tool, R_OK) != 0) GTEST_SKIP() << tool << " missing (scripts/install-deps.sh)";
  const std::string modem = std::string(R"({"modems": [{"sim": ")") + kNewIccid +
                            R"(", "model": "EG25", "ussd_script": {"*123*)" + kVoucher +
                            R"(#": {"reply": "Top-up of 500 AMD accepted"},
                                "*122#": {"reply": "Balance 1500 AMD", "state": 1}}}]})";
  // Below 2000 AMD is low: the balance check sends BalanceLow, which the window shows.
  const std::string config = std::string("[Profile:") + kNewIccid + "]\nLowBalanceThreshold=2000\n";
  DaemonRig rig({.card_seed = kSeed,
                 .daemon_config = config,
                 .smdp = smdp().server.get(),
                 .modem_manager = modem});
  rig.allow_all();

  const std::string log = rig.dir().file("gui.log");
  // dbus-run-session: the session bus where GTK and the script find the accessibility bus
  // (at-spi-bus-launcher); the script starts its own Xvfb. euiccd stays on the rig's bus.
  std::vector<std::string> argv = {"/usr/bin/dbus-run-session",
                                   "--",
                                   "/usr/bin/python3",
                                   kDriver,
                                   "--gui",
                                   kGui,
                                   "--bus",
                                   rig.bus_address(),
                                   "--code",
                                   smdp().activation_code("GUI"),
                                   "--home",
                                   kHomeIccid,
                                   "--iccid",
                                   kNewIccid,
                                   "--voucher",
                                   kVoucher};
#if EUICCD_GUI_HAVE_QR
  // The operator's QR code, as qrencode makes it, and an image without one.
  const std::string qr = rig.dir().file("code.png"), blank = rig.dir().file("blank.png");
  ASSERT_EQ(run_command({"/usr/bin/qrencode", "-s", "6", "-o", qr, smdp().activation_code("GUIQR")},
                        nullptr),
            0);
  ASSERT_EQ(run_command({"/usr/bin/convert", "-size", "200x200", "xc:white", blank}, nullptr), 0);
  for (const std::string& a : {std::string("--qr-image"), qr, std::string("--qr-iccid"),
                               std::string(kQrIccid), std::string("--blank-image"), blank})
    argv.push_back(a);
#endif
  // EUICCD_GUI_SCREENSHOTS=DIR: the pictures of docs/gui.md (desktop and phone width).
  if (const char* dir = std::getenv("EUICCD_GUI_SCREENSHOTS")) {
    argv.push_back("--screenshots");
    argv.push_back(dir);
  }
  Subprocess driver(argv, log);
  const int status = driver.wait_exit(100s);
  ASSERT_EQ(status, 0) << read_text(log) << rig.logs();
  std::printf("%s", read_text(log).c_str());  // the driver's steps and their times

  // What the window did is what the daemon and the card now say.
  const std::string path = DaemonRig::profile_path(kNewIccid);
  EXPECT_EQ(rig.get_string(path, kProfileIface, "State"), "enabled") << rig.logs();
  EXPECT_EQ(rig.get_string(path, kProfileIface, "Balance"), "Balance 1500 AMD");
  // The old profile, deleted after the dialog, is gone from the daemon and the card.
  EXPECT_TRUE(rig.card_profile(kHomeIccid).is_null());
#if EUICCD_GUI_HAVE_QR
  EXPECT_EQ(rig.get_paths(DaemonRig::euicc_path(), kEuiccIface, "Profiles"),
            (std::vector<std::string>{path, DaemonRig::profile_path(kQrIccid)}));
#else
  EXPECT_EQ(rig.get_paths(DaemonRig::euicc_path(), kEuiccIface, "Profiles"),
            std::vector<std::string>{path});
#endif
  EXPECT_EQ(rig.get_string(path, kProfileIface, "Nickname"), "Trips");
  EXPECT_EQ(rig.card_profile(kNewIccid).value("state", ""), "enabled");
  EXPECT_EQ(rig.modem_manager()->calls({"Initiate"}),
            (std::vector<std::string>{std::string("Initiate \"*123*") + kVoucher + "#\"",
                                      "Initiate \"*122#\""}));
}

}  // namespace
