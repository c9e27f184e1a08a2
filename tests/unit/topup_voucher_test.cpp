// Vouchers: what may reach the network, how it goes into the template, and that messages
// never carry it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "base/error.h"
#include "topup/ussd_string.h"
#include "topup/voucher.h"

namespace euiccd::topup {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string rejection(std::string_view voucher, std::string_view charset = {}) {
  try {
    Voucher::parse(voucher, charset);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::InvalidArgument);
    return error.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(TopupVoucher, DigitsPassAndCardFormattingIsDropped) {
  EXPECT_EQ(Voucher::parse("1234567890", {}).reveal(), "1234567890");
  EXPECT_EQ(Voucher::parse("1234 5678-9012", {}).reveal(), "123456789012");
  EXPECT_EQ(Voucher::parse(std::string(kMaxVoucherLength, '7'), {}).reveal(),
            std::string(kMaxVoucherLength, '7'));
}

TEST(TopupVoucher, AnythingThatCouldChangeTheCodeIsRefused) {
  for (const char* bad : {"1234#", "12*34", "12+34", "１２３", "12a4", "12\n34", "12;34"}) {
    const std::string message = rejection(bad);
    EXPECT_THAT(message, HasSubstr("only digits")) << bad;
    EXPECT_THAT(message, Not(HasSubstr("12"))) << bad;
  }
  EXPECT_THAT(rejection(""), HasSubstr("empty"));
  EXPECT_THAT(rejection(" - "), HasSubstr("empty"));
  EXPECT_THAT(rejection(std::string(kMaxVoucherLength + 1, '1')), HasSubstr("longer than 40"));
}

TEST(TopupVoucher, ConfiguredCharset) {
  EXPECT_EQ(Voucher::parse("ab12-CD", "0123456789ABCDabcd").reveal(), "ab12CD");
  EXPECT_EQ(Voucher::parse("12-34", "0123456789-").reveal(), "12-34");  // '-' allowed: kept
  EXPECT_THAT(rejection("12X4", "0123456789AB"), HasSubstr("\"0123456789AB\""));
}

TEST(TopupVoucher, PrintedFormNeverCarriesIt) {
  std::ostringstream out;
  out << Voucher::parse("98765432", {});
  EXPECT_EQ(out.str(), "<voucher>");
  EXPECT_THAT(::testing::PrintToString(Voucher::parse("98765432", {})), Not(HasSubstr("98765")));
}

TEST(TopupVoucher, FillTemplate) {
  EXPECT_EQ(fill_template("*123*CODE#", "CODE", "5555"), "*123*5555#");
  EXPECT_EQ(fill_template("*1*PIN*PIN#", "PIN", "42"), "*1*42*42#");
  EXPECT_EQ(fill_template("TOPUP CODE", "CODE", "987"), "TOPUP 987");
  try {
    fill_template("*123#", "CODE", "5555");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::InvalidArgument);
    EXPECT_THAT(error.what(), HasSubstr("\"*123#\" has no \"CODE\""));
    EXPECT_THAT(error.what(), Not(HasSubstr("5555")));
  }
  EXPECT_THROW(fill_template("*123*CODE#", "", "1"), Error);
}

TEST(TopupVoucher, Redacted) {
  EXPECT_EQ(redacted("invalid *123*5555# and 5555", "5555"),
            "invalid *123*<voucher># and <voucher>");
  EXPECT_EQ(redacted("nothing here", "5555"), "nothing here");
  EXPECT_EQ(redacted("text", ""), "text");
}

TEST(TopupUssdString, Rules) {
  EXPECT_EQ(ussd_string_problem("*100#", {}), "");
  EXPECT_EQ(ussd_string_problem("*#123*CODE#", "CODE"), "");
  EXPECT_EQ(ussd_string_problem("", {}), "is empty");
  EXPECT_THAT(ussd_string_problem("*100*CODE#", {}), HasSubstr("characters other than"));
  EXPECT_THAT(ussd_string_problem(std::string(183, '1'), {}), HasSubstr("182"));
  EXPECT_TRUE(is_phone_number("+35818258"));
  EXPECT_TRUE(is_phone_number("1150"));
  EXPECT_FALSE(is_phone_number("+"));
  EXPECT_FALSE(is_phone_number("12 34"));
  EXPECT_FALSE(is_phone_number(std::string(21, '1')));
}

}  // namespace
}  // namespace euiccd::topup
