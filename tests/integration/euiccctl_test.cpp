// euiccctl against the real daemon, the way a person at a terminal uses it: a private
// dbus-daemon, euiccd on it with the veuicc card behind the sandbox's pcscd, the Python test
// SM-DP+/SM-DS on loopback, and python-dbusmock's polkitd template standing in for polkit.
// Every check looks at euiccctl's exit status, its stdout (text and --json) and its stderr.
//
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped otherwise, and when
// the euiccd, euiccctl or veuicc binaries have not been built.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/dbusmock_modemmanager.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using euiccd::smdpp_test::kSmdpHost;
using euiccd::smdpp_test::kSmdsHost;
using euiccd::smdpp_test::Server;
using euiccd::testing::Subprocess;
using euiccd::testing::TempDir;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEid[] = "89049032123451234512345678901235";  // tests/pki/make-test-pki.sh
constexpr char kTravelIccid[] = "8944000000000000017";
constexpr char kHomeIccid[] = "8944000000000000025";
constexpr char kEventIccid[] = "8944000000000000033";
constexpr char kEuiccd[] = EUICCD_BINARY_DIR "/daemon/euiccd";
constexpr char kEuiccctl[] = EUICCD_BINARY_DIR "/euiccctl/euiccctl";
constexpr char kVeuicc[] = EUICCD_BINARY_DIR "/veuicc/veuicc";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Outcome {
  int status = -1;  // exit status; -1: killed at the deadline
  std::string out;
  std::string err;
};

// A program started with `input` on stdin and its stdout/stderr going to files in `dir`.
struct Started {
  pid_t pid = -1;
  std::string dir;
};

