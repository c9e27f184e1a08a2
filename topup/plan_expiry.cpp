#include "topup/plan_expiry.h"

#include <algorithm>

namespace euiccd::topup {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

size_t digit_run(std::string_view text, size_t at) {
  size_t n = 0;
  while (at + n < text.size() && is_digit(text[at + n])) ++n;
  return n;
}

int number(std::string_view digits) {
  int value = 0;
  for (const char c : digits) value = value * 10 + (c - '0');
  return value;
}

std::optional<sys_days> make_date(int y, int m, int d) {
  const std::chrono::year_month_day date{std::chrono::year{y},
                                         std::chrono::month{static_cast<unsigned>(m)},
                                         std::chrono::day{static_cast<unsigned>(d)}};
  if (m < 1 || m > 12 || d < 1 || !date.ok()) return std::nullopt;
  return sys_days{date};
}

// Reads "A<sep>B<sep>C" with the same separator twice; fields as digit strings.
struct Triple {
  std::string_view a, b, c;
  char separator = 0;
  size_t end = 0;
};

std::optional<Triple> triple_at(std::string_view text, size_t at) {
  Triple t;
  const size_t na = digit_run(text, at);
  if (na == 0 || at + na >= text.size()) return std::nullopt;
  t.separator = text[at + na];
  if (t.separator != '.' && t.separator != '/' && t.separator != '-') return std::nullopt;
  const size_t at_b = at + na + 1;
  const size_t nb = digit_run(text, at_b);
  if (nb == 0 || at_b + nb >= text.size() || text[at_b + nb] != t.separator) return std::nullopt;
  const size_t at_c = at_b + nb + 1;
  const size_t nc = digit_run(text, at_c);
  if (nc == 0) return std::nullopt;
  t.a = text.substr(at, na);
  t.b = text.substr(at_b, nb);
  t.c = text.substr(at_c, nc);
  t.end = at_c + nc;
  return t;
}

std::optional<sys_days> date_of(const Triple& t, DateOrder order) {
  if (t.a.size() == 4 && t.b.size() <= 2 && t.c.size() <= 2) {
    return make_date(number(t.a), number(t.b), number(t.c));  // ISO-like 2024-12-31
  }
  if (t.a.size() > 2 || t.b.size() > 2 || (t.c.size() != 4 && t.c.size() != 2)) {
    return std::nullopt;
  }
  const int year = t.c.size() == 4 ? number(t.c) : 2000 + number(t.c);
  int day = number(t.a);
  int month = number(t.b);
  // Dots are day-first everywhere they are used; slashes and dashes follow `order`.
  if (t.separator != '.' && order == DateOrder::MonthFirst && day <= 12) std::swap(day, month);
  if (month > 12 && day <= 12) std::swap(day, month);
  return make_date(year, month, day);
}

}  // namespace

ExpiryReminder plan_expiry_reminder(sys_seconds expiry, const std::vector<days>& leads,
                                    sys_seconds now, std::optional<sys_seconds> last_reminder) {
  ExpiryReminder result;
  result.expired = now >= expiry;
  std::optional<sys_seconds> latest_due;
  for (const days lead : leads) {
    if (lead.count() < 0) continue;
    const sys_seconds at = expiry - lead;
    if (at <= now) {
      if (!last_reminder || at > *last_reminder) {
        if (!latest_due || at > *latest_due) latest_due = at;
      }
    } else if (!result.next_check || at < *result.next_check) {
      result.next_check = at;
    }
  }
  if (latest_due && !result.expired) {
    const auto left = std::chrono::ceil<days>(expiry - now);
    result.remind_now = std::max(left, days{0});
  }
  if (!result.next_check && !result.expired) result.next_check = expiry;
  return result;
}

std::optional<sys_days> parse_expiry_date(std::string_view reply, DateOrder order) {
  for (size_t at = 0; at < reply.size(); ++at) {
    if (!is_digit(reply[at]) || (at > 0 && is_digit(reply[at - 1]))) continue;
    if (auto t = triple_at(reply, at)) {
      if (auto date = date_of(*t, order)) return date;
      at = t->end - 1;
    }
  }
  return std::nullopt;
}

}  // namespace euiccd::topup
