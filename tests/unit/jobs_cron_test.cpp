// Cron expressions: fields, names, steps and aliases, their errors, next fire
// times (the day-of-month/day-of-week rule, leap days), across DST in two
// zones with cronie's rules, and how a `schedule` text is told apart.
#include <gtest/gtest.h>

#include "jobs/cron.hpp"
#include "jobs/schedule.hpp"
#include "jobs_test_util.hpp"

namespace tepui::jobs {
namespace {

using testing::at;
using testing::utc;
using testing::zone;

CronExpression cron(const std::string& text) {
  Result<CronExpression> c = parseCron(text);
  EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : CronExpression{};
}

template <std::size_t N>
std::vector<int> members(const std::bitset<N>& bits) {
  std::vector<int> out;
  for (std::size_t i = 0; i < N; ++i) {
    if (bits[i]) out.push_back(static_cast<int>(i));
  }
  return out;
}

TEST(JobsCronTest, ParsesValuesRangesListsStepsAndNames) {
  CronExpression c = cron("*/15 9-17 * * MON-FRI");
  EXPECT_EQ(members(c.minutes), (std::vector<int>{0, 15, 30, 45}));
  EXPECT_EQ(members(c.hours), (std::vector<int>{9, 10, 11, 12, 13, 14, 15, 16, 17}));
  EXPECT_EQ(members(c.daysOfWeek), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(c.dayOfMonthStar);
  EXPECT_FALSE(c.dayOfWeekStar);
  EXPECT_TRUE(c.wildcardTime);

  EXPECT_EQ(members(cron("1,2,10-12 * * * *").minutes), (std::vector<int>{1, 2, 10, 11, 12}));
  EXPECT_EQ(members(cron("5/20 * * * *").minutes), (std::vector<int>{5, 25, 45}));
  EXPECT_EQ(members(cron("0-30/10 * * * *").minutes), (std::vector<int>{0, 10, 20, 30}));
  EXPECT_EQ(members(cron("0 0 * jan,Mar-may,DEC *").months), (std::vector<int>{1, 3, 4, 5, 12}));
  EXPECT_EQ(members(cron("0 0 * */3 *").months), (std::vector<int>{1, 4, 7, 10}));
  // 0 and 7 are both Sunday.
  EXPECT_EQ(members(cron("0 0 * * 7").daysOfWeek), (std::vector<int>{0}));
  EXPECT_EQ(members(cron("0 0 * * 5-7").daysOfWeek), (std::vector<int>{0, 5, 6}));
  EXPECT_EQ(members(cron("0 0 * * sun,Sat").daysOfWeek), (std::vector<int>{0, 6}));
  EXPECT_FALSE(cron("30 2 * * *").wildcardTime);
  EXPECT_TRUE(cron("30 * * * *").wildcardTime);
  EXPECT_EQ(cron("  0\t0  * * *  ").text, "0 0 * * *");
}

TEST(JobsCronTest, AliasesStandForTheirFields) {
  const std::pair<std::string, std::string> aliases[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
  };
  for (const auto& [alias, fields] : aliases) {
    CronExpression a = cron(alias);
    CronExpression f = cron(fields);
    EXPECT_EQ(a.text, alias);
    EXPECT_EQ(a.minutes, f.minutes) << alias;
    EXPECT_EQ(a.hours, f.hours) << alias;
    EXPECT_EQ(a.daysOfMonth, f.daysOfMonth) << alias;
    EXPECT_EQ(a.months, f.months) << alias;
    EXPECT_EQ(a.daysOfWeek, f.daysOfWeek) << alias;
    EXPECT_EQ(a.wildcardTime, f.wildcardTime) << alias;
  }
}

TEST(JobsCronTest, RefusesBadExpressionsNamingTheField) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"60 * * * *", "the cron minute field '60': 60 is out of range 0-59"},
      {"* 24 * * *", "the cron hour field '24': 24 is out of range 0-23"},
      {"* * 0 * *", "the cron day-of-month field '0': 0 is out of range 1-31"},
      {"* * * 13 *", "the cron month field '13'"},
      {"* * * * 8", "the cron day-of-week field '8': 8 is out of range 0-7"},
      {"* * * FOO *", "the cron month field 'FOO': 'FOO' is not a number or name"},
      {"MON * * * *", "the cron minute field 'MON': 'MON' is not a number"},
      {"*/0 * * * *", "the step in '*/0' is not a number from 1 to 59"},
      {"5-1 * * * *", "the range '5-1' runs backwards"},
      {"1,,2 * * * *", "the cron minute field '1,,2': has an empty list item"},
      {"1- * * * *", "the cron minute field '1-'"},
      {"* * * *", "has 4 fields (expected 5: minute hour day-of-month month day-of-week)"},
      {"* * * * * *", "has 6 fields"},
      {"0 0 30 2 *", "never fires"},
      {"0 0 31 4,6,9,11 *", "never fires"},
      {"@reboot", "the cron alias '@reboot' is not one of"},
      {"@every", "the cron alias '@every'"},
  };
  for (const Case& c : cases) {
    Result<CronExpression> parsed = parseCron(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.error().message.find(c.message), std::string::npos) << c.text << " -> " << parsed.error().message;
  }
  // Both day fields restricted: either may match, so February's Mondays do.
  EXPECT_TRUE(parseCron("0 0 30 2 MON").ok());
  EXPECT_TRUE(parseCron("0 0 29 2 *").ok());  // leap years
}