Started start(const std::vector<std::string>& argv, const std::string& dir,
              const std::string& input) {
  const std::string in_path = dir + "/stdin", out_path = dir + "/stdout",
                    err_path = dir + "/stderr";
  std::ofstream(in_path) << input;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Started started{-1, dir};
  if (posix_spawn(&started.pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    started.pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  return started;
}

// Waits for the program's exit (killing it after `deadline`) and collects what it wrote.
Outcome finish(const Started& started, std::chrono::milliseconds deadline) {
  Outcome result;
  if (started.pid < 0) {
    result.err = "cannot start the program";
    return result;
  }
  const auto end = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  while (waitpid(started.pid, &status, WNOHANG) != started.pid) {
    if (std::chrono::steady_clock::now() > end) {
      kill(started.pid, SIGKILL);
      waitpid(started.pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  result.status = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(started.dir + "/stdout");
  result.err = read_file(started.dir + "/stderr");
  return result;
}

Outcome run(const std::vector<std::string>& argv, const std::string& dir,
            const std::string& input = {}, std::chrono::milliseconds deadline = 60s) {
  return finish(start(argv, dir, input), deadline);
}

std::string describe(const Outcome& r) {
  return "exit " + std::to_string(r.status) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
}

// Polls `ready` every 100 ms until it holds or `deadline` passes.
template <typename Pred>
bool wait_for(Pred ready, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// A bus that lets everyone own and call everything (session.conf's policy): the system bus
// policy has its own test (systemd_dbus_policy); here polkit is what decides.
void write_bus_config(const std::string& path, const std::string& address) {
  std::ofstream(path)
      << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
         " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
         "<busconfig><listen>"
      << address
      << "</listen><auth>EXTERNAL</auth><policy context=\"default\">"
         "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
         "<allow own=\"*\"/></policy></busconfig>\n";
}

json order(const std::string& matching_id, const std::string& iccid, const std::string& name) {
  json o = euiccd::smdpp_test::order(matching_id, iccid, 6000);
  o["metadata"]["profileName"] = name;
  o["reusable"] = true;
  return o;
}

// The whole world for this binary, set up once: PKI, servers, card, bus, polkit, daemon.
struct World {
  TempDir dir;
  std::string pki = euiccd::smdpp_test::shared_test_pki();
  std::string bus_address = "unix:path=" + dir.path() + "/bus";
  std::unique_ptr<Server> smdp, smds;
  std::unique_ptr<Subprocess> veuicc, bus, polkit, daemon;

  explicit World(uint16_t vpcd_port) {
    smdp = std::make_unique<Server>(
        pki,
        euiccd::smdpp_test::smdp_config(kSmdpHost, {order("TRAVEL", kTravelIccid, "Travel plan"),
                                                    order("HOME", kHomeIccid, "Home plan"),
                                                    order("EVT-1", kEventIccid, "Event plan")}),
        dir.file("smdp.log"));
    smds = std::make_unique<Server>(
        pki,
        euiccd::smdpp_test::smds_config(
            kSmdsHost,
            json::array(
                {{{"eid", kEid}, {"eventId", "EVT-1"}, {"rspServerAddress", smdp->address()}}})),
        dir.file("smds.log"));

    veuicc = std::make_unique<Subprocess>(
        std::vector<std::string>{kVeuicc, "--state", dir.file("card.json"), "--euicc-cert",
                                 pki + "/euicc.pem", "--euicc-key", pki + "/euicc.key",
                                 "--eum-cert", pki + "/eum.pem", "--ci-cert", pki + "/ci.pem",
                                 "--vpcd-port", std::to_string(vpcd_port)},
        dir.file("veuicc.log"));

    write_bus_config(dir.file("bus.conf"), bus_address);
    bus = std::make_unique<Subprocess>(
        std::vector<std::string>{"/usr/bin/dbus-daemon", "--config-file=" + dir.file("bus.conf"),
                                 "--nofork", "--nopidfile"},
        dir.file("bus.log"));
    if (!wait_for([&] { return busctl({"list"}).status == 0; }, 10s))
      throw std::runtime_error("dbus-daemon did not start: " + read_file(dir.file("bus.log")));
    setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address.c_str(), 1);
    setenv("EUICCD_BUS_ADDRESS", bus_address.c_str(), 1);  // what euiccctl finds by default

    polkit = std::make_unique<Subprocess>(
        std::vector<std::string>{"/usr/bin/python3", "-m", "dbusmock", "--template", "polkitd"},
        dir.file("polkit.log"));
    if (!wait_for(
            [&] {
              return busctl({"status", "org.freedesktop.PolicyKit1"}).status == 0;
            },
            20s))
      throw std::runtime_error("polkitd mock did not start: " + read_file(dir.file("polkit.log")));
    allow_all();

    std::filesystem::create_directories(dir.file("conf.d"));
    std::ofstream(dir.file("euiccd.conf"))
        << "[Readers]\nAllow=Virtual PCD 00 00\n"
           "[Notifications]\n# the test sends them itself with 'notifications process'\n"
           "AutoProcess=no\nRetryIntervalSec=0\n"
           // The test operator's prepaid codes (the test profiles' owner is in no database).
           "[Profile:"
        << kTravelIccid << "]\nBalanceUssd=*100#\nTopUpUssd=*101*CODE#\n";
    daemon = std::make_unique<Subprocess>(
        std::vector<std::string>{
            kEuiccd, "--bus", bus_address, "--config", dir.file("euiccd.conf"), "--config-dir",
            dir.file("conf.d"), "--state-dir", dir.file("state"), "--ca", pki + "/ci.pem",
            "--resolve", smdp->resolve_entry(), "--resolve", smds->resolve_entry(), "--verbose"},
        dir.file("euiccd.log"));
    const bool ready = wait_for(
        [&] {
          Outcome r = euiccctl({"--json", "status"});
          if (r.status != 0) return false;
          json s = json::parse(r.out, nullptr, false);
          return s.is_object() && !s["euiccs"].empty();
        },
        30s);
    if (!ready) throw std::runtime_error("euiccd did not show the card: " + log_tail());
  }

  Outcome busctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/busctl", "--address=" + bus_address});
    return run(args, dir.path(), {}, 10s);
  }
  Outcome run_program(const std::vector<std::string>& argv) {
    return run(argv, dir.path(), {}, 90s);
  }
  Outcome euiccctl(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), kEuiccctl);
    return run(args, dir.path(), input, 90s);
  }
  // polkit's answers: every action allowed, or only these.
  void mock_polkit(const std::string& method, std::vector<std::string> args) {
    std::vector<std::string> call = {"call", "org.freedesktop.PolicyKit1",
                                     "/org/freedesktop/PolicyKit1/Authority",
                                     "org.freedesktop.DBus.Mock", method};
    call.insert(call.end(), args.begin(), args.end());
    Outcome r = busctl(call);
    if (r.status != 0) throw std::runtime_error(method + " failed: " + describe(r));
  }
  void allow_all() { mock_polkit("AllowUnknown", {"b", "true"}); }
  void allow_only(const std::vector<std::string>& actions) {
    mock_polkit("AllowUnknown", {"b", "false"});
    std::vector<std::string> args = {"as", std::to_string(actions.size())};
    args.insert(args.end(), actions.begin(), actions.end());
    mock_polkit("SetAllowed", args);
  }
  std::string log_tail() {
    std::string log = read_file(dir.file("euiccd.log"));
    return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }
};

World* g_world = nullptr;
std::string g_skip_reason;

class WorldEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* port = std::getenv("VPCD_PORT");
    if (port == nullptr || *port == '\0') {
      g_skip_reason = "run inside tests/integration/pcsc-sandbox.sh (VPCD_PORT not set)";
      return;
    }
    for (const char* binary : {kEuiccd, kEuiccctl, kVeuicc}) {
      if (access(binary, X_OK) != 0) {
        g_skip_reason = std::string(binary) + " is not built";
        return;
      }
    }
    g_world = new World(static_cast<uint16_t>(std::stoi(port)));
  }
  void TearDown() override {
    delete g_world;
    g_world = nullptr;
  }
};
[[maybe_unused]] ::testing::Environment* const g_environment =
    ::testing::AddGlobalTestEnvironment(new WorldEnvironment);

