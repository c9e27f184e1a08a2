// Every ES10 decoder, fed truncated and byte-mutated versions of valid responses, either
// decodes or throws euiccd::Error — never another exception, a crash or a hang (run this
// under EUICCD_SANITIZE to catch out-of-bounds reads).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "base/error.h"
#include "lpa/es10_codec.h"
#include "test_bytes.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::testing::ascii;
using euiccd::testing::code_of;
using euiccd::testing::h;

namespace {

struct Sample {
  const char* name;
  std::function<void(ByteView)> decode;
  Bytes valid;
};

std::vector<Sample> samples() {
  const std::string iccid = "98 44 74 56 00 00 21 42 51 F8";
  return {
      {"GetEID", [](ByteView b) { decode_get_eid_response(b); },
       h("BF3E 12 5A 10 89049032123451234512345678901235")},
      {"EUICCInfo1", [](ByteView b) { decode_euicc_info1(b); },
       h("BF20 1F 82 03 02 03 00 A9 0C 04 0A 81370F5125D0B1D408D4 AA 0A 04 08 81370F5125D0B1D4")},
      {"EUICCInfo2", [](ByteView b) { decode_euicc_info2(b); },
       h("BF22 33 81 03 020300 82 03 020202 83 03 040200 84 03 81 01 05 85 02 03 68 88 02 04 90"
         " A9 00 AA 00 8B 01 02 04 03 000000 0C 01 41 AC 06 80 01 50 81 01 55")},
      {"Challenge", [](ByteView b) { decode_get_euicc_challenge_response(b); },
       h("BF2E 12 80 10 000102030405060708090A0B0C0D0E0F")},
      {"ProfilesInfo", [](ByteView b) { decode_get_profiles_info_response(b); },
       h("BF2D 2D A0 2B E3 29 5A 0A " + iccid +
         " 9F70 01 01 95 01 02 B6 09 30 07 80 02 06 40 81 01 61 B7 05 80 03 02F660 99 02 06 40")},
      {"ListNotification", [](ByteView b) { decode_list_notification_response(b); },
       h("BF28 1B A0 19 BF2F 16 80 01 05 81 02 07 80 0C 01 61 5A 0A " + iccid)},
      {"RetrieveNotifications", [](ByteView b) { decode_retrieve_notifications_response(b); },
       h("BF2B 1E A0 1C 30 1A BF2F 0A 80 01 05 81 02 06 40 0C 01 61 5F37 02 AB CD 30 02 0500"
         " 30 02 0500")},
      {"Addresses", [](ByteView b) { decode_get_configured_addresses_response(b); },
       h("BF3C 06 80 01 61 81 01 62")},
      {"Rat", [](ByteView b) { decode_get_rat_response(b); },
       h("BF43 14 A0 12 30 10 80 02 06 40 A1 07 30 05 80 03 62FEE0 82 01 00")},
      {"Enable", [](ByteView b) { decode_enable_profile_response(b); }, h("BF31 03 80 01 00")},
  };
}

void expect_only_euiccd_errors(const Sample& s, ByteView input, const std::string& how) {
  try {
    s.decode(input);
  } catch (const Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << s.name << " (" << how << "): " << e.what();
  }
}

}  // namespace

TEST(Es10Robustness, SamplesAreValid) {
  for (const Sample& s : samples()) EXPECT_NO_THROW(s.decode(s.valid)) << s.name;
}

TEST(Es10Robustness, EveryTruncation) {
  for (const Sample& s : samples()) {
    for (size_t n = 0; n < s.valid.size(); ++n) {
      Bytes cut(s.valid.begin(), s.valid.begin() + static_cast<std::ptrdiff_t>(n));
      expect_only_euiccd_errors(s, cut, "truncated to " + std::to_string(n));
      EXPECT_THROW(s.decode(cut), Error) << s.name << " truncated to " << n;
    }
  }
}

TEST(Es10Robustness, EveryByteMutated) {
  for (const Sample& s : samples()) {
    for (size_t i = 0; i < s.valid.size(); ++i) {
      for (uint8_t v : {0x00, 0x01, 0x7F, 0x80, 0x81, 0x84, 0xFF, 0x1F, 0x3F}) {
        Bytes m = s.valid;
        m[i] = v;
        expect_only_euiccd_errors(s, m, "byte " + std::to_string(i) + " = " + std::to_string(v));
      }
    }
  }
}
