// Everything a daemon integration test runs, started in one place: a private dbus-daemon,
// python-dbusmock as polkit (refusing everything until allow()), optionally python-dbusmock as
// ModemManager, the virtual eUICC (veuicc) behind the sandbox's pcscd + vpcd, and euiccd with
// its own configuration, state directory and log. Optionally it points euiccd at a test
// SM-DP+ (tests/unit/smdpp_process.h), which a test binary shares between its tests (starting
// it is the slow part; see SharedSmdp).
//
//   DaemonRig rig({.card_seed = kSeed, .card_args = {"--latency-ms", "20"}});
//   rig.allow({"org.euiccd1.rename"});
//   BusReply r = rig.call(rig.profile_path(kIccid), kProfileIface, "SetNickname", "s", "Trips");
//   EXPECT_EQ(rig.card_profile(kIccid).value("nickname", ""), "Trips") << rig.logs();
//
// Every wait has a deadline; every process is stopped (SIGTERM, then SIGKILL) on destruction.
// Runs only inside tests/integration/pcsc-sandbox.sh: skip when !DaemonRig::sandboxed().
//
// The bus and ModemManager mock come from dbusmock_modemmanager.h; a test using the rig must
// not include dbus_test_bus.h, whose PrivateBus has the same name.
#pragma once

#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dbus/object_paths.h"
#include "tests/support/dbus_test_client.h"
#include "tests/support/dbusmock_modemmanager.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

namespace euiccd::testing {

// The API's names as the daemon spells them (the introspection test holds them to the XML).
inline constexpr const char* kEuiccdBus = dbus::kBusName;
inline constexpr const char* kManagerPath = dbus::kRootPath;
inline constexpr const char* kManagerIface = dbus::kManagerInterface;
inline constexpr const char* kEuiccIface = dbus::kEuiccInterface;
inline constexpr const char* kProfileIface = dbus::kProfileInterface;
inline constexpr const char* kJobIface = dbus::kJobInterface;
inline constexpr char kPolkitBus[] = "org.freedesktop.PolicyKit1";
inline constexpr char kPolkitPath[] = "/org/freedesktop/PolicyKit1/Authority";
// The EID of the card made from tests/pki/make-test-pki.sh.
inline constexpr char kTestEid[] = "89049032123451234512345678901235";

// The test SM-DP+ and the PKI, once per test binary: `static SharedSmdp smdp(orders);`.
struct SharedSmdp {
  explicit SharedSmdp(nlohmann::json orders, std::vector<std::string> server_args = {});
  TempDir dir;
  std::string pki;  // smdpp_test::shared_test_pki(): card and server certificates
  std::unique_ptr<smdpp_test::Server> server;

  // "LPA:1$<host:port>$<matching_id>".
  std::string activation_code(const std::string& matching_id) const;
};

// The answer to DaemonRig::call_async, filled in while DaemonRig::pump_until dispatches.
struct AsyncReply {
  bool done = false;
  std::string error_name;  // "" for success
  std::string error_message;
};

// Members have default initializers so that designated initializers may leave any out.
struct RigOptions {
  // veuicc's --seed (a JSON text, veuicc/README.md's schema); "" starts a blank card.
  std::string card_seed{};
  // More veuicc arguments: {"--latency-ms", "20"}, fault options, {"--verbose"}.
  std::vector<std::string> card_args{};
  // euiccd.conf text (docs/configuration.md); "" means no configuration file.
  std::string daemon_config{};
  // More euiccd arguments (the rig passes --bus, --modem-manager-bus (the same bus, so the
  // real system bus is never used), --config, --config-dir, --state-dir, --ca, --verbose, and
  // --resolve for `smdp`).
  std::vector<std::string> daemon_args{};
  bool verbose = true;
  // The SM-DP+ euiccd reaches (by its certificate's name, resolved to loopback); nullptr: none.
  const smdpp_test::Server* smdp = nullptr;
  // python-dbusmock as ModemManager on the same bus, with these parameters
  // (tests/support/dbusmock_modemmanager.py), started before the daemon.
  std::optional<std::string> modem_manager{};
  // Start card and daemon in the constructor and wait for the eUICC object.
  bool start = true;
};

class DaemonRig {
 public:
  explicit DaemonRig(RigOptions options = {});
  ~DaemonRig();
  DaemonRig(const DaemonRig&) = delete;
  DaemonRig& operator=(const DaemonRig&) = delete;

  // Inside pcsc-sandbox.sh (its pcscd and vpcd port); tests GTEST_SKIP() elsewhere.
  static bool sandboxed();

