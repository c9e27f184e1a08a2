// Security checks through the daemon, the way an attacker on the bus or a hostile network
// would try them (issue 6): every change refused to a caller polkit does not allow; secrets
// (confirmation codes, matching ids) kept out of the log and the state directory; queued work
// bounded; TLS to an SM-DP+ refused for an untrusted CA, a wrong host name and an expired
// certificate. Real peers throughout (tests/support/daemon_rig.h). Runs inside
// tests/integration/pcsc-sandbox.sh; skipped elsewhere.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <tinyxml2.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/euicc.h"
#include "dbus/service.h"
#include "tests/support/daemon_rig.h"

using namespace euiccd::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace smdpp_test = euiccd::smdpp_test;

namespace {

constexpr char kHomeIccid[] = "8944476500001224158";     // enabled
constexpr char kTravelIccid[] = "89012600000000000013";  // disabled
constexpr char kSilentHost[] = "silent.example.com";

// Two profiles; `notifications` (a JSON array) is what the card has pending.
std::string seed(const json& notifications = json::array()) {
  return json{{"default_dp_address", "smdp.example.com"},
              {"memory", {{"nvm_bytes", 1048576}, {"free_ram_bytes", 65536}}},
              {"next_seq_number", notifications.size() + 1},
              {"notifications", notifications},
              {"profiles",
               {{{"iccid", kHomeIccid},
                 {"state", "enabled"},
                 {"nickname", "Home"},
                 {"service_provider_name", "Veuicc Mobile"},
                 {"profile_class", "operational"},
                 {"size", 120000}},
                {{"iccid", kTravelIccid},
                 {"state", "disabled"},
                 {"service_provider_name", "Roam Anywhere"},
                 {"profile_class", "operational"},
                 {"size", 80000}}}}}
      .dump();
}

// A TCP listener on loopback that never answers: whoever connects (euiccd, for an SM-DS or a
// notification) waits until the test lets go.
class SilentServer {
 public:
  SilentServer() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener_, 8) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot listen on loopback");
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { let_go(); }

  std::string address() const { return std::string(kSilentHost) + ":" + std::to_string(port_); }
  std::string resolve_entry() const { return address() + ":127.0.0.1"; }

  // True once a client connected (within `deadline`); the connection is kept open.
  bool wait_for_client(std::chrono::milliseconds deadline) {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(deadline.count())) != 1) return false;
    const int fd = accept(listener_, nullptr, nullptr);
    if (fd >= 0) clients_.push_back(fd);
    return fd >= 0;
  }
  // Closes every connection and the listener: waiting clients fail at once.
  void let_go() {
    for (int fd : clients_) close(fd);
    clients_.clear();
    if (listener_ >= 0) close(listener_);
    listener_ = -1;
  }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::vector<int> clients_;
};

size_t count_done(const std::vector<AsyncReply>& calls) {
  size_t n = 0;
  for (const auto& c : calls) n += c.done;
  return n;
}

std::vector<std::string> job_paths(DaemonRig& rig) {
  std::vector<std::string> jobs;
  for (const std::string& path : rig.managed_objects())
    if (path.starts_with("/org/euiccd1/job/")) jobs.push_back(path);
  return jobs;
}

class DaemonSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!DaemonRig::sandboxed()) GTEST_SKIP() << "run inside pcsc-sandbox.sh";
  }
};

// ---- a. unauthorized callers ------------------------------------------------------------------

// Every member of dbus/org.euiccd1.xml that may change something: "Interface.Method", and
// "Interface.Property=" for a writable property.
std::set<std::string> change_members_of_the_contract() {
  tinyxml2::XMLDocument xml;
  EXPECT_EQ(xml.LoadFile(EUICCD_SOURCE_DIR "/dbus/org.euiccd1.xml"), tinyxml2::XML_SUCCESS);
  std::set<std::string> members;
  const auto* node = xml.FirstChildElement("node");
  for (const auto* i = node ? node->FirstChildElement("interface") : nullptr; i;
       i = i->NextSiblingElement("interface")) {
    const std::string iface = i->Attribute("name");
    for (const auto* m = i->FirstChildElement("method"); m; m = m->NextSiblingElement("method"))
      members.insert(iface + "." + m->Attribute("name"));
    for (const auto* p = i->FirstChildElement("property"); p; p = p->NextSiblingElement("property"))
      if (std::string(p->Attribute("access")) != "read")
        members.insert(iface + "." + p->Attribute("name") + "=");
  }
  return members;
}