class Euiccctl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!g_world) GTEST_SKIP() << g_skip_reason;
    g_world->allow_all();
    g_world->smdp->clear_sabotage();
    // Every test starts from an empty card with nothing pending.
    if (!profiles().empty()) {
      Outcome reset = ctl({"reset", "--yes"});
      ASSERT_EQ(reset.status, 0) << describe(reset);
    }
    Outcome sent = ctl({"notifications", "process"});
    ASSERT_EQ(sent.status, 0) << describe(sent);
    ASSERT_TRUE(profiles().empty());
  }
  void TearDown() override {
    if (g_world && HasFailure())
      std::printf("---- euiccd log (tail) ----\n%s\n", g_world->log_tail().c_str());
  }

  Outcome ctl(std::vector<std::string> args, const std::string& input = {}) {
    return g_world->euiccctl(std::move(args), input);
  }
  json ctl_json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    Outcome r = ctl(args);
    EXPECT_EQ(r.status, 0) << describe(r);
    json parsed = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << r.out;
    return parsed;
  }
  json profiles() { return ctl_json({"list"}); }
  std::optional<json> profile(const std::string& iccid) {
    for (const json& p : profiles())
      if (p.value("Iccid", "") == iccid) return p;
    return std::nullopt;
  }
  std::string activation_code(const std::string& matching_id) {
    return "LPA:1$" + g_world->smdp->address() + "$" + matching_id;
  }
  // The jobs on the bus (finished ones linger a while).
  static std::set<std::string> job_paths() {
    std::set<std::string> paths;
    std::istringstream tree(g_world->busctl({"tree", "--list", "org.euiccd1"}).out);
    for (std::string line; std::getline(tree, line);)
      if (line.starts_with("/org/euiccd1/job/")) paths.insert(line);
    return paths;
  }
  void download(const std::string& matching_id, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"download", activation_code(matching_id), "--yes"};
    args.insert(args.end(), extra.begin(), extra.end());
    Outcome r = ctl(args);
    ASSERT_EQ(r.status, 0) << describe(r);
  }
};

