// Plan-expiry reminders and dates in balance replies.
#include <gtest/gtest.h>

#include "topup/plan_expiry.h"

namespace euiccd::topup {
namespace {

using namespace std::chrono;
using std::chrono::days;

sys_seconds at(int y, unsigned m, unsigned d, int hour = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hour};
}

TEST(TopupPlanExpiry, RemindersFireOnceEachAndNextCheckIsTheNextOne) {
  const sys_seconds expiry = at(2025, 3, 10, 12);
  const std::vector<days> leads{days{3}, days{1}};

  auto early = plan_expiry_reminder(expiry, leads, at(2025, 3, 1), std::nullopt);
  EXPECT_FALSE(early.remind_now);
  EXPECT_EQ(early.next_check, at(2025, 3, 7, 12));
  EXPECT_FALSE(early.expired);

  auto three_days = plan_expiry_reminder(expiry, leads, at(2025, 3, 7, 12), std::nullopt);
  EXPECT_EQ(three_days.remind_now, days{3});
  EXPECT_EQ(three_days.next_check, at(2025, 3, 9, 12));

  // Already reminded at the 3-day mark: nothing until the 1-day mark.
  auto after = plan_expiry_reminder(expiry, leads, at(2025, 3, 8), at(2025, 3, 7, 12));
  EXPECT_FALSE(after.remind_now);
  EXPECT_EQ(after.next_check, at(2025, 3, 9, 12));

  auto one_day = plan_expiry_reminder(expiry, leads, at(2025, 3, 9, 18), at(2025, 3, 7, 12));
  EXPECT_EQ(one_day.remind_now, days{1});  // 18 h left, rounded up
  EXPECT_EQ(one_day.next_check, expiry);

  auto expired = plan_expiry_reminder(expiry, leads, at(2025, 3, 11), at(2025, 3, 9, 12));
  EXPECT_TRUE(expired.expired);
  EXPECT_FALSE(expired.remind_now);
  EXPECT_FALSE(expired.next_check);
}

TEST(TopupPlanExpiry, DaemonThatWasOffGetsOnlyTheLatestReminder) {
  const sys_seconds expiry = at(2025, 3, 10);
  auto late =
      plan_expiry_reminder(expiry, {days{7}, days{3}, days{1}}, at(2025, 3, 9, 6), std::nullopt);
  EXPECT_EQ(late.remind_now, days{1});
  EXPECT_EQ(late.next_check, expiry);
}

TEST(TopupPlanExpiry, NoLeadsStillReportsExpiry) {
  auto result = plan_expiry_reminder(at(2025, 3, 10), {}, at(2025, 3, 1), std::nullopt);
  EXPECT_FALSE(result.remind_now);
  EXPECT_EQ(result.next_check, at(2025, 3, 10));
  auto zero = plan_expiry_reminder(at(2025, 3, 10), {days{0}}, at(2025, 3, 10), std::nullopt);
  EXPECT_TRUE(zero.expired);
}

TEST(TopupPlanExpiry, DatesInReplies) {
  const auto dec31 = sys_days{year{2024} / 12 / 31};
  EXPECT_EQ(parse_expiry_date("Saldo 5,00 EUR, gültig bis 31.12.2024"), dec31);
  EXPECT_EQ(parse_expiry_date("Balance $3.45 valid until 2024-12-31."), dec31);
  EXPECT_EQ(parse_expiry_date("ważne do 31/12/24"), dec31);
  EXPECT_EQ(parse_expiry_date("expires 12/31/2024"), dec31);  // 31 cannot be a month
  EXPECT_EQ(parse_expiry_date("expires 05/01/2025"), sys_days{year{2025} / 1 / 5});
  EXPECT_EQ(parse_expiry_date("expires 05/01/2025", DateOrder::MonthFirst),
            sys_days{year{2025} / 5 / 1});
  EXPECT_EQ(parse_expiry_date("hasta 31-12-2024"), dec31);
  EXPECT_EQ(parse_expiry_date("Balance 1.234,56 EUR until 31.02.2024 or 01.03.2024"),
            sys_days{year{2024} / 3 / 1});  // 31.02 is no date
  EXPECT_EQ(parse_expiry_date("Balance 12.50 EUR"), std::nullopt);
  EXPECT_EQ(parse_expiry_date(""), std::nullopt);
}

}  // namespace
}  // namespace euiccd::topup
