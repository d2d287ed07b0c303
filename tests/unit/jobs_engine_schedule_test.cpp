// The jobs engine (jobs/engine.hpp) with a fake clock: scheduled runs, no
// drift, Rn exhaustion, misfire policies on recovery, concurrency.
#include <gtest/gtest.h>

#include "jobs_engine_test_util.hpp"

namespace tepui::jobs::testing {
namespace {

const Millis T0 = at("2024-01-01T00:00:00Z");

TEST(JobsEngineScheduleTest, OneSecondPeriodFiresSixtyRunsInSixtySecondsWithoutDrift) {
  Harness h;
  h.put(scheduledJob("tick", "R/2024-01-01T00:00:00Z/PT1S"), T0 - 5s);
  std::vector<int64_t> dues;
  // The loop wakes when the engine asks, and is always 250 ms late.
  Millis now = T0;
  while (now < T0 + 60s) {
    h.tick(now);
    for (const std::string& id : h.runAll(now)) dues.push_back(dueOf(id));
    std::optional<Millis> wake = h.engine->nextWake();
    ASSERT_TRUE(wake.has_value());
    now = *wake + 250ms;
  }
  ASSERT_EQ(dues.size(), 60u);
  for (size_t k = 0; k < dues.size(); ++k) EXPECT_EQ(dues[k], toMillis(T0 + std::chrono::seconds(k))) << k;
  EXPECT_EQ(h.engine->job("tick")->successCount, 60);
  EXPECT_EQ(h.engine->history().runsOf("tick").size(), 60u);
}

TEST(JobsEngineScheduleTest, NothingRunsBeforeItIsDue) {
  Harness h;
  h.put(scheduledJob("later", "R/2024-01-01T01:00:00Z/PT1H"), T0);
  EXPECT_TRUE(h.tick(T0 + 59min).writes.empty());
  EXPECT_FALSE(h.engine->wantsOffers(T0 + 59min));
  EXPECT_EQ(h.engine->nextWake(), T0 + 1h);
  h.tick(T0 + 1h);
  EXPECT_EQ(h.queued("later"), 1u);
  EXPECT_TRUE(h.engine->wantsOffers(T0 + 1h));
  // The stored job shows the next due time, as GET /jobs does.
  EXPECT_EQ(h.engine->job("later")->schedule, "R/2024-01-01T02:00:00.000Z/PT1H");
  EXPECT_EQ(h.store.all(kJobsCollection).at("later").at("schedule"), "R/2024-01-01T02:00:00.000Z/PT1H");
}

TEST(JobsEngineScheduleTest, CronJobsRunAtTheirFireTimes) {
  Harness h;
  h.put(scheduledJob("cron", "*/15 * * * *"), T0 + 1s);
  h.tick(T0 + 14min);
  EXPECT_EQ(h.queued("cron"), 0u);
  h.tick(T0 + 15min);
  std::vector<std::string> ids = h.runAll(T0 + 15min);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(dueOf(ids[0]), toMillis(T0 + 15min));
  EXPECT_EQ(h.engine->nextWake(), T0 + 30min);
}

TEST(JobsEngineScheduleTest, RnCountsDownAndDisablesTheJobWithANotification) {
  Harness h;
  h.put(scheduledJob("twice", "R2/2024-01-01T00:00:00Z/PT1M"), T0 - 1s);
  h.tick(T0);
  h.runAll(T0);
  EXPECT_FALSE(h.engine->job("twice")->disabled);
  EXPECT_EQ(h.engine->schedule("twice")->remaining(), 1);
  h.tick(T0 + 1min);
  EXPECT_TRUE(h.engine->job("twice")->disabled);
  EXPECT_EQ(h.countOf(NotificationKind::kExhausted), 1u);
  h.runAll(T0 + 1min);  // the last repetition still runs
  h.tick(T0 + 2min);
  h.tick(T0 + 10min);
  EXPECT_EQ(h.queued("twice"), 0u);
  EXPECT_EQ(h.engine->job("twice")->successCount, 2);
  EXPECT_FALSE(h.engine->nextWake().has_value());
  EXPECT_TRUE(h.store.all(kJobsCollection).at("twice").at("disabled").as_bool());
}

TEST(JobsEngineScheduleTest, DisabledJobsDoNotRunOnSchedule) {
  Harness h;
  Job j = scheduledJob("off", "R/2024-01-01T00:00:00Z/PT1M");
  j.disabled = true;
  h.put(j, T0 - 1s);
  h.tick(T0 + 5min);
  EXPECT_EQ(h.queued("off"), 0u);
}

// A job run every minute from T0; the leader ran it at T0, then was down
// until T0 + 10m30s.
void downTenMinutes(Harness& h, Job job) {
  h.put(std::move(job), T0 - 1s);
  h.tick(T0);
  h.runAll(T0);
  h.failover(T0 + 10min + 30s);
  h.tick(T0 + 10min + 30s);
}

std::vector<int64_t> queuedDues(const Harness& h) {
  std::vector<int64_t> dues;
  for (auto& [id, run] : h.engine->active()) dues.push_back(run.due);
  std::sort(dues.begin(), dues.end());
  return dues;
}

TEST(JobsEngineScheduleTest, MisfireRunOnceCollapsesMissedSlotsIntoOneRunDueAtTheOldest) {
  Harness h;
  downTenMinutes(h, scheduledJob("m", "R/2024-01-01T00:00:00Z/PT1M"));
  EXPECT_EQ(queuedDues(h), std::vector<int64_t>{toMillis(T0 + 1min)});
  EXPECT_EQ(h.engine->schedule("m")->nextDue(), T0 + 11min);
}

TEST(JobsEngineScheduleTest, MisfireRunAllRunsEachMissedSlotUpToTheLimit) {
  Harness h;
  Job j = scheduledJob("m", "R/2024-01-01T00:00:00Z/PT1M");
  j.misfirePolicy = "runAll";
  j.misfireLimit = 4;
  downTenMinutes(h, j);
  std::vector<int64_t> expected;
  for (int k = 7; k <= 10; ++k) expected.push_back(toMillis(T0 + std::chrono::minutes(k)));
  EXPECT_EQ(queuedDues(h), expected);
  // Not concurrent: they run one after the other, each once.
  std::vector<int64_t> ran;
  for (int round = 0; round < 6; ++round)
    for (auto& id : h.runAll(T0 + 10min + 31s)) ran.push_back(dueOf(id));
  EXPECT_EQ(ran, expected);
}

TEST(JobsEngineScheduleTest, MisfireSkipRunsOnlyARecentSlot) {
  Harness h;
  Job j = scheduledJob("m", "R/2024-01-01T00:00:00Z/PT1M");
  j.misfirePolicy = "skip";
  downTenMinutes(h, j);  // T0+10m is 30 s old: within the 60 s grace
  EXPECT_EQ(queuedDues(h), std::vector<int64_t>{toMillis(T0 + 10min)});
}

TEST(JobsEngineScheduleTest, MisfireSkipHonoursTheJobsGrace) {
  Harness h;
  Job j = scheduledJob("m", "R/2024-01-01T00:00:00Z/PT1M");
  j.misfirePolicy = "skip";
  j.misfireGraceSeconds = 10;
  downTenMinutes(h, j);  // T0+10m is 30 s old: beyond a 10 s grace
  EXPECT_TRUE(queuedDues(h).empty());
  EXPECT_EQ(h.engine->schedule("m")->nextDue(), T0 + 11min);
}

TEST(JobsEngineScheduleTest, CronScheduleResumesFromTheLastHandledDueTimeAfterFailover) {
  Harness h;
  h.put(scheduledJob("c", "0 * * * *"), T0 + 1s);  // hourly, first at 01:00
  h.failover(T0 + 3h + 5min);                      // down across three fire times
  h.tick(T0 + 3h + 5min);
  EXPECT_EQ(queuedDues(h), std::vector<int64_t>{toMillis(T0 + 1h)});  // runOnce
  EXPECT_EQ(h.engine->schedule("c")->nextDue(), T0 + 4h);
}

TEST(JobsEngineScheduleTest, NonConcurrentJobWaitsForItsRunThenCatchesUpOnce) {
  Harness h;
  const std::string first = h.launchScheduled(scheduledJob("slow", "R/2024-01-01T00:00:00Z/PT1S"), T0);
  h.report(first, v1::TASK_RUNNING, T0);
  for (int s = 1; s <= 5; ++s) h.tick(T0 + std::chrono::seconds(s));
  EXPECT_EQ(h.queued("slow"), 0u);  // the slots wait
  EXPECT_FALSE(h.engine->wantsOffers(T0 + 5s));
  EXPECT_TRUE(h.launch(T0 + 5s).empty());
  h.report(first, v1::TASK_FINISHED, T0 + 5500ms);
  ASSERT_EQ(h.engine->nextWake(), T0 + 1s);  // overdue: tick at once
  h.tick(T0 + 5500ms);
  EXPECT_EQ(queuedDues(h), std::vector<int64_t>{toMillis(T0 + 1s)});
  EXPECT_EQ(h.engine->schedule("slow")->nextDue(), T0 + 6s);
}

TEST(JobsEngineScheduleTest, ManualRunOfANonConcurrentJobWaitsForTheRunInFlight) {
  Harness h;
  const std::string first = h.launchScheduled(scheduledJob("j", "R/2024-01-01T00:00:00Z/PT1H"), T0);
  h.commit(h.engine->runNow("j", "", T0 + 1s));
  EXPECT_EQ(h.queued("j"), 1u);
  EXPECT_TRUE(h.launch(T0 + 2s).empty());
  h.report(first, v1::TASK_FINISHED, T0 + 3s);
  EXPECT_EQ(h.launch(T0 + 3s).size(), 1u);
}

TEST(JobsEngineScheduleTest, ConcurrentJobRunsOverlap) {
  Harness h;
  Job j = scheduledJob("par", "R/2024-01-01T00:00:00Z/PT1S");
  j.concurrent = true;
  h.put(j, T0 - 1s);
  size_t launched = 0;
  for (int s = 0; s < 5; ++s) {
    h.tick(T0 + std::chrono::seconds(s));
    launched += h.launch(T0 + std::chrono::seconds(s)).size();  // never finished
  }
  EXPECT_EQ(launched, 5u);
  EXPECT_EQ(h.engine->status("par"), JobStatus::kRunning);
}

TEST(JobsEngineScheduleTest, RunOverMaxCompletionTimeIsKilledAndNotRetried) {
  Harness h;
  Job j = scheduledJob("long", "R/2024-01-01T00:00:00Z/PT1H");
  j.maxCompletionTime = 10;
  const std::string id = h.launchScheduled(j, T0);
  h.report(id, v1::TASK_RUNNING, T0 + 1s);
  EXPECT_EQ(h.engine->nextWake(), T0 + 10s);
  EXPECT_TRUE(h.tick(T0 + 9s).kills.empty());
  Effects e = h.tick(T0 + 10s);
  ASSERT_EQ(e.kills.size(), 1u);
  EXPECT_EQ(e.kills[0], (Kill{id, "agent-node1"}));
  EXPECT_EQ(h.engine->active().at(id).killReason, "over maxCompletionTime");
  // No answer: the kill is sent again after killRetryMillis.
  EXPECT_TRUE(h.tick(T0 + 20s).kills.empty());
  EXPECT_EQ(h.tick(T0 + 40s).kills.size(), 1u);
  h.report(id, v1::TASK_KILLED, T0 + 41s);
  EXPECT_EQ(h.queued("long"), 0u);
  EXPECT_EQ(h.engine->job("long")->errorCount, 1);
  EXPECT_EQ(h.engine->history().runsOf("long").front()->state, RunState::kKilled);
}

}  // namespace
}  // namespace tepui::jobs::testing