TEST_F(Euiccctl, StatusShowsTheCard) {
  Outcome r = ctl({});  // no command: status
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("EID: " + std::string(kEid)));
  EXPECT_THAT(r.out, HasSubstr("Reader: Virtual PCD 00 00"));
  EXPECT_THAT(r.out, HasSubstr("Transport: pcsc"));
  EXPECT_THAT(r.out, HasSubstr("Modem: (none)"));
  EXPECT_THAT(r.out, HasSubstr("Enabled profile: none"));

  json s = ctl_json({"status"});
  ASSERT_EQ(s["euiccs"].size(), 1u);
  EXPECT_EQ(s["euiccs"][0]["Eid"], kEid);
  EXPECT_EQ(s["euiccs"][0]["path"], "/org/euiccd1/euicc/0");
  EXPECT_EQ(s["euiccs"][0]["Transport"], "pcsc");
  EXPECT_EQ(s["euiccs"][0]["Modem"], "/");
  EXPECT_FALSE(s["version"].get<std::string>().empty());

  // --euicc by index and by EID prefix; a wrong one is "not found".
  EXPECT_EQ(ctl({"--euicc", "0", "status"}).status, 0);
  EXPECT_EQ(ctl({"status", "--euicc", "890490"}).status, 0);
  Outcome wrong = ctl({"--euicc", "12345", "status"});
  EXPECT_EQ(wrong.status, 3) << describe(wrong);
  EXPECT_THAT(wrong.err, HasSubstr("no eUICC matches '12345'"));
}

TEST_F(Euiccctl, DownloadWithYesThenListEnableRenameDisable) {
  Outcome empty = ctl({"list"});
  EXPECT_EQ(empty.status, 0);
  EXPECT_THAT(empty.out, HasSubstr("No profiles."));

  Outcome r = ctl({"download", activation_code("TRAVEL"), "--nickname", "Travel", "--yes"});
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("Downloaded " + std::string(kTravelIccid) + " (Travel plan)."));
  download("HOME");

  Outcome list = ctl({"list"});
  ASSERT_EQ(list.status, 0) << describe(list);
  EXPECT_THAT(list.out, HasSubstr("ICCID"));
  EXPECT_THAT(list.out, HasSubstr(kTravelIccid));
  EXPECT_THAT(list.out, HasSubstr("Travel plan"));
  auto travel = profile(kTravelIccid);
  ASSERT_TRUE(travel);
  EXPECT_EQ((*travel)["Nickname"], "Travel");
  EXPECT_EQ((*travel)["State"], "disabled");
  EXPECT_EQ((*travel)["ServiceProviderName"], "Test Telecom");

  // By nickname, in any case.
  Outcome enable = ctl({"enable", "travel"});
  ASSERT_EQ(enable.status, 0) << describe(enable);
  EXPECT_THAT(enable.out, HasSubstr("Enabled " + std::string(kTravelIccid) + " (Travel)."));
  EXPECT_EQ((*profile(kTravelIccid))["State"], "enabled");
  EXPECT_THAT(ctl({"status"}).out,
              HasSubstr("Enabled profile: " + std::string(kTravelIccid) + " (Travel)"));

  // By a unique ICCID prefix; then disable without naming it (the enabled one).
  Outcome rename = ctl({"nickname", "894400000000000002", "Home"});
  ASSERT_EQ(rename.status, 0) << describe(rename);
  EXPECT_EQ((*profile(kHomeIccid))["Nickname"], "Home");
  Outcome enable_home = ctl({"--json", "enable", "Home"});
  ASSERT_EQ(enable_home.status, 0) << describe(enable_home);
  EXPECT_EQ(json::parse(enable_home.out)["iccid"], kHomeIccid);
  EXPECT_EQ((*profile(kTravelIccid))["State"], "disabled");
  Outcome disable = ctl({"disable"});
  ASSERT_EQ(disable.status, 0) << describe(disable);
  EXPECT_EQ((*profile(kHomeIccid))["State"], "disabled");
  EXPECT_EQ(ctl({"disable"}).status, 3) << "nothing enabled any more";
}