struct NextCase {
  std::string expression;
  std::string tz;  // "" = UTC
  std::string after;
  std::vector<std::string> expected;  // the next fire times, in order, in UTC
};

void expectFirings(const NextCase& c) {
  CronExpression expr = cron(c.expression);
  TimeZone tz = c.tz.empty() ? TimeZone() : zone(c.tz);
  Millis t = at(c.after);
  for (const std::string& want : c.expected) {
    std::optional<Millis> next = cronNextAfter(expr, t, tz);
    ASSERT_TRUE(next.has_value()) << c.expression << " after " << utc(t);
    EXPECT_EQ(utc(*next), want) << c.expression << " " << c.tz << " after " << utc(t);
    t = *next;
  }
}

TEST(JobsCronTest, NextFireTimesInUtc) {
  const NextCase cases[] = {
      {"*/15 * * * *", "", "2024-09-04T10:07:00Z", {"2024-09-04T10:15:00.000Z", "2024-09-04T10:30:00.000Z"}},
      {"*/15 * * * *", "", "2024-09-04T10:15:00Z", {"2024-09-04T10:30:00.000Z"}},  // strictly after
      {"0 0 1 1 *", "", "2024-06-01T00:00:00Z", {"2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"}},
      {"59 23 31 12 *", "", "2024-12-31T23:59:30Z", {"2025-12-31T23:59:00.000Z"}},
      // Leap days only.
      {"0 0 29 2 *", "", "2024-03-01T00:00:00Z", {"2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z"}},
      // Both day fields restricted: the 13th OR a Friday (2024-09-01 is a Sunday).
      {"0 0 13 * 5",
       "",
       "2024-09-01T00:00:00Z",
       {"2024-09-06T00:00:00.000Z", "2024-09-13T00:00:00.000Z", "2024-09-20T00:00:00.000Z"}},
      // Day of month starred ("*/1" counts as "*"): Fridays only.
      {"0 0 */1 * 5", "", "2024-09-01T00:00:00Z", {"2024-09-06T00:00:00.000Z", "2024-09-13T00:00:00.000Z"}},
      {"0 0 13 * *", "", "2024-09-01T00:00:00Z", {"2024-09-13T00:00:00.000Z", "2024-10-13T00:00:00.000Z"}},
      {"@weekly", "", "2024-09-04T12:00:00Z", {"2024-09-08T00:00:00.000Z", "2024-09-15T00:00:00.000Z"}},
      {"0 9 * * MON-FRI", "", "2024-09-06T10:00:00Z", {"2024-09-09T09:00:00.000Z"}},  // Friday -> Monday
      // A fixed zone-free expression in a zone: 09:00 Berlin.
      {"0 9 * * *", "Europe/Berlin", "2024-01-15T12:00:00Z", {"2024-01-16T08:00:00.000Z"}},
  };
  for (const NextCase& c : cases) expectFirings(c);
}

