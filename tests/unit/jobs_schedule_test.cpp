// A property of Schedule::parse over random text built from the characters
// schedules use: it never crashes, refuses with a message that names the
// field, and what it accepts formats to text that reads back the same.
#include <gtest/gtest.h>

#include <random>

#include "jobs/misfire.hpp"
#include "jobs/schedule.hpp"
#include "jobs_test_util.hpp"

namespace tepui::jobs {
namespace {

using testing::at;

TEST(JobsScheduleTest, RandomTextIsRefusedClearlyOrRoundTrips) {
  const Millis now = at("2026-01-01T00:00:00Z");
  const std::string alphabet = "R0123456789/-:TZPYMWDHS.,+* @";
  const std::string seeds[] = {"R/2024-01-31T10:00:00Z/P1M", "R5//PT1.5S", "*/5 1-3 * JAN-MAR MON", "@daily",
                               "R0/2024-03-10T02:30:00-05:00/P1DT1H"};
  std::mt19937 random(20261202);  // fixed: the same cases every run
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    // Half the cases mutate a valid schedule, half are random text.
    std::string text;
    if (i % 2 == 0) {
      text = seeds[random() % std::size(seeds)];
      std::size_t edits = 1 + random() % 3;
      for (std::size_t e = 0; e < edits && !text.empty(); ++e) {
        text[random() % text.size()] = alphabet[random() % alphabet.size()];
      }
    } else {
      std::size_t length = random() % 30;
      for (std::size_t k = 0; k < length; ++k) text += alphabet[random() % alphabet.size()];
    }
    const std::string tz = i % 3 == 0 ? "America/New_York" : "";
    Result<Schedule> s = Schedule::parse(text, tz, now);
    if (!s.ok()) {
      EXPECT_EQ(s.error().message.rfind("schedule: ", 0), 0u) << text << " -> " << s.error().message;
      continue;
    }
    ++accepted;
    Result<Schedule> again = Schedule::parse(s->format(), tz, now);
    ASSERT_TRUE(again.ok()) << text << " -> " << s->format() << " -> " << again.error().message;
    EXPECT_EQ(again->format(), s->format()) << text;
    EXPECT_EQ(again->nextDue(), s->nextDue()) << text;
    CatchUp out = catchUp(*s, now, Misfire{});
    if (s->nextDue() && *s->nextDue() <= now) {
      EXPECT_EQ(out.runNow.size(), 1u) << text;
      EXPECT_TRUE(!out.next.nextDue() || *out.next.nextDue() > now) << text;
    }
  }
  EXPECT_GT(accepted, 100);  // the mutations keep many cases valid
}

}  // namespace
}  // namespace tepui::jobs
