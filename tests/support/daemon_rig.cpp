#include "tests/support/daemon_rig.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <stdexcept>

namespace euiccd::testing {

using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string tail(const std::string& text, size_t bytes = 4000) {
  return text.size() > bytes ? "…" + text.substr(text.size() - bytes) : text;
}

}  // namespace

SharedSmdp::SharedSmdp(json orders, std::vector<std::string> server_args)
    : pki(smdpp_test::shared_test_pki()) {
  server = std::make_unique<smdpp_test::Server>(
      pki, smdpp_test::smdp_config(smdpp_test::kSmdpHost, std::move(orders)), dir.file("smdp.log"),
      std::move(server_args));
}

std::string SharedSmdp::activation_code(const std::string& matching_id) const {
  return "LPA:1$" + server->address() + "$" + matching_id;
}

DaemonRig::DaemonRig(RigOptions options)
    : options_(std::move(options)), pki_(smdpp_test::shared_test_pki()) {
  if (options_.smdp) smdp_notifications_at_start_ = options_.smdp->state()["notifications"].size();
  if (!options_.card_seed.empty()) std::ofstream(dir_.file("seed.json")) << options_.card_seed;
  if (!options_.daemon_config.empty()) write_daemon_config(options_.daemon_config);
  bus_ = std::make_unique<PrivateBus>();
  polkit_ = std::make_unique<SpawnedProcess>(
      std::vector<std::string>{"/usr/bin/python3", "-m", "dbusmock", "--session", "--template",
                               "polkitd"},
      std::vector<std::string>{"DBUS_SESSION_BUS_ADDRESS=" + bus_->address()},
      dir_.file("polkit-mock.log"));
  // The mocks and the card come up side by side; the daemon needs ModemManager at its start
  // (the boot policy) but polkit only when it is called.
  if (options_.start) start_card();
  if (options_.modem_manager) start_modem_manager(*options_.modem_manager);
  client_ = std::make_unique<BusClient>(bus_->address());
  if (options_.start) start_daemon();
  if (!eventually([&] { return client_->has_owner(kPolkitBus); }, 20s))
    throw std::runtime_error("the polkit mock did not come up: " +
                             read_text_file(dir_.file("polkit-mock.log")));
  if (options_.start && !wait_for_euicc())
    throw std::runtime_error("the eUICC did not come up on the bus" + logs());
}

DaemonRig::~DaemonRig() {
  // The daemon first: it ends card sessions on SIGTERM while the card is still there.
  daemon_.reset();
  card_.reset();
  client_.reset();
  modem_manager_.reset();
  polkit_.reset();
  bus_.reset();
}

bool DaemonRig::sandboxed() {
  return std::getenv("VPCD_PORT") != nullptr;
}

void DaemonRig::start_card(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {EUICCD_BINARY_DIR "/veuicc/veuicc",
                                   "--state",
                                   dir_.file("card.json"),
                                   "--euicc-cert",
                                   pki_ + "/euicc.pem",
                                   "--euicc-key",
                                   pki_ + "/euicc.key",
                                   "--eum-cert",
                                   pki_ + "/eum.pem",
                                   "--ci-cert",
                                   pki_ + "/ci.pem"};
  if (!options_.card_seed.empty()) argv.insert(argv.end(), {"--seed", dir_.file("seed.json")});
  argv.insert(argv.end(), options_.card_args.begin(), options_.card_args.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  card_.reset();  // a card still running is pulled first
  card_ = std::make_unique<Subprocess>(argv, dir_.file("veuicc.log"));
}

void DaemonRig::start_daemon() {
  std::vector<std::string> argv = {EUICCD_BINARY_DIR "/daemon/euiccd",
                                   "--bus",
                                   bus_->address(),
                                   "--modem-manager-bus",
                                   bus_->address(),
                                   "--config",
                                   dir_.file("euiccd.conf"),
                                   "--config-dir",
                                   dir_.file("euiccd.conf.d"),
                                   "--state-dir",
                                   state_dir(),
                                   "--ca",
                                   pki_ + "/ci.pem"};
  if (options_.verbose) argv.push_back("--verbose");
  if (options_.smdp) argv.insert(argv.end(), {"--resolve", options_.smdp->resolve_entry()});
  argv.insert(argv.end(), options_.daemon_args.begin(), options_.daemon_args.end());
  daemon_.reset();
  daemon_ = std::make_unique<Subprocess>(argv, dir_.file("euiccd.log"));
}

void DaemonRig::start_modem_manager(const std::string& parameters) {
  modem_manager_.reset();
  modem_manager_ = std::make_unique<ModemManagerMock>(*bus_, parameters);
}

void DaemonRig::write_daemon_config(const std::string& text) {
  std::ofstream(dir_.file("euiccd.conf")) << text;
}

bool DaemonRig::wait_for_euicc(std::chrono::milliseconds deadline) {
  return eventually([&] { return get_string(euicc_path(), kEuiccIface, "Eid") == kTestEid; },
                    deadline);
}

int DaemonRig::stop_card(int signal) {
  return card_ ? card_->stop(signal) : 0;
}

int DaemonRig::stop_daemon(int signal) {
  return daemon_ ? daemon_->stop(signal, 20s) : 0;
}

void DaemonRig::allow(const std::vector<std::string>& actions) {
  sdbus::Message m =
      client_->new_call(kPolkitBus, kPolkitPath, "org.freedesktop.DBus.Mock", "SetAllowed");
  sd_bus_message_open_container(m, 'a', "s");
  for (const auto& a : actions) sd_bus_message_append(m, "s", a.c_str());
  sd_bus_message_close_container(m);
  BusReply r = client_->call_message(m);
  if (!r.ok()) throw std::runtime_error("polkit mock SetAllowed: " + r.error_message());
}

void DaemonRig::allow_all() {
  BusReply r =
      client_->call(kPolkitBus, kPolkitPath, "org.freedesktop.DBus.Mock", "AllowUnknown", "b", 1);
  if (!r.ok()) throw std::runtime_error("polkit mock AllowUnknown: " + r.error_message());
}

std::string DaemonRig::euicc_path(unsigned index) {
  return "/org/euiccd1/euicc/" + std::to_string(index);
}

std::string DaemonRig::profile_path(const std::string& iccid, unsigned index) {
  return euicc_path(index) + "/profile/" + iccid;
}

std::vector<std::string> DaemonRig::managed_objects() {
  BusReply objects = call(kManagerPath, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
  sd_bus_message* m = objects.message();
  if (!objects.ok() || sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}") < 0)
    throw std::runtime_error("GetManagedObjects: " + objects.error_message());
  std::vector<std::string> paths;
  while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
    const char* path = nullptr;
    sd_bus_message_read(m, "o", &path);
    paths.emplace_back(path);
    sd_bus_message_skip(m, "a{sa{sv}}");
    sd_bus_message_exit_container(m);
  }
  return paths;
}

bool DaemonRig::daemon_answers() {
  try {
    return daemon_ && daemon_->running() &&
           !get_string(kManagerPath, kManagerIface, "Version").empty();
  } catch (const std::exception&) {
    return false;
  }
}

int DaemonRig::on_async_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* reply = static_cast<AsyncReply*>(userdata);
  reply->done = true;
  if (const sd_bus_error* e = sd_bus_message_get_error(m)) {
    reply->error_name = e->name;
    reply->error_message = e->message ? e->message : "";
  }
  return 0;
}