TEST_F(Euiccctl, ProfileArgumentsThatDoNotFit) {
  download("TRAVEL");
  download("HOME");
  Outcome ambiguous = ctl({"enable", "8944"});
  EXPECT_EQ(ambiguous.status, 2) << describe(ambiguous);
  EXPECT_THAT(ambiguous.err, HasSubstr("'8944' matches several profiles"));
  EXPECT_THAT(ambiguous.err, HasSubstr(kTravelIccid));
  EXPECT_THAT(ambiguous.err, HasSubstr(kHomeIccid));

  Outcome unknown = ctl({"enable", "Nowhere"});
  EXPECT_EQ(unknown.status, 3) << describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("no profile matches 'Nowhere'"));

  Outcome usage = ctl({"enable"});
  EXPECT_EQ(usage.status, 2);
  EXPECT_THAT(usage.err, HasSubstr("usage: euiccctl enable"));
}

TEST_F(Euiccctl, DownloadShowsTheProfileAndAsks) {
  Outcome declined = ctl({"download", activation_code("TRAVEL")}, "n\n");
  EXPECT_EQ(declined.status, 6) << describe(declined);
  EXPECT_THAT(declined.err, HasSubstr("The SM-DP+ offers this profile:"));
  EXPECT_THAT(declined.err, HasSubstr("ICCID: " + std::string(kTravelIccid)));
  EXPECT_THAT(declined.err, HasSubstr("Provider: Test Telecom"));
  EXPECT_THAT(declined.err, HasSubstr("Download and install it? [y/N]"));
  EXPECT_THAT(declined.err, HasSubstr("download declined; nothing was installed"));
  EXPECT_FALSE(profile(kTravelIccid));

  // No answer at all (stdin at its end) is a no too.
  EXPECT_EQ(ctl({"download", activation_code("TRAVEL")}).status, 6);
  EXPECT_FALSE(profile(kTravelIccid));

  Outcome accepted = ctl({"--json", "download", activation_code("TRAVEL"), "--enable"}, "yes\n");
  ASSERT_EQ(accepted.status, 0) << describe(accepted);
  json result = json::parse(accepted.out);
  EXPECT_EQ(result["state"], "succeeded");
  EXPECT_EQ(result["metadata"]["iccid"], kTravelIccid);
  EXPECT_EQ(result["profile"]["Iccid"], kTravelIccid);
  EXPECT_EQ(result["profile"]["State"], "enabled");
  EXPECT_EQ((*profile(kTravelIccid))["State"], "enabled");
}

// On a terminal (script(1) gives it one), the download draws a progress line on stderr.
TEST_F(Euiccctl, ProgressLineOnATerminal) {
  if (access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "script(1) is not installed";
  const std::string command =
      std::string(kEuiccctl) + " download '" + activation_code("TRAVEL") + "' --yes";
  Outcome r = g_world->run_program({"/usr/bin/script", "-q", "-e", "-c", command, "/dev/null"});
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("\r\033[K"));  // the line redrawn in place
  EXPECT_THAT(r.out, HasSubstr("%"));
  EXPECT_THAT(r.out, HasSubstr("#"));  // some of the bar filled
  EXPECT_THAT(r.out, HasSubstr("Downloaded " + std::string(kTravelIccid)));
}

TEST_F(Euiccctl, DownloadErrorsNameTheDbusError) {
  Outcome bad = ctl({"download", "LPA:9$nonsense", "--yes"});
  EXPECT_EQ(bad.status, 1) << describe(bad);
  EXPECT_THAT(bad.err, HasSubstr("euiccctl: org.euiccd1.Error.InvalidArgument: "));

  Outcome unknown_order = ctl({"download", activation_code("NO-SUCH-ORDER"), "--yes"});
  EXPECT_NE(unknown_order.status, 0) << describe(unknown_order);
  EXPECT_THAT(unknown_order.err, HasSubstr("euiccctl: org.euiccd1.Error."));
  EXPECT_TRUE(profiles().empty());
}

