// The virtual eUICC's ATR offers T=0 and T=1 like real eUICCs (issue 14, item 6), so a client
// that asks pcscd for T=0 only (lpac's default) connects as well as one that asks for T=1 only
// or for either. Each connection runs real ES10 work through our apdu/ stack (LogicalChannel →
// Es10Channel → Es10Client) over real pcscd + Debian's vpcd. pcscd refuses a transmit whose
// protocol is not the connection's (SCARD_E_PROTO_MISMATCH), so each exchange really ran under
// the protocol asked for.
//
// Runs inside tests/integration/pcsc-sandbox.sh (VPCD_PORT set); skipped elsewhere.
#include <PCSC/winscard.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "apdu/pcsc_reader.h"
#include "base/error.h"
#include "lpa/es10_client.h"
#include "tests/support/subprocess.h"

using namespace euiccd;
using namespace std::chrono_literals;
using euiccd::testing::Subprocess;
using euiccd::testing::TempDir;

namespace {

constexpr char kEid[] = "89049032123451234512345678901235";  // make-test-pki.sh's default

// Four profiles with long names: GetProfilesInfo answers with more than 256 bytes, so the rest
// comes by 61xx + GET RESPONSE.
nlohmann::json seed() {
  nlohmann::json profiles = nlohmann::json::array();
  for (int i = 0; i < 4; ++i) {
    profiles.push_back({{"iccid", "894400000000000010" + std::to_string(i)},
                        {"state", i == 0 ? "enabled" : "disabled"},
                        {"service_provider_name", "Protocol Mobile " + std::string(40, 'x')},
                        {"profile_name", "Plan " + std::to_string(i) + std::string(40, 'y')},
                        {"profile_class", "operational"},
                        {"size", 20000}});
  }
  return {{"memory", {{"nvm_bytes", 1048576}, {"free_ram_bytes", 65536}}}, {"profiles", profiles}};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The protocols an ATR offers (ISO 7816-3 §8.2: each TDi names one in its low nibble; none at
// all means T=0), and whether its check byte is right when it needs one.
struct AtrProtocols {
  bool t0 = false, t1 = false, tck_ok = false;
};
AtrProtocols decode_atr(const Bytes& atr) {
  AtrProtocols p;
  if (atr.size() < 2) return p;
  size_t at = 1;
  uint8_t y = atr[at] >> 4;
  const size_t historical = atr[at] & 0x0F;
  bool any_td = false, needs_tck = false;
  ++at;
  while (true) {
    for (int bit = 0; bit < 3; ++bit)  // TA, TB, TC
      if (y & (1 << bit)) ++at;
    if (!(y & 0x8)) break;
    if (at >= atr.size()) return p;
    const uint8_t td = atr[at++];
    any_td = true;
    const int protocol = td & 0x0F;
    p.t0 = p.t0 || protocol == 0;
    p.t1 = p.t1 || protocol == 1;
    needs_tck = needs_tck || protocol != 0;
    y = td >> 4;
  }
  if (!any_td) p.t0 = true;
  const size_t end = at + historical + (needs_tck ? 1 : 0);
  if (end != atr.size()) return p;
  uint8_t x = 0;
  for (size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
  p.tck_ok = !needs_tck || x == 0;
  return p;
}

// A card connected with exactly one protocol, as a client that insists on it connects: the
// same apdu::Card contract PcscCard implements, but without its "either protocol" request.
class SingleProtocolCard : public apdu::Card {
 public:
  SingleProtocolCard(apdu::PcscContext& context, const std::string& reader, DWORD protocol)
      : protocol_(protocol) {
    const LONG rc = SCardConnect(context.handle(), reader.c_str(), SCARD_SHARE_SHARED, protocol,
                                 &handle_, &active_);
    if (rc != SCARD_S_SUCCESS)
      throw Error(Errc::NoReader, "SCardConnect: " + std::string(pcsc_stringify_error(rc)));
  }
  ~SingleProtocolCard() override { SCardDisconnect(handle_, SCARD_LEAVE_CARD); }

  DWORD active() const { return active_; }
  Bytes transmit(ByteView command) override {
    Bytes out(MAX_BUFFER_SIZE_EXTENDED);
    DWORD n = static_cast<DWORD>(out.size());
    const LONG rc =
        SCardTransmit(handle_, protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1,
                      command.data(), static_cast<DWORD>(command.size()), nullptr, out.data(), &n);
    if (rc != SCARD_S_SUCCESS)
      throw Error(Errc::CardRemoved, "SCardTransmit: " + std::string(pcsc_stringify_error(rc)));
    out.resize(n);
    return out;
  }
  apdu::Protocol protocol() const override {
    return protocol_ == SCARD_PROTOCOL_T0 ? apdu::Protocol::T0 : apdu::Protocol::T1;
  }
  void reconnect() override {}

 private:
  DWORD protocol_;
  SCARDHANDLE handle_ = 0;
  DWORD active_ = 0;
};

class VeuiccProtocols : public ::testing::Test {
 protected:
  // One PKI for the suite: making it is the slow part.
  static void SetUpTestSuite() {
    if (!std::getenv("VPCD_PORT")) return;
    pki_ = std::make_unique<TempDir>();
    std::string out;
    ASSERT_EQ(
        euiccd::testing::run_command(
            {"/bin/sh", EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh", pki_->path()}, &out, 60s),
        0)
        << out;
  }
  static void TearDownTestSuite() { pki_.reset(); }

  void SetUp() override {
    if (!std::getenv("VPCD_PORT")) GTEST_SKIP() << "run inside tests/integration/pcsc-sandbox.sh";
    ASSERT_TRUE(pki_);
    const TempDir& pki = *pki_;
    // The previous test's card must have left the slot before this one's comes.
    const auto gone_by = std::chrono::steady_clock::now() + 15s;
    for (bool present = true; present;) {
      present = false;
      for (const auto& r : context_.reader_status())
        present = present || (r.card_present && r.name.find(" 00 00") != std::string::npos);
      ASSERT_LT(std::chrono::steady_clock::now(), gone_by) << "the previous card did not leave";
      if (present) context_.wait_for_change(100ms);
    }
    std::ofstream(work_.file("seed.json")) << seed().dump();
    veuicc_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EUICCD_BINARY_DIR "/veuicc/veuicc", "--state",
                                 work_.file("state.json"), "--seed", work_.file("seed.json"),
                                 "--euicc-cert", pki.file("euicc.pem"), "--euicc-key",
                                 pki.file("euicc.key"), "--eum-cert", pki.file("eum.pem"),
                                 "--ci-cert", pki.file("ci.pem"), "--verbose"},
        work_.file("veuicc.log"));
    const auto end = std::chrono::steady_clock::now() + 15s;
    while (reader_.empty()) {
      for (const auto& r : context_.reader_status())
        if (r.card_present && r.name.find(" 00 00") != std::string::npos) {
          reader_ = r.name;
          atr_ = r.atr;
        }
      ASSERT_LT(std::chrono::steady_clock::now(), end) << "the card did not appear";
      if (reader_.empty()) context_.wait_for_change(100ms);
    }
  }
  void TearDown() override {
    if (HasFailure()) std::printf("--- veuicc log ---\n%s\n", read_file(log()).c_str());
  }
  std::string log() const { return work_.file("veuicc.log"); }

  // The command APDUs (hex) the card has seen so far with instruction `ins`.
  std::vector<std::string> commands(const std::string& ins) const {
    std::istringstream lines(read_file(log()));
    std::vector<std::string> found;
    for (std::string line; std::getline(lines, line);) {
      const size_t gt = line.find(" > ");
      if (line.starts_with("veuicc: #") && gt != std::string::npos && line.substr(gt + 5, 2) == ins)
        found.push_back(line.substr(gt + 3));
    }
    return found;
  }

  // EID, EUICCInfo2 and the profile list through our stack on `card`.
  void es10_work(apdu::Card& card) {
    apdu::LogicalChannel channel(card);
    apdu::Es10Channel es10_channel(channel);
    lpa::Es10Client es10(es10_channel);
    EXPECT_EQ(es10.get_eid(), kEid);
    EXPECT_FALSE(es10.get_euicc_info2().svn.empty());
    const auto profiles = es10.get_profiles_info();
    ASSERT_EQ(profiles.size(), 4u);
    EXPECT_EQ(profiles[3].iccid, "8944000000000000103");
  }

  static inline std::unique_ptr<TempDir> pki_;
  TempDir work_;
  std::unique_ptr<Subprocess> veuicc_;
  apdu::PcscContext context_;
  std::string reader_;
  Bytes atr_;
};

TEST_F(VeuiccProtocols, AtrOffersT0ThenT1WithACorrectCheckByte) {
  const AtrProtocols p = decode_atr(atr_);
  EXPECT_TRUE(p.t0) << to_hex(atr_);
  EXPECT_TRUE(p.t1) << to_hex(atr_);
  EXPECT_TRUE(p.tck_ok) << to_hex(atr_);
  // TD1 names T=0 first (the default protocol), TD2 T=1.
  EXPECT_EQ(to_hex(atr_).substr(0, 8), "3B858001");
}

TEST_F(VeuiccProtocols, T0OnlyClientGetsT0) {
  SingleProtocolCard card(context_, reader_, SCARD_PROTOCOL_T0);
  EXPECT_EQ(card.active(), DWORD{SCARD_PROTOCOL_T0});
  es10_work(card);
  EXPECT_GE(commands("C0").size(), 1u);  // the profile list's rest, by 61xx + GET RESPONSE
}

TEST_F(VeuiccProtocols, T1OnlyClientGetsT1) {
  SingleProtocolCard card(context_, reader_, SCARD_PROTOCOL_T1);
  EXPECT_EQ(card.active(), DWORD{SCARD_PROTOCOL_T1});
  es10_work(card);
  EXPECT_GE(commands("C0").size(), 1u);
}

TEST_F(VeuiccProtocols, DaemonsCardAskingForEitherWorks) {
  apdu::PcscCard card(context_, reader_);
  // pcscd prefers T=1 when the card offers both and the client allows both.
  EXPECT_EQ(card.protocol(), apdu::Protocol::T1);
  es10_work(card);
}

}  // namespace
