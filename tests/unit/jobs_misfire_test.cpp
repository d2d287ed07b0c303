// Misfire policies: what runs when slots were missed, what is stored next,
// how Rn counts, and the job fields that choose the policy.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "jobs/misfire.hpp"
#include "jobs_test_util.hpp"

namespace tepui::jobs {
namespace {

using testing::at;
using testing::utc;

Schedule schedule(const std::string& text, Millis now = at("2024-01-01T00:00:00Z")) {
  Result<Schedule> s = Schedule::parse(text, "", now);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : *Schedule::parse("R0//PT1S", "", now);  // a failed case yields an exhausted one
}

std::vector<std::string> utcs(const std::vector<Millis>& instants) {
  std::vector<std::string> out;
  for (Millis m : instants) out.push_back(utc(m));
  return out;
}

Misfire policy(MisfirePolicy p, std::int64_t limit = 10, std::chrono::seconds grace = std::chrono::seconds(60)) {
  Misfire m;
  m.policy = p;
  m.limit = limit;
  m.grace = grace;
  return m;
}

TEST(JobsMisfireTest, PoliciesTable) {
  struct Case {
    std::string name;
    std::string schedule;
    Misfire misfire;
    std::string now;
    std::vector<std::string> runs;
    std::string next;  // the stored schedule afterwards
  };
  const std::string hourly = "R/2024-01-01T00:00:00Z/PT1H";
  const Case cases[] = {
      {"on time, runOnce",
       hourly,
       policy(MisfirePolicy::kRunOnce),
       "2024-01-01T00:00:00.010Z",
       {"2024-01-01T00:00:00.000Z"},
       "R/2024-01-01T01:00:00.000Z/PT1H"},
      {"on time, skip",
       hourly,
       policy(MisfirePolicy::kSkip),
       "2024-01-01T00:00:00.010Z",
       {"2024-01-01T00:00:00.000Z"},
       "R/2024-01-01T01:00:00.000Z/PT1H"},
      {"on time, runAll",
       hourly,
       policy(MisfirePolicy::kRunAll),
       "2024-01-01T00:00:00.010Z",
       {"2024-01-01T00:00:00.000Z"},
       "R/2024-01-01T01:00:00.000Z/PT1H"},
      // Down from before 00:00 until 05:30: six slots missed.
      {"runOnce collapses them (Chronos 3)",
       hourly,
       policy(MisfirePolicy::kRunOnce),
       "2024-01-01T05:30:00Z",
       {"2024-01-01T00:00:00.000Z"},
       "R/2024-01-01T06:00:00.000Z/PT1H"},
      {"skip drops them",
       hourly,
       policy(MisfirePolicy::kSkip),
       "2024-01-01T05:30:00Z",
       {},
       "R/2024-01-01T06:00:00.000Z/PT1H"},
      {"skip runs the newest within the grace",
       hourly,
       policy(MisfirePolicy::kSkip),
       "2024-01-01T05:00:59Z",
       {"2024-01-01T05:00:00.000Z"},
       "R/2024-01-01T06:00:00.000Z/PT1H"},
      {"skip with a larger grace",
       hourly,
       policy(MisfirePolicy::kSkip, 10, std::chrono::seconds(3600)),
       "2024-01-01T05:30:00Z",
       {"2024-01-01T05:00:00.000Z"},
       "R/2024-01-01T06:00:00.000Z/PT1H"},
      {"runAll runs each",
       hourly,
       policy(MisfirePolicy::kRunAll),
       "2024-01-01T05:30:00Z",
       {"2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z", "2024-01-01T03:00:00.000Z",
        "2024-01-01T04:00:00.000Z", "2024-01-01T05:00:00.000Z"},
       "R/2024-01-01T06:00:00.000Z/PT1H"},
      {"runAll keeps the newest up to the limit",
       hourly,
       policy(MisfirePolicy::kRunAll, 3),
       "2024-01-01T05:30:00Z",
       {"2024-01-01T03:00:00.000Z", "2024-01-01T04:00:00.000Z", "2024-01-01T05:00:00.000Z"},
       "R/2024-01-01T06:00:00.000Z/PT1H"},
      // Rn counts runs: runOnce uses one, runAll as many as it runs (at most
      // n), skip none for dropped slots.
      {"runOnce counts one",
       "R5/2024-01-01T00:00:00Z/PT1H",
       policy(MisfirePolicy::kRunOnce),
       "2024-01-01T05:30:00Z",
       {"2024-01-01T00:00:00.000Z"},
       "R4/2024-01-01T06:00:00.000Z/PT1H"},
      {"runAll counts each",
       "R5/2024-01-01T00:00:00Z/PT1H",
       policy(MisfirePolicy::kRunAll, 3),
       "2024-01-01T05:30:00Z",
       {"2024-01-01T03:00:00.000Z", "2024-01-01T04:00:00.000Z", "2024-01-01T05:00:00.000Z"},
       "R2/2024-01-01T06:00:00.000Z/PT1H"},
      {"runAll stops at n",
       "R2/2024-01-01T00:00:00Z/PT1H",
       policy(MisfirePolicy::kRunAll),
       "2024-01-01T05:30:00Z",
       {"2024-01-01T04:00:00.000Z", "2024-01-01T05:00:00.000Z"},
       "R0/2024-01-01T06:00:00.000Z/PT1H"},
      {"skip does not count dropped slots",
       "R5/2024-01-01T00:00:00Z/PT1H",
       policy(MisfirePolicy::kSkip),
       "2024-01-01T05:30:00Z",
       {},
       "R5/2024-01-01T06:00:00.000Z/PT1H"},
      // Not due yet, or exhausted: nothing changes.
      {"not due",
       hourly,
       policy(MisfirePolicy::kRunAll),
       "2023-12-31T23:59:59Z",
       {},
       hourly.substr(0, 2) + "2024-01-01T00:00:00.000Z/PT1H"},
      {"exhausted",
       "R0/2024-01-01T00:00:00Z/PT1H",
       policy(MisfirePolicy::kRunOnce),
       "2024-01-01T05:30:00Z",
       {},
       "R0/2024-01-01T00:00:00.000Z/PT1H"},
      // Months: slots step one at a time (Jan 31, Feb 29, Mar 29).
      {"runAll over month ends",
       "R/2024-01-31T10:00:00Z/P1M",
       policy(MisfirePolicy::kRunAll),
       "2024-04-01T00:00:00Z",
       {"2024-01-31T10:00:00.000Z", "2024-02-29T10:00:00.000Z", "2024-03-29T10:00:00.000Z"},
       "R/2024-04-29T10:00:00.000Z/P1M"},
  };
  for (const Case& c : cases) {
    CatchUp out = catchUp(schedule(c.schedule), at(c.now), c.misfire);
    EXPECT_EQ(utcs(out.runNow), c.runs) << c.name;
    EXPECT_EQ(out.next.format(), c.next) << c.name;
  }
}

TEST(JobsMisfireTest, RunAllAfterLongDowntimeReturnsOnlyTheNewestSlots) {
  // A PT1S job down for a year: 31 million slots missed, 1000 run.
  Schedule s = schedule("R/2024-01-01T00:00:00Z/PT1S");
  CatchUp out = catchUp(s, at("2025-01-01T00:00:00.500Z"), policy(MisfirePolicy::kRunAll, Misfire::kMaxLimit));
  ASSERT_EQ(out.runNow.size(), 1000u);
  EXPECT_EQ(utc(out.runNow.front()), "2024-12-31T23:43:21.000Z");
  EXPECT_EQ(utc(out.runNow.back()), "2025-01-01T00:00:00.000Z");
  EXPECT_EQ(out.next.nextDue(), at("2025-01-01T00:00:01Z"));
}

TEST(JobsMisfireTest, CronSchedulesResumeFromTheLastDueHandled) {
  Schedule stored = schedule("0 * * * *").resume(at("2024-01-01T00:00:00Z"));
  const Millis now = at("2024-01-01T03:10:00Z");

  CatchUp all = catchUp(stored, now, policy(MisfirePolicy::kRunAll));
  EXPECT_EQ(utcs(all.runNow), (std::vector<std::string>{"2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z",
                                                        "2024-01-01T03:00:00.000Z"}));
  EXPECT_EQ(all.next.nextDue(), at("2024-01-01T04:00:00Z"));

  CatchUp once = catchUp(stored, now, policy(MisfirePolicy::kRunOnce));
  EXPECT_EQ(utcs(once.runNow), (std::vector<std::string>{"2024-01-01T01:00:00.000Z"}));
  EXPECT_EQ(once.next.nextDue(), at("2024-01-01T04:00:00Z"));

  CatchUp skip = catchUp(stored, now, policy(MisfirePolicy::kSkip, 10, std::chrono::seconds(900)));
  EXPECT_EQ(utcs(skip.runNow), (std::vector<std::string>{"2024-01-01T03:00:00.000Z"}));
  EXPECT_EQ(skip.next.nextDue(), at("2024-01-01T04:00:00Z"));
}

TEST(JobsMisfireTest, JobFieldsChooseThePolicy) {
  auto read = [](const std::string& json) { return misfireFromJson(boost::json::parse(json).as_object()); };
  Result<Misfire> defaults = read("{}");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(*defaults, Misfire{});
  EXPECT_EQ(defaults->policy, MisfirePolicy::kRunOnce);

  Result<Misfire> all = read(R"({"misfirePolicy": "runAll", "misfireLimit": 5})");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->policy, MisfirePolicy::kRunAll);
  EXPECT_EQ(all->limit, 5);
  Result<Misfire> skip = read(R"({"misfirePolicy": "skip", "misfireGraceSeconds": 0, "misfireLimit": null})");
  ASSERT_TRUE(skip.ok()) << skip.error().message;
  EXPECT_EQ(skip->policy, MisfirePolicy::kSkip);
  EXPECT_EQ(skip->grace, std::chrono::seconds(0));