// Issue 16: the activation code from a QR image (a PNG by Debian's qrencode), as a phone
// scans the operator's code; a bad image is refused before euiccd is asked anything.
TEST_F(Euiccctl, DownloadFromAQrImage) {
  TempDir dir;
  const std::string png = dir.file("code.png");
  std::string ignored;
  ASSERT_EQ(euiccd::testing::run_command(
                {"/usr/bin/qrencode", "-o", png, activation_code("TRAVEL")}, &ignored),
            0);
  Outcome r = ctl({"download", "--qr=" + png, "--nickname", "Scanned", "--yes"});
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("Downloaded " + std::string(kTravelIccid)));
  ASSERT_TRUE(profile(kTravelIccid));
  EXPECT_EQ(profile(kTravelIccid)->value("Nickname", ""), "Scanned");

  const std::set<std::string> jobs_before = job_paths();
  const std::string not_image = dir.file("code.txt");
  std::ofstream(not_image) << activation_code("HOME");
  Outcome bad = ctl({"download", "--qr", not_image, "--yes"});
  EXPECT_EQ(bad.status, 1) << describe(bad);
  EXPECT_EQ(bad.err, "euiccctl: the file is not a PNG or JPEG image ('" + not_image + "')\n");
  ASSERT_EQ(euiccd::testing::run_command(
                {"/usr/bin/qrencode", "-o", png, "https://operator.example/esim"}, &ignored),
            0);
  Outcome other = ctl({"download", "--qr", png, "--yes"});
  EXPECT_EQ(other.status, 1) << describe(other);
  EXPECT_THAT(other.err, HasSubstr("the QR code holds no eSIM activation code"));
  Outcome both = ctl({"download", activation_code("HOME"), "--qr", png, "--yes"});
  EXPECT_EQ(both.status, 2) << describe(both);
  EXPECT_THAT(both.err, HasSubstr("usage: euiccctl download ACTIVATION-CODE|--qr=FILE"));
  for (const std::string& path : job_paths()) EXPECT_TRUE(jobs_before.count(path)) << path;
  EXPECT_FALSE(profile(kHomeIccid));
}

TEST_F(Euiccctl, CtrlCCancelsTheDownloadJob) {
  // The SM-DP+ holds the bound profile package back for 3 s; Ctrl-C comes meanwhile.
  g_world->smdp->sabotage(
      {{"function", "getBoundProfilePackage"}, {"mode", "slow"}, {"count", 1}, {"seconds", 3}});
  const auto begin = std::chrono::steady_clock::now();
  TempDir io;
  // The new job: one not on the bus before (finished jobs of earlier tests linger a while).
  const std::set<std::string> before = job_paths();
  Started ctl_process =
      start({kEuiccctl, "download", activation_code("HOME"), "--yes"}, io.path(), {});
  std::string job;
  ASSERT_TRUE(wait_for(
      [&] {
        for (const std::string& path : job_paths())
          if (!before.count(path)) job = path;
        return !job.empty();
      },
      10s));
  std::this_thread::sleep_for(500ms);  // into the slow request
  kill(ctl_process.pid, SIGINT);
  Outcome interrupted = finish(ctl_process, 20s);
  EXPECT_EQ(interrupted.status, 130) << describe(interrupted);
  EXPECT_THAT(interrupted.err, HasSubstr("interrupted; the job was cancelled"));
  // euiccd cancelled the job (it lingers a while after it ends) and installed nothing, also
  // after the server's late answer.
  std::string state;
  EXPECT_TRUE(wait_for(
      [&] {
        state =
            g_world->busctl({"get-property", "org.euiccd1", job, "org.euiccd1.Job", "State"}).out;
        return state.find("running") == std::string::npos;
      },
      10s));
  EXPECT_EQ(state, "s \"cancelled\"\n");
  std::this_thread::sleep_until(begin + 5s);
  EXPECT_FALSE(profile(kHomeIccid));
  g_world->smdp->clear_sabotage();
}

TEST_F(Euiccctl, DeleteAsksUnlessYes) {
  download("TRAVEL");
  Outcome declined = ctl({"delete", kTravelIccid}, "n\n");
  EXPECT_EQ(declined.status, 6) << describe(declined);
  EXPECT_THAT(declined.err, HasSubstr("Delete profile " + std::string(kTravelIccid)));
  EXPECT_TRUE(profile(kTravelIccid));

  Outcome confirmed = ctl({"delete", kTravelIccid}, "y\n");
  EXPECT_EQ(confirmed.status, 0) << describe(confirmed);
  EXPECT_FALSE(profile(kTravelIccid));

  download("HOME");
  Outcome yes = ctl({"delete", "894400000000000002", "--yes"});
  EXPECT_EQ(yes.status, 0) << describe(yes);
  EXPECT_TRUE(profiles().empty());
}

