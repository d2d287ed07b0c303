// ISO 8601 schedules as Chronos 3 reads them: parsing and its errors, the
// period arithmetic in zones (leap years, month ends, DST in two zones),
// formatting back, and advancing after a launch.
#include <gtest/gtest.h>

#include "jobs/iso8601.hpp"
#include "jobs/schedule.hpp"
#include "jobs_test_util.hpp"

namespace tepui::jobs {
namespace {

using testing::at;
using testing::utc;
using testing::zone;

const Millis kNow = at("2026-01-01T00:00:00Z");

IsoSchedule parsed(const std::string& text, const std::string& tz = "") {
  Result<IsoSchedule> s = parseIsoSchedule(text, tz, kNow);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : IsoSchedule{};
}

IsoPeriod period(const std::string& text) {
  Result<IsoPeriod> p = parseIsoPeriod(text);
  EXPECT_TRUE(p.ok()) << text << ": " << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : IsoPeriod{};
}

TEST(JobsIso8601Test, ParsesRepetitionsStartAndPeriod) {
  IsoSchedule s = parsed("R9/2014-03-08T20:00:00.000Z/PT2M");
  EXPECT_EQ(s.remaining, 9);
  EXPECT_EQ(utc(s.start), "2014-03-08T20:00:00.000Z");
  EXPECT_EQ(s.period.minutes, 2);
  EXPECT_FALSE(s.exhausted());

  EXPECT_EQ(parsed("R/2014-03-08T20:00:00Z/P1D").remaining, std::nullopt);  // forever
  EXPECT_TRUE(parsed("R0/2014-03-08T20:00:00Z/P1D").exhausted());
  EXPECT_EQ(parsed("R1/2014-03-08T20:00:00Z/P1D").remaining, 1);
}

TEST(JobsIso8601Test, EmptyStartIsOneSecondBeforeNow) {
  IsoSchedule s = parsed("R5//PT10S");
  EXPECT_EQ(s.start, kNow - std::chrono::seconds(1));
  EXPECT_EQ(s.remaining, 5);
}

TEST(JobsIso8601Test, StartsWithOffsetsAndFractions) {
  struct Case {
    std::string text;
    std::string instant;    // in UTC
    std::string formatted;  // back as Chronos shows it
  };
  const Case cases[] = {
      {"R/2014-03-08T20:00:00-05:00/PT1H", "2014-03-09T01:00:00.000Z", "R/2014-03-08T20:00:00.000-05:00/PT1H"},
      {"R/2014-03-08T20:00:00+0530/PT1H", "2014-03-08T14:30:00.000Z", "R/2014-03-08T20:00:00.000+05:30/PT1H"},
      {"R/2014-03-08T20:00:00+01/PT1H", "2014-03-08T19:00:00.000Z", "R/2014-03-08T20:00:00.000+01:00/PT1H"},
      {"R3/2014-03-08T20:00:00.123456Z/PT1.5S", "2014-03-08T20:00:00.123Z", "R3/2014-03-08T20:00:00.123Z/PT1.500S"},
      {"R/2014-03-08T20:00:00,5Z/PT0,25S", "2014-03-08T20:00:00.500Z", "R/2014-03-08T20:00:00.500Z/PT0.250S"},
      {"R/2014-03-08T20:00Z/P1Y2M3W4DT5H6M7S", "2014-03-08T20:00:00.000Z",
       "R/2014-03-08T20:00:00.000Z/P1Y2M3W4DT5H6M7S"},
      {"R/2014-03-08T20/P10M", "2014-03-08T20:00:00.000Z", "R/2014-03-08T20:00:00.000Z/P10M"},  // no offset: UTC
      {"R/2014-03-08/PT10M", "2014-03-08T00:00:00.000Z", "R/2014-03-08T00:00:00.000Z/PT10M"},
  };
  for (const Case& c : cases) {
    IsoSchedule s = parsed(c.text);
    EXPECT_EQ(utc(s.start), c.instant) << c.text;
    EXPECT_EQ(formatIsoSchedule(s), c.formatted) << c.text;
    // The formatted text reads back to the same schedule.
    EXPECT_EQ(parsed(formatIsoSchedule(s)), s) << c.text;
  }
}

TEST(JobsIso8601Test, TimeZoneKeepsTheWallClockFieldsOfTheStart) {
  // withZoneRetainFields: 20:00 stays 20:00, now in New York.
  IsoSchedule s = parsed("R/2014-03-08T20:00:00.000Z/P1D", "America/New_York");
  EXPECT_EQ(utc(s.start), "2014-03-09T01:00:00.000Z");
  EXPECT_EQ(formatIsoSchedule(s), "R/2014-03-08T20:00:00.000-05:00/P1D");
  // The next day is after the spring change: still 20:00, now EDT.
  IsoSchedule next = advanceAfterLaunch(s, s.start);
  EXPECT_EQ(formatIsoSchedule(next), "R/2014-03-09T20:00:00.000-04:00/P1D");
  // Stored text read back with the same zone is the same schedule.
  EXPECT_EQ(parsed(formatIsoSchedule(next), "America/New_York"), next);
  // An empty start is an instant; the zone governs the arithmetic only.
  EXPECT_EQ(parsed("R//P1D", "Europe/Berlin").start, kNow - std::chrono::seconds(1));
}

TEST(JobsIso8601Test, RefusesBadSchedulesNamingWhatIsWrong) {
  struct Case {
    std::string text;
    std::string message;  // a part of the error
  };
  const Case cases[] = {
      {"R/2014-03-08T20:00:00Z/P1X", "the period 'P1X' has an unknown unit 'X'"},
      {"R/2014-03-08T20:00:00Z/P1H", "unknown unit 'H' in its date part"},
      {"R/2014-03-08T20:00:00Z/1D", "the period '1D' does not start with P"},
      {"R/2014-03-08T20:00:00Z/P", "the period 'P' has no fields"},
      {"R/2014-03-08T20:00:00Z/PT", "has no time fields after T"},
      {"R/2014-03-08T20:00:00Z/PT0S", "the period 'PT0S' is zero"},
      {"R/2014-03-08T20:00:00Z/P-1D", "is negative"},
      {"R/2014-03-08T20:00:00Z/PT1.5H", "a fraction on a unit other than seconds"},
      {"R/2014-03-08T20:00:00Z/P1M1Y", "out of order"},
      {"R/2014-03-08T20:00:00Z/P1D1D", "out of order or repeated"},
      {"R/2014-03-08T20:00:00Z/PT5", "ends with a number and no unit"},
      {"R/2014-03-08T20:00:00Z/P99999999999Y", "longer than 1000 years"},
      {"R/2014-03-08T20:00:00Z/", "has no period"},
      {"Rx/2014-03-08T20:00:00Z/P1D", "repetition count 'x'"},
      {"R-1/2014-03-08T20:00:00Z/P1D", "repetition count '-1'"},
      {"R/P1D", "three parts"},
      {"X/2014-03-08T20:00:00Z/P1D", "does not start with R"},
      {"R/1969-12-31T23:59:59Z/P1D", "starts before 1970"},
      {"R/2014-02-30T20:00:00Z/P1D", "the start '2014-02-30T20:00:00Z' is not a calendar date"},
      {"R/2014-03-08T24:00:00Z/P1D", "no hour 00-23"},
      {"R/2014-03-08T20:00:00Q/P1D", "has 'Q' left over"},
      {"R/14-03-08/P1D", "four-digit year"},
  };
  for (const Case& c : cases) {
    Result<IsoSchedule> s = parseIsoSchedule(c.text, "", kNow);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_NE(s.error().message.find(c.message), std::string::npos) << c.text << " -> " << s.error().message;
  }
  Result<IsoSchedule> badZone = parseIsoSchedule("R/2014-03-08T20:00:00Z/P1D", "Mars/Olympus", kNow);
  ASSERT_FALSE(badZone.ok());
  EXPECT_NE(badZone.error().message.find("unknown time zone 'Mars/Olympus'"), std::string::npos);
}

TEST(JobsIso8601Test, ScheduleParseNamesTheField) {
  Result<Schedule> period = Schedule::parse("R/2014-03-08T20:00:00Z/P1X", "", kNow);
  ASSERT_FALSE(period.ok());
  EXPECT_EQ(period.error().message.rfind("schedule: the period 'P1X'", 0), 0u) << period.error().message;
  Result<Schedule> tz = Schedule::parse("R/2014-03-08T20:00:00Z/P1D", "PST8PDX", kNow);
  ASSERT_FALSE(tz.ok());
  EXPECT_EQ(tz.error().message.rfind("scheduleTimeZone: unknown time zone 'PST8PDX'", 0), 0u) << tz.error().message;
}

// addPeriod: calendar fields in local time, time fields in real time.
TEST(JobsIso8601Test, PeriodArithmeticTable) {
  struct Case {
    std::string tz;  // "" = UTC
    std::string start;
    std::string period;
    std::string expected;  // UTC
  };
  const Case cases[] = {
      // Leap years: Feb 29 + P1Y clamps; + P4Y lands on Feb 29 again.
      {"", "2024-02-29T12:00:00Z", "P1Y", "2025-02-28T12:00:00.000Z"},
      {"", "2024-02-29T12:00:00Z", "P4Y", "2028-02-29T12:00:00.000Z"},
      {"", "2023-02-28T12:00:00Z", "P1D", "2023-03-01T12:00:00.000Z"},
      {"", "2024-02-28T12:00:00Z", "P1D", "2024-02-29T12:00:00.000Z"},
      // Month ends clamp.
      {"", "2025-01-31T00:00:00Z", "P1M", "2025-02-28T00:00:00.000Z"},
      {"", "2024-01-31T00:00:00Z", "P1M", "2024-02-29T00:00:00.000Z"},
      {"", "2025-03-31T00:00:00Z", "P1M", "2025-04-30T00:00:00.000Z"},
      {"", "2025-01-31T00:00:00Z", "P1Y1M", "2026-02-28T00:00:00.000Z"},
      {"", "2025-12-31T23:00:00Z", "PT2H", "2026-01-01T01:00:00.000Z"},
      // New York, spring forward 2024-03-10 02:00 EST -> 03:00 EDT.
      {"America/New_York", "2024-03-09T20:00:00-05:00", "P1D", "2024-03-11T00:00:00.000Z"},    // 20:00 EDT
      {"America/New_York", "2024-03-09T20:00:00-05:00", "PT24H", "2024-03-11T01:00:00.000Z"},  // 21:00 EDT
      {"America/New_York", "2024-03-09T20:00:00-05:00", "P1DT1H", "2024-03-11T01:00:00.000Z"},
      // New York, fall back 2024-11-03 02:00 EDT -> 01:00 EST.
      {"America/New_York", "2024-11-02T20:00:00-04:00", "P1D", "2024-11-04T01:00:00.000Z"},    // 20:00 EST
      {"America/New_York", "2024-11-02T20:00:00-04:00", "PT24H", "2024-11-04T00:00:00.000Z"},  // 19:00 EST
      // Berlin, spring forward 2024-03-31 02:00 CET -> 03:00 CEST.
      {"Europe/Berlin", "2024-03-30T20:00:00+01:00", "P1D", "2024-03-31T18:00:00.000Z"},    // 20:00 CEST
      {"Europe/Berlin", "2024-03-30T20:00:00+01:00", "PT24H", "2024-03-31T19:00:00.000Z"},  // 21:00 CEST
      // Berlin, fall back 2024-10-27 03:00 CEST -> 02:00 CET.
      {"Europe/Berlin", "2024-10-26T20:00:00+02:00", "P1D", "2024-10-27T19:00:00.000Z"},    // 20:00 CET
      {"Europe/Berlin", "2024-10-26T20:00:00+02:00", "PT24H", "2024-10-27T18:00:00.000Z"},  // 19:00 CET
      // A local time in the gap moves forward by the gap: 02:30 -> 03:30.
      {"America/New_York", "2024-03-09T02:30:00-05:00", "P1D", "2024-03-10T07:30:00.000Z"},  // 03:30 EDT
      {"Europe/Berlin", "2024-03-30T02:30:00+01:00", "P1D", "2024-03-31T01:30:00.000Z"},     // 03:30 CEST
      // ...and the next day is 02:30 again.
      {"Europe/Berlin", "2024-03-31T03:30:00+02:00", "P1D", "2024-04-01T01:30:00.000Z"},  // 03:30 CEST
      // An ambiguous local time keeps the offset the start had.
      {"America/New_York", "2024-11-02T01:30:00-04:00", "P1D", "2024-11-03T05:30:00.000Z"},   // 01:30 EDT
      {"America/New_York", "2023-11-05T01:30:00-04:00", "P52W", "2024-11-03T05:30:00.000Z"},  // 01:30 EDT
      {"America/New_York", "2023-11-05T01:30:00-05:00", "P52W", "2024-11-03T06:30:00.000Z"},  // 01:30 EST
      {"Europe/Berlin", "2024-10-26T02:30:00+02:00", "P1D", "2024-10-27T00:30:00.000Z"},      // 02:30 CEST
      // A fixed offset has no DST: P1D is 24 hours.
      {"", "2024-03-09T20:00:00-05:00", "P1D", "2024-03-11T01:00:00.000Z"},
  };
  for (const Case& c : cases) {
    TimeZone tz = c.tz.empty() ? TimeZone() : zone(c.tz);
    EXPECT_EQ(utc(addPeriod(at(c.start), period(c.period), tz)), c.expected)
        << c.tz << " " << c.start << " + " << c.period;
  }
}

TEST(JobsIso8601Test, AdvanceMovesPastNowByWholePeriodsAndCountsOneRun) {
  struct Case {
    std::string schedule;
    std::string tz;
    std::string launchedAt;
    std::string expected;
  };
  const Case cases[] = {
      // On time: one period on.
      {"R5/2024-01-01T00:00:00Z/PT1H", "", "2024-01-01T00:00:00Z", "R4/2024-01-01T01:00:00.000Z/PT1H"},
      // Five missed periods collapse: one run, start past now.
      {"R5/2024-01-01T00:00:00Z/PT1H", "", "2024-01-01T05:30:00Z", "R4/2024-01-01T06:00:00.000Z/PT1H"},
      {"R/2024-01-01T00:00:00Z/PT1H", "", "2024-01-01T05:30:00Z", "R/2024-01-01T06:00:00.000Z/PT1H"},
      {"R1/2024-01-01T00:00:00Z/PT1H", "", "2024-01-01T00:00:05Z", "R0/2024-01-01T01:00:00.000Z/PT1H"},
      // A PT1S job down for a year.
      {"R/2024-01-01T00:00:00Z/PT1S", "", "2025-01-01T00:00:00.500Z", "R/2025-01-01T00:00:01.000Z/PT1S"},
      // Months step one at a time: Jan 31, Feb 29, Mar 29.
      {"R/2024-01-31T10:00:00Z/P1M", "", "2024-03-15T00:00:00Z", "R/2024-03-29T10:00:00.000Z/P1M"},
      // Days in a zone across the spring change: still 20:00 local.
      {"R/2024-03-08T20:00:00Z/P1D", "America/New_York", "2024-03-10T12:00:00Z", "R/2024-03-10T20:00:00.000-04:00/P1D"},
      {"R/2024-10-25T20:00:00Z/P1D", "Europe/Berlin", "2024-10-27T12:00:00Z", "R/2024-10-27T20:00:00.000+01:00/P1D"},
  };
  for (const Case& c : cases) {
    IsoSchedule s = parsed(c.schedule, c.tz);
    IsoSchedule next = advanceAfterLaunch(s, at(c.launchedAt));
    EXPECT_EQ(formatIsoSchedule(next), c.expected) << c.schedule << " launched at " << c.launchedAt;
  }
}

TEST(JobsIso8601Test, ScheduleReportsNextDueRemainingAndExhaustion) {
  Result<Schedule> s = Schedule::parse("R1/2024-01-01T00:00:00Z/PT1H", "", kNow);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->form(), Schedule::Form::kIso8601);
  EXPECT_EQ(s->nextDue(), at("2024-01-01T00:00:00Z"));
  EXPECT_EQ(s->remaining(), 1);
  EXPECT_FALSE(s->exhausted());
  Schedule after = s->afterLaunch(at("2024-01-01T00:00:01Z"));
  EXPECT_TRUE(after.exhausted());
  EXPECT_EQ(after.nextDue(), std::nullopt);
  EXPECT_EQ(after.format(), "R0/2024-01-01T01:00:00.000Z/PT1H");

  Result<Schedule> r0 = Schedule::parse("R0/2024-01-01T00:00:00Z/PT1H", "", kNow);
  ASSERT_TRUE(r0.ok());
  EXPECT_TRUE(r0->exhausted());
  Result<Schedule> forever = Schedule::parse("R/2024-01-01T00:00:00Z/PT1H", "", kNow);
  ASSERT_TRUE(forever.ok());
  EXPECT_EQ(forever->remaining(), std::nullopt);
  EXPECT_EQ(forever->afterLaunch(kNow).format(), "R/2026-01-01T01:00:00.000Z/PT1H");
}

}  // namespace
}  // namespace tepui::jobs