  // ---- processes ----
  // veuicc with the options' arguments and `extra` (e.g. fault options for this start); the
  // state file is kept across restarts, so it is the same card.
  void start_card(const std::vector<std::string>& extra = {});
  void start_daemon();
  // (Re)starts the ModemManager mock with these parameters.
  void start_modem_manager(const std::string& parameters);
  // Replaces euiccd.conf; the daemon reads it at its next start.
  void write_daemon_config(const std::string& text);
  // Waits until the eUICC object answers with the test EID.
  bool wait_for_euicc(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  Subprocess& card() { return *card_; }
  Subprocess& daemon() { return *daemon_; }
  // Stops the process with `signal` and returns its wait status.
  int stop_card(int signal = SIGTERM);
  int stop_daemon(int signal = SIGTERM);

  // ---- polkit (python-dbusmock's polkitd template) ----
  void allow(const std::vector<std::string>& actions);  // exactly these, nothing else
  void allow_all();

  // ---- D-Bus ----
  const std::string& bus_address() const { return bus_->address(); }
  BusClient& client() { return *client_; }
  static std::string euicc_path(unsigned index = 0);
  static std::string profile_path(const std::string& iccid, unsigned index = 0);

  template <typename... Args>
  BusReply call(const std::string& path, const char* iface, const char* member,
                const char* types = nullptr, Args... args) {
    return client_->call(kEuiccdBus, path, iface, member, types, args...);
  }
  std::string get_string(const std::string& path, const char* iface, const char* name) {
    return client_->get_string(kEuiccdBus, path, iface, name);
  }
  std::string get_path(const std::string& path, const char* iface, const char* name) {
    return client_->get_object_path(kEuiccdBus, path, iface, name);
  }
  std::vector<std::string> get_paths(const std::string& path, const char* iface, const char* name) {
    return client_->get_strv(kEuiccdBus, path, iface, name);
  }
  template <typename T>
  T get(const std::string& path, const char* iface, const char* name, char type) {
    return client_->get_basic<T>(kEuiccdBus, path, iface, name, type);
  }
  // Every object path the Manager's ObjectManager lists; throws when it does not answer.
  std::vector<std::string> managed_objects();
  // Running, and its Manager answers on the bus.
  bool daemon_answers();

  // Sends the call without waiting; `reply` is filled in by pump_until. False when it could
  // not be sent.
  template <typename... Args>
  bool call_async(AsyncReply& reply, const std::string& path, const char* iface, const char* member,
                  const char* types = nullptr, Args... args) {
    return sd_bus_call_method_async(client_->bus(), nullptr, kEuiccdBus, path.c_str(), iface,
                                    member, on_async_reply, &reply, types, args...) >= 0;
  }
  // Dispatches the rig's connection until `condition` holds or the deadline passes.
  bool pump_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline);

  // ---- jobs ----
  // DownloadProfile(code, {}) on eUICC 0; throws with the D-Bus error when refused.
  std::string start_download(const std::string& activation_code);
  std::string job_string(const std::string& job, const char* name) {
    return get_string(job, kJobIface, name);
  }
  // "ErrorName: ErrorMessage", for failure messages.
  std::string job_error(const std::string& job);
  // Waits for the job to end; returns its final State ("" if it did not end in time).
  std::string wait_job(const std::string& job,
                       std::chrono::milliseconds deadline = std::chrono::seconds(60));

  // ---- the card's own view: veuicc's state file ----
  nlohmann::json card_state() const;
  nlohmann::json card_profile(const std::string& iccid) const;  // null when absent

  // ---- notifications ----
  // Waits until the daemon has no notification pending on eUICC 0.
  bool wait_notifications_sent(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  // Sequence numbers the card handed out that are neither still on the card nor received by
  // the options' SM-DP+ since this rig started. The card is read first: a notification
  // delivered meanwhile is then on the server.
  std::vector<long> lost_notifications() const;

  // ---- files and logs ----
  const TempDir& dir() const { return dir_; }
  std::string state_dir() const { return dir_.file("state"); }
  std::string daemon_log() const;
  bool daemon_log_has(const std::string& text) const;
  std::string card_log() const;  // veuicc's output (APDUs with --verbose)
  // euiccd's log and veuicc's last lines, for failure messages.
  std::string logs() const;
  ModemManagerMock* modem_manager() { return modem_manager_.get(); }

 private:
  static int on_async_reply(sd_bus_message* m, void* userdata, sd_bus_error*);

  RigOptions options_;
  TempDir dir_;
  std::string pki_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<SpawnedProcess> polkit_;
  std::unique_ptr<ModemManagerMock> modem_manager_;
  std::unique_ptr<BusClient> client_;
  std::unique_ptr<Subprocess> card_;
  std::unique_ptr<Subprocess> daemon_;
  size_t smdp_notifications_at_start_ = 0;
};

}  // namespace euiccd::testing
