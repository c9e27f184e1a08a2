#include "lpa/activation_code.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"

using namespace euiccd;
using namespace euiccd::lpa;

namespace {

struct ValidCase {
  const char* text;
  ActivationCode expected;
  const char* canonical;
};

class ActivationCodeValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ActivationCodeValid, ParsesAndRoundTrips) {
  const ValidCase& c = GetParam();
  const ActivationCode code = parse_activation_code(c.text);
  EXPECT_EQ(code.smdp_address, c.expected.smdp_address);
  EXPECT_EQ(code.matching_id, c.expected.matching_id);
  EXPECT_EQ(code.smdp_oid, c.expected.smdp_oid);
  EXPECT_EQ(code.confirmation_code_required, c.expected.confirmation_code_required);
  EXPECT_EQ(code.to_string(), c.canonical);
  EXPECT_EQ(parse_activation_code(code.to_string()), code);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ActivationCodeValid,
    ::testing::Values(
        ValidCase{"LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815",
                  {"smdp.example.com", "04386-AGYFT-A74Y8-3F815", "", false},
                  "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815"},
        ValidCase{"lpa:1$host:8443$$", {"host:8443", "", "", false}, "LPA:1$host:8443$"},
        ValidCase{"1$host$tok$1.3.6.1.4.1.31746$1",
                  {"host", "tok", "1.3.6.1.4.1.31746", true},
                  "LPA:1$host$tok$1.3.6.1.4.1.31746$1"},
        ValidCase{"1$host$tok$$1", {"host", "tok", "", true}, "LPA:1$host$tok$$1"},
        ValidCase{"LpA:1$rsp.truphone.com$QRF-BETTERROAMING-PMRDGIR2EARDEIT5",
                  {"rsp.truphone.com", "QRF-BETTERROAMING-PMRDGIR2EARDEIT5", "", false},
                  "LPA:1$rsp.truphone.com$QRF-BETTERROAMING-PMRDGIR2EARDEIT5"},
        ValidCase{"1$testsmdpplus1.example.com$TS48v2_SAIP2.3",  // dots/underscores in a token
                  {"testsmdpplus1.example.com", "TS48v2_SAIP2.3", "", false},
                  "LPA:1$testsmdpplus1.example.com$TS48v2_SAIP2.3"},
        ValidCase{"  LPA:1$smdp.io$ABC$2.999.10\r\n",  // pasted with blanks and a line end
                  {"smdp.io", "ABC", "2.999.10", false},
                  "LPA:1$smdp.io$ABC$2.999.10"},
        ValidCase{"1$smdp.io$ABC$$", {"smdp.io", "ABC", "", false}, "LPA:1$smdp.io$ABC"},
        ValidCase{"1$127.0.0.1:65535$x",
                  {"127.0.0.1:65535", "x", "", false},
                  "LPA:1$127.0.0.1:65535$x"}));

struct BadCase {
  const char* text;
  const char* message_fragment;
};

class ActivationCodeInvalid : public ::testing::TestWithParam<BadCase> {};

TEST_P(ActivationCodeInvalid, RejectedWithAMessageThatSaysWhy) {
  const BadCase& c = GetParam();
  try {
    parse_activation_code(c.text);
    FAIL() << "accepted: " << c.text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::InvalidArgument);
    EXPECT_THAT(e.what(), ::testing::HasSubstr(c.message_fragment)) << c.text;
    EXPECT_THAT(e.what(), ::testing::StartsWith("activation code: "));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ActivationCodeInvalid,
    ::testing::Values(BadCase{"", "is empty"}, BadCase{"   \n", "is empty"},
                      BadCase{"LPA:", "0 '$' separators"},
                      BadCase{"LPA:1$smdp.example.com", "1 '$' separators"},
                      BadCase{"1$a$b$1.2$1$extra", "at most 4"},
                      BadCase{"2$smdp.example.com$TOKEN", "format field is '2'"},
                      BadCase{"LPA:$smdp.example.com$TOKEN", "format field is ''"},
                      BadCase{"LPA:1$$TOKEN", "SM-DP+ address is missing"},
                      BadCase{"1$smdp_example.com$T", "invalid host name character '_'"},
                      BadCase{"1$smdp example.com$T", "invalid host name character ' '"},
                      BadCase{"1$https://smdp.example.com$T", "looks like a URL"},
                      BadCase{"1$smdp..example.com$T", "empty label"},
                      BadCase{"1$-smdp.example.com$T", "starts or ends with '-'"},
                      BadCase{"1$smdp.example.com:$T", "port after ':' is empty"},
                      BadCase{"1$smdp.example.com:0$T", "out of range"},
                      BadCase{"1$smdp.example.com:65536$T", "out of range"},
                      BadCase{"1$smdp.example.com:84a3$T", "not a number"},
                      BadCase{"1$smdp.example.com$T$1.3.x", "not dotted decimal"},
                      BadCase{"1$smdp.example.com$T$1..3", "empty arc"},
                      BadCase{"1$smdp.example.com$T$7.1", "must start with arc 0, 1 or 2"},
                      BadCase{"1$smdp.example.com$T$1", "at least two arcs"},
                      BadCase{"1$smdp.example.com$T$1.03", "leading zero"},
                      BadCase{"1$smdp.example.com$T$$0", "confirmation code flag is '0'"},
                      BadCase{"1$smdp.example.com$T$$yes", "confirmation code flag is 'yes'"},
                      BadCase{"1$smdp.example.com$TO\tKEN", "control character at position 22"},
                      BadCase{"1$smdp.example.com$TO\x7FKEN", "control character"},
                      BadCase{"1$smdp.example.com$TO KEN", "matching id contains a space"},
                      BadCase{"1$smdp.example.com$T\xC3\xA9", "non-ASCII"},
                      BadCase{"1$sm\xC3\xA9.example.com$T", "a non-ASCII byte"}));

TEST(ActivationCode, LimitsBoundTheInput) {
  const std::string long_field(256, 'A');
  try {
    parse_activation_code("1$smdp.example.com$" + long_field);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("256 characters long; the limit is 255"));
  }
  EXPECT_NO_THROW(parse_activation_code("1$smdp.example.com$" + std::string(255, 'A')));

  const std::string huge = "1$smdp.example.com$" + std::string(2000, 'A');
  try {
    parse_activation_code(huge);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("the limit is 1024"));
  }
  const std::string long_label = "1$" + std::string(64, 'a') + ".com$T";
  EXPECT_THROW(parse_activation_code(long_label), Error);
  EXPECT_NO_THROW(parse_activation_code("1$" + std::string(63, 'a') + ".com$T"));
}

TEST(ServerAddress, ValidatesHostAndPort) {
  EXPECT_NO_THROW(validate_server_address("lpa.ds.gsma.com", "SM-DS address"));
  EXPECT_NO_THROW(validate_server_address("testsmdpplus1.example.com:8443", "SM-DP+ address"));
  try {
    validate_server_address("evil.com/path", "rspServerAddress");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::InvalidArgument);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("rspServerAddress"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'/'"));
  }
  EXPECT_THROW(validate_server_address("", "x"), Error);
  EXPECT_THROW(validate_server_address("host:1:2", "x"), Error);
  EXPECT_THROW(validate_server_address("user@host", "x"), Error);
}

}  // namespace