TEST_F(Euiccctl, PolkitRefusalIsNotAuthorized) {
  download("TRAVEL");
  g_world->allow_only({"org.euiccd1.enable-disable"});
  Outcome refused = ctl({"delete", kTravelIccid, "--yes", "--no-ask-password"});
  EXPECT_EQ(refused.status, 4) << describe(refused);
  EXPECT_THAT(refused.err, HasSubstr("euiccctl: org.euiccd1.Error.NotAuthorized: "));
  EXPECT_TRUE(profile(kTravelIccid));

  Outcome download_refused = ctl({"download", activation_code("HOME"), "--yes"});
  EXPECT_EQ(download_refused.status, 4) << describe(download_refused);
  EXPECT_FALSE(profile(kHomeIccid));

  // Reading needs no authorization; the allowed action still works.
  EXPECT_EQ(ctl({"list"}).status, 0);
  EXPECT_EQ(ctl({"enable", kTravelIccid}).status, 0);
}

// balance and topup, default target the enabled profile, through the ModemManager stand-in
// on the same bus (the daemon finds ModemManager on the system bus, which is this one here).
TEST_F(Euiccctl, BalanceAndTopUpPrintTheNetworksReply) {
  download("TRAVEL");
  ASSERT_EQ(ctl({"enable", kTravelIccid}).status, 0);
  euiccd::testing::ModemManagerMock mm(
      g_world->bus_address, g_world->dir.path(),
      std::string(R"({"modems": [{"sim": ")") + kTravelIccid + R"(", "ussd_script": {
          "*100#": {"reply": "Your balance is 4.20 EUR"},
          "*101*12345678#": {"reply": "Top-up of 10.00 EUR accepted"}}}]})");

  Outcome balance = ctl({"balance"});
  ASSERT_EQ(balance.status, 0) << describe(balance) << g_world->log_tail();
  EXPECT_EQ(balance.out, "Your balance is 4.20 EUR\n");
  const json as_json = ctl_json({"balance", kTravelIccid});
  EXPECT_EQ(as_json.value("reply", ""), "Your balance is 4.20 EUR");
  EXPECT_EQ(as_json.value("iccid", ""), kTravelIccid);

  Outcome topup = ctl({"topup", "1234-5678"});
  ASSERT_EQ(topup.status, 0) << describe(topup);
  EXPECT_EQ(topup.out, "Top-up of 10.00 EUR accepted\n");
  EXPECT_EQ(mm.calls({"Initiate"}),
            (std::vector<std::string>{"Initiate \"*100#\"", "Initiate \"*100#\"",
                                      "Initiate \"*101*12345678#\""}));

  // A voucher with letters never reaches the network; polkit's refusal is status 4.
  Outcome bad = ctl({"topup", "12AB"});
  EXPECT_EQ(bad.status, 1) << describe(bad);
  EXPECT_THAT(bad.err, HasSubstr("euiccctl: org.euiccd1.Error.InvalidArgument: "));
  EXPECT_THAT(bad.err, HasSubstr("voucher"));
  g_world->allow_only({"org.euiccd1.check-balance"});
  Outcome refused = ctl({"topup", "12345678", "--no-ask-password"});
  EXPECT_EQ(refused.status, 4) << describe(refused);
  EXPECT_EQ(mm.calls({"Initiate"}).size(), 3u);
}

TEST_F(Euiccctl, BalanceWithoutAModemOrForADisabledProfile) {
  download("TRAVEL");
  ASSERT_EQ(ctl({"enable", kTravelIccid}).status, 0);
  Outcome no_mm = ctl({"balance"});
  EXPECT_EQ(no_mm.status, 5) << describe(no_mm);  // a service it needs is not there
  EXPECT_THAT(no_mm.err, HasSubstr("euiccctl: org.euiccd1.Error.NoModem: "));
  // euiccd answered: no hint that it might not be running.
  EXPECT_THAT(no_mm.err, Not(HasSubstr("is euiccd running?")));

  ASSERT_EQ(ctl({"disable", kTravelIccid}).status, 0);
  Outcome disabled = ctl({"balance", kTravelIccid});
  EXPECT_EQ(disabled.status, 1) << describe(disabled);
  EXPECT_THAT(disabled.err, HasSubstr("org.euiccd1.Error.WrongState"));
  // No enabled profile and none named: a usage error that says so.
  Outcome none = ctl({"balance"});
  EXPECT_NE(none.status, 0) << describe(none);
}