// Members that change nothing, and why they are open.
const std::map<std::string, std::string> kOpenMembers = {
    {"org.euiccd1.Euicc.Refresh", "re-reads the card, like reading a property"},
};

// Job.Confirm and Job.Cancel: free for the caller that started the job, polkit download for
// anyone else; checked by JobOfAnotherCallerNeedsPolkit.
const std::set<std::string> kJobMembers = {"org.euiccd1.Job.Confirm", "org.euiccd1.Job.Cancel"};

BusReply set_plan_expires_at(DaemonRig& rig, const std::string& profile, uint64_t usec) {
  euiccd::sdbus::Message m =
      rig.client().new_call(kEuiccdBus, profile, "org.freedesktop.DBus.Properties", "Set");
  sd_bus_message_append(m, "ssv", kProfileIface, "PlanExpiresAt", "t", usec);
  return rig.client().call_message(m);
}

struct GuardedChange {
  std::string action;                        // the polkit action the refusal must name
  std::function<BusReply(DaemonRig&)> call;  // valid arguments: only polkit may refuse
};

std::map<std::string, GuardedChange> guarded_changes() {
  const std::string euicc = DaemonRig::euicc_path();
  const std::string home = DaemonRig::profile_path(kHomeIccid);
  const std::string travel = DaemonRig::profile_path(kTravelIccid);
  return {
      {"org.euiccd1.Euicc.DownloadProfile",
       {"org.euiccd1.download",
        [=](DaemonRig& r) {
          return r.call(euicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                        "LPA:1$smdp.example.com$MATCHING-ID", 1, "enable", "b", 1);
        }}},
      {"org.euiccd1.Euicc.DiscoverProfiles",
       {"org.euiccd1.discover",
        [=](DaemonRig& r) { return r.call(euicc, kEuiccIface, "DiscoverProfiles", "s", ""); }}},
      {"org.euiccd1.Euicc.ProcessNotifications",
       {"org.euiccd1.process-notifications",
        [=](DaemonRig& r) { return r.call(euicc, kEuiccIface, "ProcessNotifications"); }}},
      {"org.euiccd1.Euicc.SetDefaultSmdpAddress",
       {"org.euiccd1.configure",
        [=](DaemonRig& r) {
          return r.call(euicc, kEuiccIface, "SetDefaultSmdpAddress", "s", "evil.example.com");
        }}},
      // The travel policy's pause asks polkit before it looks at the eUICC (a reader's here).
      {"org.euiccd1.Euicc.PauseTravelPolicy",
       {"org.euiccd1.configure",
        [=](DaemonRig& r) { return r.call(euicc, kEuiccIface, "PauseTravelPolicy"); }}},
      {"org.euiccd1.Euicc.ResumeTravelPolicy",
       {"org.euiccd1.configure",
        [=](DaemonRig& r) { return r.call(euicc, kEuiccIface, "ResumeTravelPolicy"); }}},
      {"org.euiccd1.Euicc.ResetMemory",
       {"org.euiccd1.reset-memory",
        [=](DaemonRig& r) { return r.call(euicc, kEuiccIface, "ResetMemory", "u", 7U); }}},
      {"org.euiccd1.Profile.Enable",
       {"org.euiccd1.enable-disable",
        [=](DaemonRig& r) { return r.call(travel, kProfileIface, "Enable"); }}},
      {"org.euiccd1.Profile.Disable",
       {"org.euiccd1.enable-disable",
        [=](DaemonRig& r) { return r.call(home, kProfileIface, "Disable"); }}},
      {"org.euiccd1.Profile.Delete",
       {"org.euiccd1.delete",
        [=](DaemonRig& r) { return r.call(travel, kProfileIface, "Delete"); }}},
      {"org.euiccd1.Profile.SetNickname",
       {"org.euiccd1.rename",
        [=](DaemonRig& r) { return r.call(home, kProfileIface, "SetNickname", "s", "Owned"); }}},
      // Balance and top-up ask polkit before ModemManager: none is needed here.
      {"org.euiccd1.Profile.CheckBalance",
       {"org.euiccd1.check-balance",
        [=](DaemonRig& r) { return r.call(home, kProfileIface, "CheckBalance"); }}},
      {"org.euiccd1.Profile.TopUp",
       {"org.euiccd1.topup",
        [=](DaemonRig& r) { return r.call(home, kProfileIface, "TopUp", "s", "1234567890"); }}},
      {"org.euiccd1.Profile.PlanExpiresAt=",
       {"org.euiccd1.configure",
        [=](DaemonRig& r) {
          return set_plan_expires_at(r, home, 4'102'444'800ULL * 1'000'000ULL);  // 2100
        }}},
  };
}

// Needs no daemon: runs outside the sandbox too.
TEST(DaemonSecurityContract, EveryChangeIsCovered) {
  const auto guarded = guarded_changes();
  std::set<std::string> covered;
  for (const auto& [member, change] : guarded) covered.insert(member);
  for (const auto& [member, why] : kOpenMembers) covered.insert(member);
  covered.insert(kJobMembers.begin(), kJobMembers.end());
  // A new method or writable property in the XML must be added to guarded_changes() (or,
  // if it changes nothing, to kOpenMembers); a removed one must leave them.
  EXPECT_EQ(change_members_of_the_contract(), covered);
}

TEST_F(DaemonSecurity, UnauthorizedCallerChangesNothing) {
  DaemonRig rig({.card_seed = seed()});
  rig.allow({});
  const json card_before = rig.card_state();
  for (const auto& [member, change] : guarded_changes()) {
    BusReply r = change.call(rig);
    EXPECT_EQ(r.error_name(), "org.euiccd1.Error.NotAuthorized")
        << member << ": " << r.error_message();
    EXPECT_NE(r.error_message().find(change.action), std::string::npos)
        << member << " must name " << change.action << ": " << r.error_message();
  }
  // The open member still works; nothing changed on the card, in the daemon or on disk.
  EXPECT_TRUE(rig.call(DaemonRig::euicc_path(), kEuiccIface, "Refresh").ok());
  EXPECT_EQ(rig.card_state(), card_before);
  EXPECT_EQ(rig.get_string(DaemonRig::profile_path(kHomeIccid), kProfileIface, "Nickname"), "Home");
  EXPECT_EQ(
      rig.get<uint64_t>(DaemonRig::profile_path(kHomeIccid), kProfileIface, "PlanExpiresAt", 't'),
      0U);
  EXPECT_EQ(rig.get_string(DaemonRig::euicc_path(), kEuiccIface, "DefaultSmdpAddress"),
            "smdp.example.com");
  EXPECT_TRUE(job_paths(rig).empty()) << "a refused call left a job";
  EXPECT_FALSE(std::filesystem::exists(rig.state_dir() + "/prepaid.json"));
  EXPECT_TRUE(rig.daemon().running()) << rig.logs();
}

TEST_F(DaemonSecurity, JobOfAnotherCallerNeedsPolkit) {
  SilentServer smds;
  DaemonRig rig({.card_seed = seed(), .daemon_args = {"--resolve", smds.resolve_entry()}});
  rig.allow({"org.euiccd1.discover"});
  BusReply r = rig.call(DaemonRig::euicc_path(), kEuiccIface, "DiscoverProfiles", "s",
                        smds.address().c_str());
  ASSERT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  const std::string job = r.read_string('o');
  ASSERT_TRUE(smds.wait_for_client(10s)) << rig.logs();
  rig.allow({});

  BusClient stranger(rig.bus_address());
  for (const char* member : {"Confirm", "Cancel"}) {
    BusReply refused = std::string(member) == "Confirm"
                           ? stranger.call(kEuiccdBus, job, kJobIface, member, "b", 1)
                           : stranger.call(kEuiccdBus, job, kJobIface, member, nullptr);
    EXPECT_EQ(refused.error_name(), "org.euiccd1.Error.NotAuthorized")
        << member << ": " << refused.error_message();
    EXPECT_NE(refused.error_message().find("org.euiccd1.download"), std::string::npos)
        << refused.error_message();
  }
  EXPECT_EQ(rig.job_string(job, "State"), "running");
  // Its owner needs no polkit.
  r = rig.call(job, kJobIface, "Cancel");
  EXPECT_TRUE(r.ok()) << r.error_name() << ": " << r.error_message();
  EXPECT_EQ(rig.wait_job(job, 10s), "cancelled") << rig.logs();
}

// ---- b. secrets stay out of the log and the state directory -------------------------------------

constexpr char kCcMatchingId[] = "MATCH-CC-7QX2W9";
constexpr char kUnknownMatchingId[] = "MATCH-NONE-4RT8Z1";
constexpr char kConfirmationCode[] = "Cc-Secret-58213";
constexpr char kWrongConfirmationCode[] = "Cc-Wrong-90467";
constexpr char kCcIccid[] = "8944000000000000025";

SharedSmdp& smdp() {
  static SharedSmdp s([] {
    json cc = smdpp_test::order(kCcMatchingId, kCcIccid, 5000);
    cc["confirmationCode"] = kConfirmationCode;
    cc["reusable"] = true;
    return json::array({cc});
  }());
  return s;
}

// Every file under `dir` whose content contains `needle`.
std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec))
    if (entry.is_regular_file() &&
        read_text_file(entry.path().string()).find(needle) != std::string::npos)
      found.push_back(entry.path().string());
  return found;
}

