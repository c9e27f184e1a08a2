// pcscd at its reader limit: 16 vpcd slots (PCSCLITE_MAX_READERS_CONTEXTS, pcsc-sandbox.sh
// --readers 16, see CMakeLists.txt). The card watcher the daemon's hotplug thread uses
// (PcscContext::wait_for_change) must still work there — pcsc-lite refuses a status request
// for more than 16 readers, and the PnP pseudo reader would be the 17th — and must see a card
// in every slot at once (each vpcd instance of the sandbox has its own copy of the driver: one
// library's instances would share their slots) and see them go.
//
// Runs inside tests/integration/pcsc-sandbox.sh --readers 16; skipped elsewhere.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "apdu/pcsc_reader.h"
#include "tests/support/subprocess.h"

using namespace euiccd;
using namespace std::chrono_literals;
using euiccd::testing::Subprocess;
using euiccd::testing::TempDir;

namespace {

size_t cards_present(apdu::PcscContext& context) {
  size_t n = 0;
  for (const auto& r : context.reader_status()) n += r.card_present ? 1 : 0;
  return n;
}

// Waits through wait_for_change until `count` cards are present; false after `deadline`.
bool wait_for_cards(apdu::PcscContext& context, size_t count, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (cards_present(context) != count) {
    if (std::chrono::steady_clock::now() > end) return false;
    context.wait_for_change(500ms);
  }
  return true;
}

TEST(PcscManyReaders, WatcherWorksWithSixteenReadersAndSeesACardInEach) {
  const char* port = std::getenv("VPCD_PORT");
  const char* readers = std::getenv("VPCD_READERS");
  if (!port || !readers || std::string(readers) != "16")
    GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh --readers 16";
  TempDir pki, work;
  std::string out;
  ASSERT_EQ(
      euiccd::testing::run_command(
          {"/bin/sh", EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh", pki.path()}, &out, 60s),
      0)
      << out;

  apdu::PcscContext context;
  ASSERT_EQ(context.list_readers().size(), 16u);
  EXPECT_TRUE(context.wait_for_change(0ms));  // the first call learns the state; no throw
  EXPECT_EQ(cards_present(context), 0u);

  std::vector<std::unique_ptr<Subprocess>> cards;
  for (int slot = 0; slot < 16; ++slot) {
    const std::string n = std::to_string(slot);
    cards.push_back(std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/veuicc/veuicc", "--state",
                                 work.file("state" + n + ".json"), "--euicc-cert",
                                 pki.file("euicc.pem"), "--euicc-key", pki.file("euicc.key"),
                                 "--eum-cert", pki.file("eum.pem"), "--ci-cert", pki.file("ci.pem"),
                                 "--vpcd-port", std::to_string(std::stoi(port) + slot)},
        work.file("veuicc" + n + ".log")));
  }
  EXPECT_TRUE(wait_for_cards(context, 16, 30s)) << cards_present(context) << " of 16";
  cards.clear();  // SIGTERM: every card leaves its slot
  EXPECT_TRUE(wait_for_cards(context, 0, 30s)) << cards_present(context) << " left";
}

}  // namespace