TEST(JobsCronTest, DaylightSavingAsCronieDoes) {
  const NextCase cases[] = {
      // New York, spring forward 2024-03-10 02:00 EST -> 03:00 EDT (07:00Z).
      // A fixed time in the gap runs once, when the gap ends; then daily.
      {"30 2 * * *",
       "America/New_York",
       "2024-03-10T06:00:00Z",
       {"2024-03-10T07:00:00.000Z", "2024-03-11T06:30:00.000Z"}},
      // Two fixed times in the gap: one run at its end.
      {"0,30 2 * * *",
       "America/New_York",
       "2024-03-10T06:00:00Z",
       {"2024-03-10T07:00:00.000Z", "2024-03-11T06:00:00.000Z"}},
      // Wildcard hours follow the clock: 01:00 EST, then 03:00 EDT.
      {"0 * * * *",
       "America/New_York",
       "2024-03-10T05:30:00Z",
       {"2024-03-10T06:00:00.000Z", "2024-03-10T07:00:00.000Z", "2024-03-10T08:00:00.000Z"}},
      {"*/30 * * * *",
       "America/New_York",
       "2024-03-10T06:15:00Z",
       {"2024-03-10T06:30:00.000Z", "2024-03-10T07:00:00.000Z", "2024-03-10T07:30:00.000Z"}},
      // New York, fall back 2024-11-03 02:00 EDT -> 01:00 EST (06:00Z).
      // A fixed time in the repeated hour runs once, at its first pass.
      {"30 1 * * *",
       "America/New_York",
       "2024-11-03T05:00:00Z",
       {"2024-11-03T05:30:00.000Z", "2024-11-04T06:30:00.000Z"}},
      // Wildcards run in both passes: every real half hour.
      {"*/30 * * * *",
       "America/New_York",
       "2024-11-03T04:45:00Z",
       {"2024-11-03T05:00:00.000Z", "2024-11-03T05:30:00.000Z", "2024-11-03T06:00:00.000Z", "2024-11-03T06:30:00.000Z",
        "2024-11-03T07:00:00.000Z"}},
      {"0 * * * *",
       "America/New_York",
       "2024-11-03T05:00:00Z",
       {"2024-11-03T06:00:00.000Z", "2024-11-03T07:00:00.000Z"}},
      // Berlin, spring forward 2024-03-31 02:00 CET -> 03:00 CEST (01:00Z).
      {"30 2 * * *", "Europe/Berlin", "2024-03-31T00:00:00Z", {"2024-03-31T01:00:00.000Z", "2024-04-01T00:30:00.000Z"}},
      {"0 * * * *",
       "Europe/Berlin",
       "2024-03-30T23:30:00Z",
       {"2024-03-31T00:00:00.000Z", "2024-03-31T01:00:00.000Z", "2024-03-31T02:00:00.000Z"}},
      // Berlin, fall back 2024-10-27 03:00 CEST -> 02:00 CET (01:00Z).
      {"30 2 * * *", "Europe/Berlin", "2024-10-27T00:00:00Z", {"2024-10-27T00:30:00.000Z", "2024-10-28T01:30:00.000Z"}},
      {"0 * * * *",
       "Europe/Berlin",
       "2024-10-26T23:30:00Z",
       {"2024-10-27T00:00:00.000Z", "2024-10-27T01:00:00.000Z", "2024-10-27T02:00:00.000Z"}},
      // Daily at 09:00 local keeps 09:00 across the change.
      {"0 9 * * *", "Europe/Berlin", "2024-10-26T12:00:00Z", {"2024-10-27T08:00:00.000Z", "2024-10-28T08:00:00.000Z"}},
  };
  for (const NextCase& c : cases) expectFirings(c);
}

TEST(JobsCronTest, ScheduleTellsTheFormsApart) {
  const Millis now = at("2024-09-04T10:07:00Z");
  Result<Schedule> c = Schedule::parse("*/15 * * * *", "", now);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->form(), Schedule::Form::kCron);
  EXPECT_EQ(c->nextDue(), at("2024-09-04T10:15:00Z"));
  EXPECT_EQ(c->remaining(), std::nullopt);
  EXPECT_EQ(c->format(), "*/15 * * * *");
  EXPECT_EQ(c->afterLaunch(at("2024-09-04T10:15:00.200Z")).nextDue(), at("2024-09-04T10:30:00Z"));
  // A stored cron schedule resumes after the last due time handled.
  EXPECT_EQ(c->resume(at("2024-09-04T08:00:00Z")).nextDue(), at("2024-09-04T08:15:00Z"));

  Result<Schedule> daily = Schedule::parse("@daily", "Europe/Berlin", now);
  ASSERT_TRUE(daily.ok());
  EXPECT_EQ(daily->form(), Schedule::Form::kCron);
  EXPECT_EQ(daily->nextDue(), at("2024-09-04T22:00:00Z"));

  Result<Schedule> tabs = Schedule::parse("0\t9 * *\t*", "", now);
  ASSERT_TRUE(tabs.ok()) << tabs.error().message;
  EXPECT_EQ(tabs->format(), "0 9 * * *");

  Result<Schedule> iso = Schedule::parse("R/2024-09-04T00:00:00Z/P1D", "", now);
  ASSERT_TRUE(iso.ok());
  EXPECT_EQ(iso->form(), Schedule::Form::kIso8601);

  for (const char* bad : {"", "daily", "every 5 minutes please", "0 0 * *"}) {
    Result<Schedule> s = Schedule::parse(bad, "", now);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().message.rfind("schedule: ", 0), 0u) << s.error().message;
  }
  Result<Schedule> badField = Schedule::parse("61 * * * *", "", now);
  ASSERT_FALSE(badField.ok());
  EXPECT_EQ(badField.error().message, "schedule: the cron minute field '61': 61 is out of range 0-59");
  Result<Schedule> badZone = Schedule::parse("@daily", "Nowhere/City", now);
  ASSERT_FALSE(badZone.ok());
  EXPECT_EQ(badZone.error().message.rfind("scheduleTimeZone: unknown time zone 'Nowhere/City'", 0), 0u);
}

}  // namespace
}  // namespace tepui::jobs
