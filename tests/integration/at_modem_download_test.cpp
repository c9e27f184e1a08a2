// A profile download over an AT modem: ProfileDownloader → Es10Channel (120-byte segments, as
// a modem's command line needs) → LogicalChannel → AtChannelLink → a pty → the real
// `veuicc --modem at` process, and the engine → CurlHttpClient → the Python test SM-DP+ on
// loopback. Prints the figures of issue 12 (APDUs, AT commands, bytes on the wire, time), also
// at a fixed modem latency, and downloads once more through the +CSIM fallback with URCs in
// every reply.
//
// Runs inside tests/integration/pcsc-sandbox.sh like its siblings (no pcscd is used).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"
#include "lpa/download.h"
#include "lpa/es10_client.h"
#include "modem/at/at_channel_link.h"
#include "tests/support/subprocess.h"
#include "tests/unit/smdpp_process.h"

using namespace euiccd;
using namespace euiccd::smdpp_test;
using namespace std::chrono_literals;
using euiccd::modem::at::AtChannelLink;
using euiccd::modem::at::AtLinkOptions;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kIccid[] = "8944000000000000017";

class AtModemDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    json plain = order("PLAIN", kIccid, 5000);
    plain["reusable"] = true;
    smdp_ = std::make_unique<Server>(pki_, smdp_config(kSmdpHost, json::array({plain})),
                                     dir_.file("smdp.log"));
  }
  void TearDown() override {
    client_.reset();
    es10_.reset();
    channel_.reset();
    link_.reset();
    if (modem_) modem_->stop(SIGTERM);
    if (HasFailure()) {
      std::printf("--- veuicc log (tail) ---\n%s\n",
                  tail(read_text(dir_.file("veuicc.log"))).c_str());
      std::printf("--- smdp log (tail) ---\n%s\n", tail(smdp_->log()).c_str());
    }
  }
  static std::string tail(const std::string& s) {
    return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
  }

  void start(std::vector<std::string> extra) {
    const std::string port = dir_.file("ttyAT0");
    std::vector<std::string> argv = {EUICCD_BINARY_DIR "/veuicc/veuicc",
                                     "--state",
                                     dir_.file("state.json"),
                                     "--euicc-cert",
                                     pki_ + "/euicc.pem",
                                     "--euicc-key",
                                     pki_ + "/euicc.key",
                                     "--eum-cert",
                                     pki_ + "/eum.pem",
                                     "--ci-cert",
                                     pki_ + "/ci.pem",
                                     "--modem",
                                     "at",
                                     "--pty-link",
                                     port};
    argv.insert(argv.end(), extra.begin(), extra.end());
    modem_ = std::make_unique<euiccd::testing::Subprocess>(argv, dir_.file("veuicc.log"));
    const auto deadline = Clock::now() + 10s;
    struct stat st {};
    while (::stat(port.c_str(), &st) != 0) {
      ASSERT_TRUE(modem_->running()) << read_text(dir_.file("veuicc.log"));
      ASSERT_LT(Clock::now(), deadline) << "the modem's pty link did not appear";
      std::this_thread::sleep_for(5ms);
    }
    link_ = std::make_unique<AtChannelLink>(AtLinkOptions{port, 5000ms, true});
    channel_ = std::make_unique<apdu::LogicalChannel>(*link_);
    es10_ = std::make_unique<apdu::Es10Channel>(*channel_, AtChannelLink::kSegmentSize);
    client_ = std::make_unique<lpa::Es10Client>(*es10_);
  }

  // Downloads PLAIN and prints what it cost on the wire.
  void download_and_measure(const char* what) {
    lpa::ProfileDownloader downloader(*es10_, [this](const std::string&) {
      return std::make_unique<net::CurlHttpClient>(
          curl_options(pki_, {smdp_->resolve_entry()}, 20s));
    });
    lpa::DownloadOptions o;
    o.activation_code = lpa::parse_activation_code("LPA:1$" + smdp_->address() + "$PLAIN");
    const auto apdus = es10_->stats().apdus;
    const auto apdu_bytes = es10_->stats().bytes_out + es10_->stats().bytes_in;
    const auto wire = link_->stats();
    const auto start_time = Clock::now();
    const lpa::DownloadResult r = downloader.download(o);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_time).count();
    const auto& now = link_->stats();
    std::printf(
        "download of a 5000-byte profile over AT (%s): %llu APDUs (%llu APDU bytes), %llu AT "
        "commands, %llu bytes out + %llu bytes in on the wire, %lld ms\n",
        what, static_cast<unsigned long long>(es10_->stats().apdus - apdus),
        static_cast<unsigned long long>(es10_->stats().bytes_out + es10_->stats().bytes_in -
                                        apdu_bytes),
        static_cast<unsigned long long>(now.commands - wire.commands),
        static_cast<unsigned long long>(now.bytes_out - wire.bytes_out),
        static_cast<unsigned long long>(now.bytes_in - wire.bytes_in), static_cast<long long>(ms));
    EXPECT_EQ(r.iccid, kIccid);
    EXPECT_EQ(r.notifications.sent, 1u);
    const auto infos = client_->get_profiles_info();
    ASSERT_EQ(infos.size(), 1u);
    EXPECT_EQ(infos[0].iccid, kIccid);
    EXPECT_TRUE(client_->list_notifications().empty());
    const json notes = smdp_->state()["notifications"];
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0]["verified"], true) << notes[0].dump();
  }

  std::string pki_ = shared_test_pki();
  euiccd::testing::TempDir dir_;
  std::unique_ptr<Server> smdp_;
  std::unique_ptr<euiccd::testing::Subprocess> modem_;
  std::unique_ptr<AtChannelLink> link_;
  std::unique_ptr<apdu::LogicalChannel> channel_;
  std::unique_ptr<apdu::Es10Channel> es10_;
  std::unique_ptr<lpa::Es10Client> client_;
};

TEST_F(AtModemDownload, OverLogicalChannelCommands) {
  start({});
  download_and_measure("+CGLA, no latency");
  EXPECT_EQ(link_->mode(), AtChannelLink::Mode::LogicalChannel);
}

TEST_F(AtModemDownload, OverLogicalChannelCommandsAt10msModemLatency) {
  start({"--latency-ms", "10"});
  download_and_measure("+CGLA, 10 ms per card APDU");
}

TEST_F(AtModemDownload, OverCsimWithUrcsInEveryReply) {
  start({"--at-fault", "no-ccho", "--at-fault", "urc"});
  download_and_measure("+CSIM fallback, URCs in every reply");
  EXPECT_EQ(link_->mode(), AtChannelLink::Mode::Csim);
  EXPECT_GT(link_->stats().urcs, 0u);
}

}  // namespace
