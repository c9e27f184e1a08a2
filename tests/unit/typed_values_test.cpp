// The typed values parsed once at the edge: Secret (redacted in every printable form),
// Nickname and Imei (their rules written once), and the ActivationCode that carries a Secret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "base/error.h"
#include "lpa/activation_code.h"
#include "lpa/imei.h"
#include "lpa/nickname.h"
#include "lpa/secret.h"

namespace euiccd::lpa {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

template <typename F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::InvalidArgument);
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

constexpr const char* kValue = "MATCH-ID-4711-SECRET";

TEST(Secret, RevealGivesTheValueBack) {
  const Secret s(kValue);
  EXPECT_EQ(s.reveal(), kValue);
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(Secret().empty());
  EXPECT_EQ(Secret(kValue), Secret(std::string(kValue)));
  EXPECT_NE(Secret(kValue), Secret("other"));
}

TEST(Secret, NoPrintableFormCarriesTheValue) {
  const Secret s(kValue);
  EXPECT_EQ(s.to_string(), "[hidden]");
  std::ostringstream stream;
  stream << "code=" << s;
  EXPECT_EQ(stream.str(), "code=[hidden]");
  // gtest prints values through operator<<: a failing assertion cannot leak it either.
  EXPECT_THAT(::testing::PrintToString(s), Not(HasSubstr("4711")));
  // The form says nothing about the value, not even whether there is one.
  EXPECT_EQ(Secret().to_string(), s.to_string());
}

TEST(Secret, AnActivationCodeCarriesItsMatchingIdAsASecret) {
  const ActivationCode code =
      parse_activation_code(std::string("LPA:1$smdp.example.com$") + kValue);
  EXPECT_EQ(code.matching_id.reveal(), kValue);
  std::ostringstream stream;
  stream << code.smdp_address << " " << code.matching_id;
  EXPECT_EQ(stream.str(), "smdp.example.com [hidden]");
  // The canonical text is the code itself, to hand on: it has to carry the id.
  EXPECT_THAT(code.to_string(), HasSubstr(kValue));
}

TEST(Nickname, LimitIsSixtyFourBytes) {
  EXPECT_EQ(kMaxNicknameBytes, 64u);
  EXPECT_EQ(Nickname::parse("").text(), "");
  EXPECT_TRUE(Nickname::parse("").empty());
  EXPECT_EQ(Nickname::parse("Travel ✈ 2024").text(), "Travel ✈ 2024");
  EXPECT_NO_THROW(Nickname::parse(std::string(64, 'n')));
  EXPECT_THAT(refusal([] { Nickname::parse(std::string(65, 'n')); }), HasSubstr("at most 64"));
  std::string wide;  // 22 × 3-byte characters = 66 bytes
  for (int i = 0; i < 22; ++i) wide += "✈";
  EXPECT_THAT(refusal([&] { Nickname::parse(wide); }), HasSubstr("too long"));
}

TEST(Nickname, ControlCharactersAreRefused) {
  for (const std::string& bad : {std::string("a\tb"), std::string("a\x7f"), std::string("a\nb"),
                                 std::string("\xC2\x85"), std::string("x\x1b[2J")})
    EXPECT_THAT(refusal([&] { Nickname::parse(bad); }), HasSubstr("control character"));
  EXPECT_NO_THROW(Nickname::parse("Caf\xC3\xA9 \xC2\xA0"));  // é and NBSP are text
}

TEST(Imei, FifteenOrSixteenDigits) {
  EXPECT_EQ(Imei::parse("353290061100017").digits(), "353290061100017");
  EXPECT_EQ(Imei::parse("3532900611000171").digits(), "3532900611000171");
  EXPECT_THAT(refusal([] { Imei::parse("35329006110001"); }), HasSubstr("15 digits"));
  EXPECT_THAT(refusal([] { Imei::parse("35329006110001712"); }), HasSubstr("got 17"));
  EXPECT_THAT(refusal([] { Imei::parse(""); }), HasSubstr("got 0"));
  EXPECT_THAT(refusal([] { Imei::parse("35329006110001A"); }), HasSubstr("digits only"));
  EXPECT_THAT(refusal([] { Imei::parse("35329006110001 "); }), HasSubstr("digits only"));
}

}  // namespace
}  // namespace euiccd::lpa