TEST_F(DaemonSecurity, SecretsStayOutOfTheLogAndTheStateDirectory) {
  DaemonRig rig({.smdp = smdp().server.get()});
  rig.allow({"org.euiccd1.download"});
  const std::string code = smdp().activation_code(kCcMatchingId);
  auto download = [&](const std::string& activation_code, const char* confirmation_code) {
    BusReply r = rig.call(DaemonRig::euicc_path(), kEuiccIface, "DownloadProfile", "sa{sv}",
                          activation_code.c_str(), 1, "confirmation_code", "s", confirmation_code);
    if (!r.ok()) throw std::runtime_error(r.error_name() + ": " + r.error_message());
    return r.read_string('o');
  };

  // A wrong code: the SM-DP+ refuses it.
  std::string job = download(code, kWrongConfirmationCode);
  ASSERT_EQ(rig.wait_job(job), "failed") << rig.logs();
  EXPECT_EQ(rig.job_string(job, "ErrorName"), "org.euiccd1.Error.InvalidArgument");
  EXPECT_NE(rig.job_string(job, "ErrorMessage").find("confirmation code was refused"),
            std::string::npos)
      << rig.job_string(job, "ErrorMessage");
  // A matching id the SM-DP+ does not know: its refusal repeats the id.
  job = download(smdp().activation_code(kUnknownMatchingId), kConfirmationCode);
  ASSERT_EQ(rig.wait_job(job), "failed") << rig.logs();
  EXPECT_EQ(rig.job_string(job, "ErrorName"), "org.euiccd1.Error.InvalidArgument");
  // Job properties are readable by every bus user: the id is not repeated there either.
  EXPECT_EQ(rig.job_string(job, "ErrorMessage").find(kUnknownMatchingId), std::string::npos)
      << rig.job_string(job, "ErrorMessage");
  // The right code.
  job = download(code, kConfirmationCode);
  ASSERT_EQ(rig.wait_job(job), "succeeded") << rig.job_string(job, "ErrorMessage") << rig.logs();
  EXPECT_FALSE(rig.card_profile(kCcIccid).is_null());
  rig.stop_daemon();  // everything it writes is on disk now

  const std::string log = rig.daemon_log();
  EXPECT_NE(log.find(smdp().server->address()), std::string::npos)
      << "the SM-DP+ address belongs in the log" << log;
  for (const std::string secret :
       {kCcMatchingId, kUnknownMatchingId, kConfirmationCode, kWrongConfirmationCode}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " is in the log:\n" << log;
    EXPECT_EQ(files_containing(rig.state_dir(), secret), std::vector<std::string>{})
        << secret << " is in the state directory";
  }
}