  const std::pair<std::string, std::string> bad[] = {
      {R"({"misfirePolicy": "sometimes"})", "misfirePolicy: expected \"runOnce\", \"skip\" or \"runAll\""},
      {R"({"misfirePolicy": 3})", "misfirePolicy: expected"},
      {R"({"misfireLimit": 0})", "misfireLimit: 0 is not from 1 to 1000"},
      {R"({"misfireLimit": 1001})", "misfireLimit: 1001 is not from 1 to 1000"},
      {R"({"misfireLimit": "ten"})", "misfireLimit: expected a whole number from 1 to 1000"},
      {R"({"misfireLimit": 2.5})", "misfireLimit: expected a whole number"},
      {R"({"misfireGraceSeconds": -1})", "misfireGraceSeconds: -1 is not from 0 to"},
  };
  for (const auto& [json, message] : bad) {
    Result<Misfire> m = read(json);
    ASSERT_FALSE(m.ok()) << json;
    EXPECT_NE(m.error().message.find(message), std::string::npos) << json << " -> " << m.error().message;
  }

  boost::json::object job;
  misfireToJson(*all, job);
  EXPECT_EQ(job.at("misfirePolicy").as_string(), "runAll");
  Result<Misfire> back = misfireFromJson(job);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *all);
}

}  // namespace
}  // namespace tepui::jobs
