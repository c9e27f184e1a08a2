// Best-effort amounts from balance replies, and the low-balance threshold crossing.
#include <gtest/gtest.h>

#include "topup/balance_amount.h"

namespace euiccd::topup {
namespace {

std::optional<BalanceAmount> amount(double value, std::string currency) {
  return BalanceAmount{value, std::move(currency)};
}

TEST(TopupBalanceAmount, RealWorldReplies) {
  EXPECT_EQ(parse_balance_amount("Ihr Guthaben beträgt 12,34 EUR."), amount(12.34, "EUR"));
  EXPECT_EQ(parse_balance_amount("Saldo: 5,20 €"), amount(5.20, "EUR"));
  EXPECT_EQ(parse_balance_amount("Your balance is N500.00. Dial *123# to recharge"),
            amount(500, "NGN"));
  EXPECT_EQ(parse_balance_amount("Stan konta: 25,50 zł, ważne do 2024-05-01"),
            amount(25.50, "PLN"));
  EXPECT_EQ(parse_balance_amount("Balance: $3.45, expires 05/01/2025"), amount(3.45, "$"));
  EXPECT_EQ(parse_balance_amount("Main balance EUR 1.234,56; bonus EUR 2,00"),
            amount(1234.56, "EUR"));
  EXPECT_EQ(parse_balance_amount("Sisa pulsa Rp 10.000 s/d 31-12-2024"), amount(10000, "IDR"));
  EXPECT_EQ(parse_balance_amount("Balance: 1,234.50 KES"), amount(1234.50, "KES"));
  EXPECT_EQ(parse_balance_amount("Balance: 0.125 KWD"), amount(0.125, "KWD"));
  EXPECT_EQ(parse_balance_amount("Kredit: 1 234,50 Kč"), amount(1234.50, "CZK"));
  EXPECT_EQ(parse_balance_amount("Ваш баланс 150.50 руб."), amount(150.50, "RUB"));
  EXPECT_EQ(parse_balance_amount("Solde: 3€"), amount(3, "EUR"));
  // Three-decimal currencies: "3.250" is three and a quarter dinars, not 3250.
  EXPECT_EQ(parse_balance_amount("Balance: BD 3.250"), amount(3.25, "BHD"));
  EXPECT_EQ(parse_balance_amount("Balance 1.500 OMR"), amount(1.5, "OMR"));
}

TEST(TopupBalanceAmount, NegativeBalances) {
  EXPECT_EQ(parse_balance_amount("Saldo: -5,00 EUR"), amount(-5, "EUR"));
  EXPECT_EQ(parse_balance_amount("Balance -€2.50"), amount(-2.5, "EUR"));
  EXPECT_EQ(parse_balance_amount("Balance −3.00 GBP"), amount(-3, "GBP"));
}

TEST(TopupBalanceAmount, CurrencyNextToTheBalanceWordWins) {
  // A price before the balance ("Offer: 5 EUR") must not be taken for it.
  EXPECT_EQ(parse_balance_amount("Offer 100MB for 5 EUR! Your balance: 7,50 EUR"),
            amount(7.50, "EUR"));
  // Data volumes and dates are not money.
  EXPECT_EQ(parse_balance_amount("500 MB left until 01.02.2024. Guthaben 3,00 EUR"),
            amount(3, "EUR"));
}

TEST(TopupBalanceAmount, WithoutCurrencyTheNumberAfterTheBalanceWord) {
  EXPECT_EQ(parse_balance_amount("Ref 77. Balance: 12.50"), amount(12.50, ""));
  EXPECT_EQ(parse_balance_amount("Bonus: 3, Saldo 8,20"), amount(8.20, ""));
}

TEST(TopupBalanceAmount, NothingToFind) {
  EXPECT_EQ(parse_balance_amount(""), std::nullopt);
  EXPECT_EQ(parse_balance_amount("1 Balance\n2 Data\n3 Offers"), std::nullopt);
  EXPECT_EQ(parse_balance_amount("Request accepted, wait for SMS"), std::nullopt);
  EXPECT_EQ(parse_balance_amount("Call 18258 for help"), std::nullopt);
}

TEST(TopupBalanceAmount, ThresholdCrossing) {
  const BalanceAmount low{2, "EUR"};
  const BalanceAmount high{10, "EUR"};
  EXPECT_EQ(low_balance_crossing(std::nullopt, low, 5), ThresholdCrossing::FellBelow);
  EXPECT_EQ(low_balance_crossing(std::nullopt, high, 5), ThresholdCrossing::None);
  EXPECT_EQ(low_balance_crossing(high, low, 5), ThresholdCrossing::FellBelow);
  EXPECT_EQ(low_balance_crossing(low, low, 5), ThresholdCrossing::None);  // told once
  EXPECT_EQ(low_balance_crossing(low, high, 5), ThresholdCrossing::RoseAbove);
  EXPECT_EQ(low_balance_crossing(high, high, 5), ThresholdCrossing::None);
  EXPECT_EQ(low_balance_crossing(low, BalanceAmount{5, "EUR"}, 5), ThresholdCrossing::RoseAbove);
  // Another currency: nothing comparable was known.
  EXPECT_EQ(low_balance_crossing(BalanceAmount{1, "USD"}, low, 5), ThresholdCrossing::FellBelow);
}

}  // namespace
}  // namespace euiccd::topup
