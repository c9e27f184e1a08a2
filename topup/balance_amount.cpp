#include "topup/balance_amount.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <utility>
#include <vector>

namespace euiccd::topup {
namespace {

struct Symbol {
  std::string_view text;
  std::string_view currency;
};

// Symbols match anywhere next to the number; words only as whole words (case-insensitive).
constexpr std::array kSymbols = {
    Symbol{"US$", "USD"}, Symbol{"A$", "AUD"},  Symbol{"C$", "CAD"}, Symbol{"R$", "BRL"},
    Symbol{"GH₵", "GHS"}, Symbol{"€", "EUR"},   Symbol{"£", "GBP"},  Symbol{"₹", "INR"},
    Symbol{"₦", "NGN"},   Symbol{"₽", "RUB"}, Symbol{"₺", "TRY"},  Symbol{"₴", "UAH"},
    Symbol{"₩", "KRW"},   Symbol{"₱", "PHP"},   Symbol{"₪", "ILS"},  Symbol{"฿", "THB"},
    Symbol{"৳", "BDT"},   Symbol{"₫", "VND"},   Symbol{"₸", "KZT"},  Symbol{"₾", "GEL"},
    Symbol{"₵", "GHS"},   Symbol{"$", "$"},     Symbol{"¥", "¥"},
};

constexpr std::array kWords = {
    Symbol{"euro", "EUR"}, Symbol{"euros", "EUR"}, Symbol{"zł", "PLN"},   Symbol{"zl", "PLN"},
    Symbol{"kč", "CZK"},   Symbol{"Kč", "CZK"},    Symbol{"ft", "HUF"},   Symbol{"lei", "RON"},
    Symbol{"rp", "IDR"},   Symbol{"ksh", "KES"},   Symbol{"kshs", "KES"}, Symbol{"tl", "TRY"},
    Symbol{"руб", "RUB"},  Symbol{"грн", "UAH"},   Symbol{"dh", "MAD"},   Symbol{"kr", "kr"},
    Symbol{"rs", "Rs"},    Symbol{"lv", "BGN"},    Symbol{"bd", "BHD"},   Symbol{"ro", "OMR"},
    Symbol{"den", "MKD"},  Symbol{"din", "RSD"},
};

constexpr std::array<std::string_view, 110> kIsoCodes = {
    "AED", "AFN", "ALL", "AMD", "ARS", "AUD", "AZN", "BAM", "BDT", "BGN", "BHD", "BOB", "BRL",
    "BWP", "BYN", "CAD", "CHF", "CLP", "CNY", "COP", "CRC", "CZK", "DKK", "DOP", "DZD", "EGP",
    "ETB", "EUR", "GBP", "GEL", "GHS", "GTQ", "HKD", "HNL", "HRK", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KRW", "KWD", "KZT", "LAK",
    "LBP", "LKR", "MAD", "MDL", "MKD", "MMK", "MNT", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SEK", "SGD", "SYP", "THB", "TJS", "TND", "TRY", "TTD", "TWD",
    "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "XAF", "XOF", "YER", "ZAR", "ZMW",
    "BYR", "GHC", "SLL", "LRD", "GMD", "SDG",
};

// Words that introduce the balance; matched case-insensitively (ASCII) or as written.
constexpr std::array<std::string_view, 24> kBalanceWords = {
    "balance", "saldo",      "guthaben",       "credit", "crédit",   "credito",
    "crédito", "solde",      "bakiye",         "sold",   "egyenleg", "zůstatek",
    "kredit",  "stan konta", "kontostand",     "баланс", "Баланс",   "остаток",
    "Остаток", "rahoja",     "tilgodehavende", "tegoed", "saldo:",   "balans",
};

bool is_ascii_letter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// A byte of a multi-byte UTF-8 letter counts as a letter for word boundaries.
bool is_wordish(char c) {
  return is_ascii_letter(c) || static_cast<unsigned char>(c) >= 0x80;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Number {
  size_t begin = 0;  // first digit
  size_t end = 0;    // one past the last digit
  double value = 0;
  // "3.250" read as 3250; as a decimal it would be `decimal_value` (right for the dinars).
  bool grouping_guessed = false;
  double decimal_value = 0;
  bool valid = false;
};

// Currencies with three decimal places (ISO 4217 minor unit 3).
bool three_decimals(std::string_view currency) {
  for (std::string_view code : {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}) {
    if (currency == code) return true;
  }
  return false;
}

// Separators that may sit between digit groups: '.', ',', '\'', ' ', NBSP, narrow NBSP.
size_t separator_length(std::string_view text, size_t at) {
  if (at >= text.size()) return 0;
  const char c = text[at];
  if (c == '.' || c == ',' || c == '\'' || c == ' ') return 1;
  if (text.substr(at, 2) == "\xC2\xA0") return 2;
  if (text.substr(at, 3) == "\xE2\x80\xAF") return 3;
  return 0;
}

size_t digits_from(std::string_view text, size_t at) {
  size_t n = 0;
  while (at + n < text.size() && is_digit(text[at + n])) ++n;
  return n;
}

// Reads the number starting at `at` (a digit) and gives it a value from its separators.
Number read_number(std::string_view text, size_t at) {
  Number number;
  number.begin = at;
  std::vector<std::string> groups;
  std::vector<char> separators;  // '.', ',' or 'g' (grouping-only: space, apostrophe)
  size_t pos = at;
  size_t run = digits_from(text, pos);
  groups.emplace_back(text.substr(pos, run));
  pos += run;
  for (;;) {
    const size_t sep = separator_length(text, pos);
    if (sep == 0) break;
    const size_t next = digits_from(text, pos + sep);
    if (next == 0) break;
    const char kind = (text[pos] == '.' || text[pos] == ',') ? text[pos] : 'g';
    // A space only groups thousands ("1 234,56"); "5 10" is two numbers.
    if (kind == 'g' && next != 3) break;
    separators.push_back(kind);
    groups.emplace_back(text.substr(pos + sep, next));
    pos += sep + next;
  }
  number.end = pos;
  if (separators.size() > 6) return number;  // not a money amount

  // Which separator, if any, is the decimal point: the last one, when it is '.' or ',' and
  // appears once, unless it is the only separator and groups three digits ("10.000" Rp).
  std::optional<size_t> decimal;
  const char last = separators.empty() ? 'g' : separators.back();
  if (last != 'g' && std::count(separators.begin(), separators.end(), last) == 1) {
    const bool only_separator = separators.size() == 1;
    const bool looks_grouped =
        groups.back().size() == 3 && groups.front() != "0" && groups.front().size() <= 3;
    if (!only_separator || !looks_grouped) {
      decimal = separators.size() - 1;
    } else {
      number.grouping_guessed = true;
      number.decimal_value = std::strtod((groups[0] + "." + groups[1]).c_str(), nullptr);
    }
  }
  // Every other separator groups exactly three digits, all with the same character.
  char grouping = '\0';
  for (size_t i = 0; i < separators.size(); ++i) {
    if (decimal && i == *decimal) continue;
    if (groups[i + 1].size() != 3) return number;
    if (separators[i] != 'g') {
      if (grouping != '\0' && grouping != separators[i]) return number;
      grouping = separators[i];
    }
  }
  std::string plain;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (decimal && i == *decimal + 1) plain.push_back('.');
    plain += groups[i];
  }
  number.value = std::strtod(plain.c_str(), nullptr);
  number.valid = true;
  return number;
}

bool word_at(std::string_view text, size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  if (lower_ascii(text.substr(at, word.size())) != lower_ascii(word)) return false;
  const bool starts = at == 0 || !is_wordish(text[at - 1]);
  const bool ends = at + word.size() == text.size() || !is_wordish(text[at + word.size()]);
  return starts && ends;
}

bool iso_code_at(std::string_view text, size_t at, std::string& code) {
  if (at + 3 > text.size()) return false;
  const std::string candidate(text.substr(at, 3));
  if (!std::all_of(candidate.begin(), candidate.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return false;
  }
  const bool starts = at == 0 || !is_wordish(text[at - 1]);
  const bool ends = at + 3 == text.size() || !is_wordish(text[at + 3]);
  if (!starts || !ends) return false;
  if (std::find(kIsoCodes.begin(), kIsoCodes.end(), candidate) == kIsoCodes.end()) return false;
  code = candidate;
  return true;
}

size_t skip_spaces(std::string_view text, size_t at) {
  while (at < text.size()) {
    if (text[at] == ' ' || text[at] == '\t') {
      ++at;
    } else if (text.substr(at, 2) == "\xC2\xA0") {
      at += 2;
    } else {
      break;
    }
  }
  return at;
}

// The currency written right after the number ("12,34 EUR", "5€", "25,50 zł").
std::optional<std::string> currency_after(std::string_view text, size_t at) {
  at = skip_spaces(text, at);
  std::string code;
  if (iso_code_at(text, at, code)) return code;
  for (const Symbol& symbol : kSymbols) {
    if (text.substr(at, symbol.text.size()) == symbol.text) return std::string(symbol.currency);
  }
  for (const Symbol& word : kWords) {
    if (word_at(text, at, word.text)) return std::string(word.currency);
  }
  return std::nullopt;
}

struct Prefix {
  std::string currency;
  size_t begin = 0;  // where the currency token starts (a sign may stand before it)
};

// The currency written right before the number ("EUR 12.34", "$3.45", "N500.00").
std::optional<Prefix> currency_before(std::string_view text, size_t number_begin) {
  size_t end = number_begin;
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  if (end >= 2 && text.substr(end - 2, 2) == "\xC2\xA0") end -= 2;
  for (const Symbol& symbol : kSymbols) {
    if (end >= symbol.text.size() &&
        text.substr(end - symbol.text.size(), symbol.text.size()) == symbol.text) {
      return Prefix{std::string(symbol.currency), end - symbol.text.size()};
    }
  }
  std::string code;
  if (end >= 3 && iso_code_at(text, end - 3, code)) return Prefix{code, end - 3};
  for (const Symbol& word : kWords) {
    if (end >= word.text.size() && word_at(text, end - word.text.size(), word.text)) {
      return Prefix{std::string(word.currency), end - word.text.size()};
    }
  }
  // Nigerian operators write the naira as a plain N glued to the amount: "N500.00".
  if (end == number_begin && end >= 1 && text[end - 1] == 'N' &&
      (end == 1 || !is_wordish(text[end - 2]))) {
    return Prefix{"NGN", end - 1};
  }
  return std::nullopt;
}

// A minus sign right before `at` that is not a dash inside "2024-05-01" or "A-1".
bool negative_before(std::string_view text, size_t at) {
  size_t sign = 0;
  if (at >= 1 && text[at - 1] == '-') {
    sign = 1;
  } else if (at >= 3 && text.substr(at - 3, 3) == "\xE2\x88\x92") {  // U+2212 minus sign
    sign = 3;
  } else {
    return false;
  }
  return at == sign || !(is_digit(text[at - sign - 1]) || is_wordish(text[at - sign - 1]));
}

struct Keyword {
  size_t begin = 0;
  size_t end = 0;
};

std::optional<Keyword> first_balance_word(std::string_view text) {
  const std::string lowered = lower_ascii(text);
  std::optional<Keyword> first;
  for (std::string_view word : kBalanceWords) {
    const size_t at = lowered.find(lower_ascii(word));
    if (at != std::string::npos && (!first || at < first->begin)) {
      first = Keyword{at, at + word.size()};
    }
  }
  return first;
}

struct Candidate {
  size_t position = 0;
  BalanceAmount amount;
  bool has_currency = false;
};

}  // namespace

std::optional<BalanceAmount> parse_balance_amount(std::string_view reply) {
  std::vector<Candidate> candidates;
  for (size_t at = 0; at < reply.size();) {
    if (!is_digit(reply[at]) || (at > 0 && is_digit(reply[at - 1]))) {
      ++at;
      continue;
    }
    const Number number = read_number(reply, at);
    const size_t next = std::max(number.end, at + 1);
    // Glued to a word ("MB5", "E5") it is a name, not an amount; "N500" is handled above.
    const bool glued_before = at > 0 && is_ascii_letter(reply[at - 1]) && reply[at - 1] != 'N';
    if (number.valid && !glued_before) {
      Candidate candidate;
      candidate.position = at;
      candidate.amount.value = number.value;
      bool negative = negative_before(reply, at);
      std::optional<std::string> currency = currency_after(reply, number.end);
      if (!currency) {
        if (auto prefix = currency_before(reply, at)) {
          currency = prefix->currency;
          negative = negative || negative_before(reply, prefix->begin);  // "-€5.00"
        }
      }
      if (currency && number.grouping_guessed && three_decimals(*currency)) {
        candidate.amount.value = number.decimal_value;
      }
      if (negative) candidate.amount.value = -candidate.amount.value;
      if (currency) {
        candidate.has_currency = true;
        candidate.amount.currency = *currency;
      }
      candidates.push_back(candidate);
    }
    at = next;
  }
  const std::optional<Keyword> keyword = first_balance_word(reply);
  if (keyword) {
    for (const Candidate& candidate : candidates) {
      if (candidate.position >= keyword->begin && candidate.has_currency) return candidate.amount;
    }
  }
  for (const Candidate& candidate : candidates) {
    if (candidate.has_currency) return candidate.amount;
  }
  // No currency anywhere: a number that follows the balance word closely, on its line
  // ("Balance: 12.50"), not a menu entry on the next ("1 Balance\n2 Data").
  if (keyword) {
    constexpr size_t kNearby = 24;
    for (const Candidate& candidate : candidates) {
      if (candidate.position < keyword->end) continue;
      const std::string_view between =
          reply.substr(keyword->end, candidate.position - keyword->end);
      if (between.size() <= kNearby && between.find('\n') == std::string_view::npos) {
        return candidate.amount;
      }
      break;
    }
  }
  return std::nullopt;
}

ThresholdCrossing low_balance_crossing(const std::optional<BalanceAmount>& previous,
                                       const BalanceAmount& current, double threshold) {
  const bool below_now = current.value < threshold;
  const bool comparable = previous && previous->currency == current.currency;
  if (!comparable) return below_now ? ThresholdCrossing::FellBelow : ThresholdCrossing::None;
  const bool below_before = previous->value < threshold;
  if (below_now && !below_before) return ThresholdCrossing::FellBelow;
  if (!below_now && below_before) return ThresholdCrossing::RoseAbove;
  return ThresholdCrossing::None;
}

}  // namespace euiccd::topup
