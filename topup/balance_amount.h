// The money in an operator's balance reply, best effort. There is no standard format
// ("Ihr Guthaben beträgt 12,34 EUR.", "Saldo: 5,20 €", "Your balance is N500.00", "Stan konta:
// 25,50 zł"); the reply text stays the authority and this only feeds the low-balance signal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace euiccd::topup {

struct BalanceAmount {
  double value = 0;
  // ISO 4217 code when the text names one or an unambiguous symbol ("EUR" for €); otherwise
  // the symbol or word as written ("$", "kr"); "" when the text names no currency.
  std::string currency;
  bool operator==(const BalanceAmount&) const = default;
};

// The amount next to a currency (a balance word such as "balance"/"Guthaben"/"saldo" before it
// breaks ties); failing that, the first number after a balance word, without currency.
// std::nullopt when neither is there. Understands "1.234,56", "1,234.56", "1 234,56", "-5.00".
std::optional<BalanceAmount> parse_balance_amount(std::string_view reply);

enum class ThresholdCrossing {
  None,       // same side of the threshold as before (or not comparable)
  FellBelow,  // now below the threshold, and was not before (or nothing was known)
  RoseAbove,  // at or above the threshold again after being below (after a top-up)
};

// Compares two successive balances against `threshold`. An amount in another currency than
// the previous one counts as "nothing known before".
ThresholdCrossing low_balance_crossing(const std::optional<BalanceAmount>& previous,
                                       const BalanceAmount& current, double threshold);

}  // namespace euiccd::topup