bool DaemonRig::pump_until(const std::function<bool()>& condition,
                           std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    while (sd_bus_process(client_->bus(), nullptr) > 0) {
    }
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    sd_bus_wait(client_->bus(), 20'000);
  }
}

std::string DaemonRig::start_download(const std::string& activation_code) {
  BusReply r =
      call(euicc_path(), kEuiccIface, "DownloadProfile", "sa{sv}", activation_code.c_str(), 0);
  if (!r.ok()) throw std::runtime_error(r.error_name() + ": " + r.error_message());
  return r.read_string('o');
}

std::string DaemonRig::wait_job(const std::string& job, std::chrono::milliseconds deadline) {
  std::string state;
  const bool ended = eventually(
      [&] {
        state = job_string(job, "State");
        return state != "running" && state != "waiting";
      },
      deadline);
  return ended ? state : "";
}

std::string DaemonRig::job_error(const std::string& job) {
  return job_string(job, "ErrorName") + ": " + job_string(job, "ErrorMessage");
}

json DaemonRig::card_state() const {
  std::ifstream in(dir_.file("card.json"));
  return json::parse(in);
}

json DaemonRig::card_profile(const std::string& iccid) const {
  const json state = card_state();  // not a temporary: the loop refers into it
  for (const auto& p : state.at("profiles"))
    if (p.at("iccid") == iccid) return p;
  return nullptr;
}

bool DaemonRig::wait_notifications_sent(std::chrono::milliseconds deadline) {
  return eventually(
      [&] { return get<uint32_t>(euicc_path(), kEuiccIface, "PendingNotifications", 'u') == 0; },
      deadline);
}

std::vector<long> DaemonRig::lost_notifications() const {
  const json state = card_state();
  std::set<long> kept;
  for (const auto& n : state.value("notifications", json::array()))
    kept.insert(n.at("seq").get<long>());
  std::set<long> received;
  if (options_.smdp) {
    const json all = options_.smdp->state()["notifications"];
    for (size_t i = smdp_notifications_at_start_; i < all.size(); ++i)
      if (all[i].contains("seqNumber") && all[i]["seqNumber"].is_number())
        received.insert(all[i]["seqNumber"].get<long>());
  }
  std::vector<long> lost;
  const long next = state.value("next_seq_number", 1L);
  for (long seq = 1; seq < next; ++seq)
    if (!kept.count(seq) && !received.count(seq)) lost.push_back(seq);
  return lost;
}

std::string DaemonRig::daemon_log() const {
  return read_text_file(dir_.file("euiccd.log"));
}

bool DaemonRig::daemon_log_has(const std::string& text) const {
  return daemon_log().find(text) != std::string::npos;
}

std::string DaemonRig::card_log() const {
  return read_text_file(dir_.file("veuicc.log"));
}

std::string DaemonRig::logs() const {
  return "\n--- euiccd log ---\n" + daemon_log() + "\n--- veuicc log (tail) ---\n" +
         tail(card_log());
}

}  // namespace euiccd::testing