// ---- c. resource limits on queued work --------------------------------------------------------

constexpr size_t kQueueLimit = euiccd::daemon::Euicc::kMaxQueuedChanges;

// A ProcessNotifications stuck at a server that never answers holds the card worker; changes
// queue behind it up to the limit, the rest are refused at once, and reading stays free.
TEST_F(DaemonSecurity, QueuedChangesAreBounded) {
  SilentServer server;
  const json pending = json::array(
      {{{"seq", 1}, {"event", "disable"}, {"address", server.address()}, {"iccid", kHomeIccid}}});
  // The delivery waits in the TLS handshake, which the connect timeout bounds: far beyond
  // this test, so that only let_go() ends it. AutoProcess=no: the daemon would otherwise
  // deliver the pending notification at start itself, ahead of the blocker.
  DaemonRig rig(
      {.card_seed = seed(pending),
       .daemon_config = "[Network]\nConnectTimeoutSec=120\n[Notifications]\nAutoProcess=no\n",
       .daemon_args = {"--resolve", server.resolve_entry()}});
  rig.allow({"org.euiccd1.process-notifications", "org.euiccd1.rename"});
  const std::string euicc = DaemonRig::euicc_path();
  const std::string travel = DaemonRig::profile_path(kTravelIccid);

  AsyncReply blocker;
  ASSERT_TRUE(rig.call_async(blocker, euicc, kEuiccIface, "ProcessNotifications"));
  ASSERT_TRUE(server.wait_for_client(15s)) << "the notification never left" << rig.logs();

  // The blocker is the first of the kQueueLimit; kQueueLimit - 1 renames join it.
  constexpr size_t kRenames = kQueueLimit + 5;
  const size_t expected_busy = kRenames - (kQueueLimit - 1);
  std::vector<AsyncReply> renames(kRenames);
  for (size_t i = 0; i < kRenames; ++i) {
    const std::string nickname = "Queued-" + std::to_string(i);
    ASSERT_TRUE(
        rig.call_async(renames[i], travel, kProfileIface, "SetNickname", "s", nickname.c_str()));
  }
  ASSERT_TRUE(rig.pump_until([&] { return count_done(renames) >= expected_busy; }, 20s))
      << count_done(renames) << " answered" << rig.logs();
  // No more answers while the card worker is held: the others are queued, not lost.
  rig.pump_until([] { return false; }, 500ms);
  EXPECT_EQ(count_done(renames), expected_busy);
  EXPECT_FALSE(blocker.done);

  // Still answering: properties are free, another change is refused with the count.
  EXPECT_EQ(rig.get_string(euicc, kEuiccIface, "Eid"), kTestEid);
  BusReply refused = rig.call(euicc, kEuiccIface, "Refresh");
  EXPECT_EQ(refused.error_name(), "org.euiccd1.Error.Busy");
  EXPECT_NE(refused.error_message().find(std::to_string(kQueueLimit) + " changes queued"),
            std::string::npos)
      << refused.error_message();

  server.let_go();  // the delivery fails at once; the queue runs
  ASSERT_TRUE(rig.pump_until([&] { return blocker.done && count_done(renames) == kRenames; }, 30s))
      << count_done(renames) << " answered" << rig.logs();
  // The connection closed in the TLS handshake: Network or Tls, by curl's reading of it.
  EXPECT_FALSE(blocker.error_name.empty()) << "the notification cannot have been delivered";
  EXPECT_EQ(rig.get<uint32_t>(euicc, kEuiccIface, "PendingNotifications", 'u'), 1U);
  size_t succeeded = 0, busy = 0;
  std::string last_accepted;
  for (size_t i = 0; i < kRenames; ++i) {
    if (renames[i].error_name.empty()) {
      ++succeeded;
      last_accepted = "Queued-" + std::to_string(i);
    } else if (renames[i].error_name == "org.euiccd1.Error.Busy") {
      ++busy;
      EXPECT_NE(renames[i].error_message.find("at most " + std::to_string(kQueueLimit)),
                std::string::npos)
          << renames[i].error_message;
    } else {
      ADD_FAILURE() << "rename " << i << ": " << renames[i].error_name << ": "
                    << renames[i].error_message;
    }
  }
  EXPECT_EQ(succeeded, kQueueLimit - 1);
  EXPECT_EQ(busy, expected_busy);
  // They ran in arrival order: the card holds the last accepted name.
  EXPECT_EQ(rig.card_profile(kTravelIccid).value("nickname", ""), last_accepted);
  EXPECT_TRUE(rig.call(euicc, kEuiccIface, "Refresh").ok());
  EXPECT_TRUE(rig.daemon().running()) << rig.logs();
}

