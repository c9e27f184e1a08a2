// Drives the virtual eUICC's card logic in-process with APDU bytes (no sockets, no pcscd).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "base/bytes.h"
#include "veuicc/card.h"

namespace euiccd::veuicc::testing {

inline constexpr char kIsdrSelect[] = "00A4040010A0000005591010FFFFFFFF8900000100";
inline constexpr char kEid[] = "89049032123451234512345678901235";

// The test PKI from tests/pki/make-test-pki.sh, generated once per test binary and removed at
// exit.
inline const std::string& test_pki_dir() {
  struct Dir {
    std::string path;
    Dir()
        : path(std::filesystem::temp_directory_path() /
               ("veuicc-pki-" + std::to_string(::getpid()))) {
      const std::string cmd = "sh " EUICCD_SOURCE_DIR "/tests/pki/make-test-pki.sh " + path;
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("make-test-pki.sh failed");
    }
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Dir dir;
  return dir.path;
}

inline Credentials test_credentials() {
  const std::string& d = test_pki_dir();
  return Credentials::load({d + "/euicc.pem", d + "/euicc.key", d + "/eum.pem", {d + "/ci.pem"}});
}

class CardHarness {
 public:
  explicit CardHarness(CardState state = {}, CardConfig config = {}, std::string state_path = {},
                       Credentials credentials = {})
      : credentials_(std::move(credentials)),
        store_(std::move(state_path), std::move(state)),
        card_(with_eid(std::move(config)), store_, credentials_) {}

  // Sends hex, returns the R-APDU as hex.
  std::string send(const std::string& hex) { return to_hex(card_.transmit(from_hex(hex))); }

  // Selects the ISD-R on the basic channel, runs one ES10 command in a single STORE DATA
  // block and collects the answer like an LPA: inline data, then GET RESPONSE while 61xx.
  std::string es10(const std::string& request_hex) {
    const std::string sel = send(kIsdrSelect);
    EXPECT_EQ(sel.substr(sel.size() - 4), "9000");
    const Bytes req = from_hex(request_hex);
    Bytes apdu{0x80, 0xE2, 0x91, 0x00, static_cast<uint8_t>(req.size())};
    append(apdu, req);
    std::string out = to_hex(card_.transmit(apdu));
    for (int guard = 0; guard < 100 && out.size() >= 4 && out.compare(out.size() - 4, 2, "61") == 0;
         ++guard) {
      const std::string le = out.substr(out.size() - 2);
      out = out.substr(0, out.size() - 4) + send("00C00000" + le);
    }
    return out;
  }

  Card& card() { return card_; }
  CardState& state() { return store_.state(); }
  const Credentials& credentials() const { return credentials_; }

 private:
  static CardConfig with_eid(CardConfig c) {
    if (c.eid.empty()) c.eid = from_hex(kEid);
    return c;
  }

  Credentials credentials_;
  StateStore store_;
  Card card_;
};

// Profiles for the tests: ICCIDs whose swapped-BCD form is known from lpa/iccid.h.
// ISD-P AID number n: A0000005591010FFFFFFFF89000010 + n + 00.
inline Profile make_profile(const std::string& iccid, bool enabled, uint8_t n) {
  Profile p;
  p.iccid = iccid;
  p.enabled = enabled;
  p.isdp_aid = from_hex("A0000005591010FFFFFFFF8900001000");
  p.isdp_aid[14] = static_cast<uint8_t>(0x10 + n);
  p.size = 1000;
  return p;
}

}  // namespace euiccd::veuicc::testing
