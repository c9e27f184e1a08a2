// Bus input checks: what a caller may send before anything reaches the engine.
#include <gtest/gtest.h>

#include <string>

#include "dbus/validate.h"

namespace euiccd::dbus {
namespace {

void expect_invalid(const std::function<void()>& f, const std::string& words) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected a refusal mentioning \"" << words << "\"";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(DbusValidate, Nicknames) {
  EXPECT_NO_THROW(validate_nickname(""));
  EXPECT_NO_THROW(validate_nickname("Travel ✈ 2024"));
  EXPECT_NO_THROW(validate_nickname(std::string(64, 'n')));
  expect_invalid([] { validate_nickname(std::string(65, 'n')); }, "at most 64");
  // 22 three-byte characters are 66 bytes: the limit is bytes, as on the card.
  std::string wide;
  for (int i = 0; i < 22; ++i) wide += "✈";
  expect_invalid([&] { validate_nickname(wide); }, "too long");
  expect_invalid([] { validate_nickname("a\tb"); }, "control character");
  expect_invalid([] { validate_nickname(std::string("a\x7f")); }, "control character");
}

TEST(DbusValidate, Iccids) {
  EXPECT_NO_THROW(validate_iccid("891000000000000004"));    // 18
  EXPECT_NO_THROW(validate_iccid("8944476500001224158"));   // 19
  EXPECT_NO_THROW(validate_iccid("89012600000000000013"));  // 20
  expect_invalid([] { validate_iccid("89100000000000004"); }, "18 to 20 digits");
  expect_invalid([] { validate_iccid("890126000000000000131"); }, "18 to 20 digits");
  expect_invalid([] { validate_iccid("894447650000122415F"); }, "not an ICCID");
}

TEST(DbusValidate, ServerAddresses) {
  EXPECT_NO_THROW(validate_optional_address("", "the SM-DS address"));
  EXPECT_NO_THROW(validate_optional_address("smdp.example.com", "the SM-DP+ address"));
  EXPECT_NO_THROW(validate_optional_address("smdp.example.com:8443", "the SM-DP+ address"));
  expect_invalid([] { validate_optional_address("bad host", "the SM-DP+ address"); },
                 "SM-DP+ address");
  expect_invalid([] { validate_optional_address("smdp.example.com:0", "the SM-DS address"); },
                 "SM-DS address");
  expect_invalid([] { validate_optional_address(std::string(300, 'a'), "the SM-DS address"); },
                 "too long");
}

TEST(DbusValidate, ResetOptions) {
  EXPECT_NO_THROW(validate_reset_options(1));
  EXPECT_NO_THROW(validate_reset_options(7));
  expect_invalid([] { validate_reset_options(0); }, "at least one");
  expect_invalid([] { validate_reset_options(8); }, "unknown bits");
  expect_invalid([] { validate_reset_options(0x80000001); }, "unknown bits");
}

}  // namespace
}  // namespace euiccd::dbus