// A job holds the card: a second job and every change are refused at once, not queued.
// Finished jobs stay on the bus for a while, but only the latest kMaxFinishedJobs.
TEST_F(DaemonSecurity, OneJobAtATimeAndFinishedJobsAreCapped) {
  SilentServer smds;
  SilentServer closed;
  closed.let_go();  // nobody listens there any more: a discovery fails at once
  DaemonRig rig(
      {.card_seed = seed(),
       .daemon_args = {"--resolve", smds.resolve_entry(), "--resolve", closed.resolve_entry()}});
  rig.allow({"org.euiccd1.discover", "org.euiccd1.download", "org.euiccd1.rename"});
  const std::string euicc = DaemonRig::euicc_path();

  BusReply r = rig.call(euicc, kEuiccIface, "DiscoverProfiles", "s", smds.address().c_str());
  ASSERT_TRUE(r.ok()) << r.error_message();
  const std::string held = r.read_string('o');
  ASSERT_TRUE(smds.wait_for_client(10s)) << rig.logs();
  auto expect_busy = [](const BusReply& refused) {
    EXPECT_EQ(refused.error_name(), "org.euiccd1.Error.Busy") << refused.error_message();
    EXPECT_NE(refused.error_message().find("job 1"), std::string::npos) << refused.error_message();
  };
  expect_busy(rig.call(euicc, kEuiccIface, "DiscoverProfiles", "s", smds.address().c_str()));
  expect_busy(rig.call(euicc, kEuiccIface, "DownloadProfile", "sa{sv}",
                       "LPA:1$smdp.example.com$MATCHING-ID", 0));
  expect_busy(
      rig.call(DaemonRig::profile_path(kTravelIccid), kProfileIface, "SetNickname", "s", "x"));
  ASSERT_TRUE(rig.call(held, kJobIface, "Cancel").ok());
  ASSERT_EQ(rig.wait_job(held, 10s), "cancelled") << rig.logs();

  constexpr size_t kCap = euiccd::dbus::Service::kMaxFinishedJobs;
  std::string last;
  for (size_t i = 0; i < kCap + 4; ++i) {
    r = rig.call(euicc, kEuiccIface, "DiscoverProfiles", "s", closed.address().c_str());
    ASSERT_TRUE(r.ok()) << i << ": " << r.error_name() << ": " << r.error_message();
    last = r.read_string('o');
    ASSERT_EQ(rig.wait_job(last, 20s), "failed") << rig.logs();
    EXPECT_EQ(rig.job_string(last, "ErrorName"), "org.euiccd1.Error.Network");
  }
  const std::vector<std::string> jobs = job_paths(rig);
  EXPECT_EQ(jobs.size(), kCap);
  EXPECT_NE(std::find(jobs.begin(), jobs.end(), last), jobs.end());
  EXPECT_EQ(std::find(jobs.begin(), jobs.end(), held), jobs.end()) << "the oldest is still there";
}