TEST_F(Euiccctl, NotificationsListAndProcess) {
  // The download delivers its install result itself; enabling queues a notification that
  // stays (AutoProcess=no in the test's euiccd.conf) until it is sent.
  download("TRAVEL");
  ASSERT_EQ(ctl({"enable", kTravelIccid}).status, 0);
  json before = ctl_json({"notifications", "list"});
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0]["eid"], kEid);
  const unsigned pending = before[0]["pending"].get<unsigned>();
  EXPECT_GE(pending, 1u);

  Outcome sent = ctl({"notifications", "process"});
  ASSERT_EQ(sent.status, 0) << describe(sent);
  EXPECT_THAT(sent.out, HasSubstr("Sent " + std::to_string(pending) + " notification"));
  EXPECT_EQ(ctl_json({"notifications"})[0]["pending"], 0);
}

TEST_F(Euiccctl, DiscoverListsTheEventThenDownloadsIt) {
  Outcome r = ctl({"discover", g_world->smds->address()});
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("EVT-1"));
  EXPECT_THAT(r.out, HasSubstr(g_world->smdp->address()));

  json events = ctl_json({"discover", g_world->smds->address()})["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event_id"], "EVT-1");
  Outcome fetched = ctl({"download", events[0]["activation_code"].get<std::string>(), "--yes"});
  ASSERT_EQ(fetched.status, 0) << describe(fetched);
  EXPECT_TRUE(profile(kEventIccid));
}

TEST_F(Euiccctl, ResetErasesAfterAsking) {
  download("TRAVEL");
  download("HOME");
  Outcome declined = ctl({"reset"}, "no\n");
  EXPECT_EQ(declined.status, 6) << describe(declined);
  EXPECT_THAT(declined.err,
              HasSubstr("Erase every operational profile from eUICC " + std::string(kEid)));
  EXPECT_EQ(profiles().size(), 2u);
  Outcome confirmed = ctl({"reset"}, "y\n");
  ASSERT_EQ(confirmed.status, 0) << describe(confirmed);
  EXPECT_TRUE(profiles().empty());
}

TEST_F(Euiccctl, BusSelectionAndUnreachableDaemon) {
  Outcome missing = ctl({"--bus", "unix:path=/nonexistent/bus", "status"});
  EXPECT_EQ(missing.status, 5) << describe(missing);
  EXPECT_THAT(missing.err, HasSubstr("cannot connect to the bus at unix:path=/nonexistent/bus"));

  // A bus without euiccd on it: the bus says the name has no owner.
  TempDir empty_bus;
  write_bus_config(empty_bus.file("bus.conf"), "unix:path=" + empty_bus.file("bus"));
  Subprocess bus({"/usr/bin/dbus-daemon", "--config-file=" + empty_bus.file("bus.conf"), "--nofork",
                  "--nopidfile"});
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(empty_bus.file("bus")); }, 10s));
  Outcome nobody = ctl({"--bus", "unix:path=" + empty_bus.file("bus"), "list"});
  EXPECT_EQ(nobody.status, 5) << describe(nobody);
  EXPECT_THAT(nobody.err, HasSubstr("org.freedesktop.DBus.Error.ServiceUnknown"));
  EXPECT_THAT(nobody.err, HasSubstr("is euiccd running?"));
}

TEST_F(Euiccctl, UsageErrors) {
  Outcome unknown = ctl({"frobnicate"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command 'frobnicate'"));
  Outcome option = ctl({"list", "--frob"});
  EXPECT_EQ(option.status, 2);
  EXPECT_THAT(option.err, HasSubstr("unknown option --frob"));
  Outcome help = ctl({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, HasSubstr("download ACTIVATION-CODE"));
  EXPECT_THAT(help.out, Not(HasSubstr("TODO")));
}

}  // namespace