// ---- d. TLS refused through the daemon --------------------------------------------------------

// An SM-DP+ presenting `certificate` (tests/pki/make-server-pki.sh) instead of its good one.
std::unique_ptr<smdpp_test::Server> smdp_with_certificate(const std::string& certificate,
                                                          const TempDir& dir) {
  const std::string pki = smdpp_test::shared_test_pki();
  return std::make_unique<smdpp_test::Server>(
      pki,
      smdpp_test::smdp_config(smdpp_test::kSmdpHost,
                              {smdpp_test::order("TLS-1", "8944000000000000033", 5000)}),
      dir.file(certificate + ".log"),
      std::vector<std::string>{"--tls-cert", pki + "/" + certificate + ".pem", "--tls-key",
                               pki + "/" + certificate + ".key"});
}

TEST_F(DaemonSecurity, TlsToABadServerIsRefused) {
  struct Case {
    const char* certificate;
    const char* words;  // what the job's ErrorMessage says
  };
  const std::vector<Case> cases = {{"dptls-untrusted", "is not trusted"},
                                   {"dptls-wronghost", "different host name"},
                                   {"dptls-expired", "has expired"}};
  TempDir dir;
  std::vector<std::unique_ptr<smdpp_test::Server>> servers;
  RigOptions options{.card_seed = seed()};
  for (const auto& c : cases) {
    servers.push_back(smdp_with_certificate(c.certificate, dir));
    options.daemon_args.insert(options.daemon_args.end(),
                               {"--resolve", servers.back()->resolve_entry()});
  }
  DaemonRig rig(options);
  rig.allow({"org.euiccd1.download"});
  const json card_before = rig.card_state();
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].certificate);
    const std::string job = rig.start_download("LPA:1$" + servers[i]->address() + "$TLS-1");
    ASSERT_EQ(rig.wait_job(job, 30s), "failed") << rig.logs();
    EXPECT_EQ(rig.job_string(job, "ErrorName"), "org.euiccd1.Error.Tls");
    EXPECT_NE(rig.job_string(job, "ErrorMessage").find(cases[i].words), std::string::npos)
        << rig.job_string(job, "ErrorMessage");
    const json state = servers[i]->state();
    // It got as far as TLS (a wrong host name is found after a handshake that succeeded),
    // and not one request was sent.
    EXPECT_GE(state["tlsHandshakes"].get<int>() + state["tlsHandshakeFailures"].get<int>(), 1)
        << state.dump();
    EXPECT_EQ(state["requestCounts"], json::object()) << "a request reached the server";
  }
  EXPECT_EQ(rig.card_state(), card_before) << "the card was changed";
}

}  // namespace
