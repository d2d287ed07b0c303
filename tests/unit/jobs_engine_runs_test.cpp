// The jobs engine (jobs/engine.hpp): dependencies, retries, kills, the API's
// changes, and exactly-once runs across a failover.
#include <gtest/gtest.h>

#include "jobs_engine_test_util.hpp"

namespace tepui::jobs::testing {
namespace {

const Millis T0 = at("2024-01-01T00:00:00Z");

// A job that runs only when asked, several runs at once.
Job concurrentJob(const std::string& name) {
  Job j = scheduledJob(name, "R/2030-01-01T00:00:00Z/P1D");
  j.concurrent = true;
  return j;
}

// a (every hour) -> b -> c; b fails and is not retried.
void threeLevels(Harness& h, bool softError) {
  h.put(scheduledJob("a", "R/2024-01-01T00:00:00Z/PT1H"), T0 - 1s);
  Job b = dependentJob("b", {"a"});
  b.retries = 0;
  b.softError = softError;
  h.put(b, T0 - 1s);
  h.put(dependentJob("c", {"b"}), T0 - 1s);
  h.tick(T0);
  ASSERT_EQ(h.runAll(T0).size(), 1u);                        // a succeeds
  ASSERT_EQ(h.runAll(T0 + 1s, v1::TASK_FAILED).size(), 1u);  // b fails
}

TEST(JobsEngineRunsTest, FailingMiddleJobStopsTheChain) {
  Harness h;
  threeLevels(h, false);
  EXPECT_EQ(h.queued("c"), 0u);
  EXPECT_TRUE(h.runAll(T0 + 2s).empty());
  EXPECT_EQ(h.engine->job("b")->errorCount, 1);
  EXPECT_EQ(h.countOf(NotificationKind::kFailed), 1u);
  EXPECT_EQ(h.notifications.back().job, "b");
}

TEST(JobsEngineRunsTest, SoftErrorMiddleJobLetsTheChainGoOn) {
  Harness h;
  threeLevels(h, true);
  EXPECT_EQ(h.queued("c"), 1u);
  std::vector<std::string> ran = h.runAll(T0 + 2s);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(parseTaskId(ran[0])->jobName, "c");
  EXPECT_EQ(h.engine->job("b")->errorCount, 1);
}

TEST(JobsEngineRunsTest, ChildWithTwoParentsRunsOnceBothSucceeded) {
  Harness h;
  h.put(scheduledJob("p1", "R/2024-01-01T00:00:00Z/PT1H"), T0 - 1s);
  h.put(scheduledJob("p2", "R/2024-01-01T00:30:00Z/PT1H"), T0 - 1s);
  h.put(dependentJob("child", {"p1", "p2"}), T0 - 1s);
  h.tick(T0);
  h.runAll(T0);
  EXPECT_EQ(h.queued("child"), 0u);
  // The edge count survives a failover.
  h.failover(T0 + 10min);
  h.tick(T0 + 30min);
  h.runAll(T0 + 30min);
  EXPECT_EQ(h.queued("child"), 1u);
}

TEST(JobsEngineRunsTest, FailedRunIsRetriedAfterTheDelayWithTheNextAttempt) {
  EngineOptions o;
  o.retry.failureRetryDelay = std::chrono::seconds(60);
  Harness h(o);
  Job j = scheduledJob("r", "R/2024-01-01T00:00:00Z/P1D");
  j.retries = 2;
  h.put(j, T0 - 1s);
  h.tick(T0);
  std::vector<std::string> first = h.runAll(T0, v1::TASK_FAILED);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(h.queued("r"), 1u);
  EXPECT_FALSE(h.engine->wantsOffers(T0 + 59s));
  EXPECT_TRUE(h.launch(T0 + 59s).empty());
  EXPECT_EQ(h.engine->nextWake(), T0 + 60s);
  h.tick(T0 + 60s);
  std::vector<std::string> second = h.runAll(T0 + 60s, v1::TASK_FAILED);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(parseTaskId(second[0])->attempt, 1);
  EXPECT_EQ(dueOf(second[0]), toMillis(T0));  // the same due time
  h.tick(T0 + 120s);
  std::vector<std::string> third = h.runAll(T0 + 120s, v1::TASK_FAILED);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(parseTaskId(third[0])->attempt, 2);
  // Retries exhausted: one error, one notification, nothing queued.
  EXPECT_EQ(h.queued("r"), 0u);
  EXPECT_EQ(h.engine->job("r")->errorCount, 1);
  EXPECT_EQ(h.countOf(NotificationKind::kFailed), 1u);
  EXPECT_EQ(h.engine->history().runsOf("r").size(), 3u);
  // A job that is failing already gets no retries (Chronos's rule).
  h.commit(h.engine->runNow("r", "", T0 + 1h));
  h.runAll(T0 + 1h, v1::TASK_FAILED);
  EXPECT_EQ(h.queued("r"), 0u);
  EXPECT_EQ(h.engine->job("r")->errorCount, 2);
}

TEST(JobsEngineRunsTest, DisableAfterFailures) {
  EngineOptions o;
  o.retry.disableAfterFailures = 2;
  Harness h(o);
  Job j = scheduledJob("d", "R/2024-01-01T00:00:00Z/PT1M");
  j.retries = 0;
  h.put(j, T0 - 1s);
  for (int m = 0; m < 2; ++m) {
    h.tick(T0 + std::chrono::minutes(m));
    h.runAll(T0 + std::chrono::minutes(m), v1::TASK_FAILED);
  }
  EXPECT_TRUE(h.engine->job("d")->disabled);
  EXPECT_EQ(h.countOf(NotificationKind::kDisabled), 1u);
  h.tick(T0 + 5min);
  EXPECT_EQ(h.queued("d"), 0u);
}

TEST(JobsEngineRunsTest, RunNowWithArgumentsReachesTheCommand) {
  Harness h;
  Job j = dependentJob("x", {});
  j.schedule = "R/2030-01-01T00:00:00Z/P1D";
  j.shell = false;
  j.command = "/bin/echo";
  j.arguments = {"hello"};
  h.put(j, T0);
  h.commit(h.engine->runNow("x", "one two", T0));
  std::vector<v1::TaskInfo> t = h.launch(T0);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].task_id().value(), "ct:" + std::to_string(toMillis(T0)) + ":0:x:one two");
  ASSERT_EQ(t[0].command().arguments_size(), 3);
  EXPECT_EQ(t[0].command().arguments(2), "two");
  EXPECT_FALSE(h.engine->runNow("nope", "", T0).ok());
  EXPECT_FALSE(h.engine->runNow("x", std::string(300, 'a'), T0).ok());  // the task id would be too long
}

TEST(JobsEngineRunsTest, TwoManualRunsInTheSameMillisecondGetDistinctTaskIds) {
  Harness h;
  h.put(concurrentJob("m"), T0);
  h.commit(h.engine->runNow("m", "", T0));
  h.commit(h.engine->runNow("m", "", T0));
  EXPECT_EQ(h.queued("m"), 2u);
  EXPECT_EQ(h.launch(T0).size(), 2u);
}

TEST(JobsEngineRunsTest, MarkSuccessCountsAndFiresChildren) {
  Harness h;
  h.put(scheduledJob("p", "R/2030-01-01T00:00:00Z/P1D"), T0);
  h.put(dependentJob("k", {"p"}), T0);
  h.commit(h.engine->markSuccess("p", T0));
  EXPECT_EQ(h.engine->job("p")->successCount, 1);
  EXPECT_EQ(h.queued("k"), 1u);
  EXPECT_FALSE(h.engine->markSuccess("none", T0).ok());
}

TEST(JobsEngineRunsTest, KillJobKillsRunningAndDropsQueued) {
  Harness h;
  h.put(concurrentJob("k"), T0);
  h.commit(h.engine->runNow("k", "", T0));
  std::vector<v1::TaskInfo> t = h.launch(T0);
  ASSERT_EQ(t.size(), 1u);
  h.commit(h.engine->runNow("k", "", T0 + 1s));
  Effects e = h.commit(h.engine->killJob("k", T0 + 2s));
  ASSERT_EQ(e.kills.size(), 1u);
  EXPECT_EQ(e.kills[0].taskId, t[0].task_id().value());
  EXPECT_EQ(h.queued("k"), 0u);
  h.report(t[0].task_id().value(), v1::TASK_KILLED, T0 + 3s);
  EXPECT_TRUE(h.engine->active().empty());
  EXPECT_TRUE(h.store.all(kActiveCollection).empty());
  EXPECT_EQ(h.engine->history().runsOf("k").size(), 2u);
  EXPECT_EQ(h.engine->status("k"), JobStatus::kIdle);
}

TEST(JobsEngineRunsTest, DeleteReparentsKillsActiveRunsAndNotifies) {
  Harness h;
  h.put(scheduledJob("top", "R/2024-01-01T00:00:00Z/PT1H"), T0 - 1s);
  h.put(dependentJob("mid", {"top"}), T0 - 1s);
  h.put(dependentJob("leaf", {"mid"}), T0 - 1s);
  h.tick(T0);
  std::vector<v1::TaskInfo> t = h.launch(T0);
  ASSERT_EQ(t.size(), 1u);
  Effects e = h.commit(h.engine->deleteJob("mid", T0 + 1s));
  EXPECT_EQ(h.engine->job("leaf")->parents, std::vector<std::string>{"top"});
  EXPECT_TRUE(e.kills.empty());
  EXPECT_EQ(h.countOf(NotificationKind::kDeleted), 1u);
  EXPECT_FALSE(h.store.all(kJobsCollection).count("mid"));
  // Deleting the scheduled job: its child takes its schedule; its run is killed.
  e = h.commit(h.engine->deleteJob("top", T0 + 2s));
  ASSERT_EQ(e.kills.size(), 1u);
  const Job* leaf = h.engine->job("leaf");
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(leaf->kind(), JobKind::kScheduled);
  ASSERT_NE(h.engine->schedule("leaf"), nullptr);
  EXPECT_EQ(h.engine->schedule("leaf")->nextDue(), T0 + 1h);
  // The killed run's end is recorded nowhere: its job is gone.
  h.report(t[0].task_id().value(), v1::TASK_KILLED, T0 + 3s);
  EXPECT_TRUE(h.engine->active().empty());
  EXPECT_TRUE(h.store.all(kRunsCollection).empty());
  EXPECT_FALSE(h.engine->deleteJob("top", T0).ok());
}

TEST(JobsEngineRunsTest, BadJobsAreRefusedWithTheFieldNamed) {
  Harness h;
  Result<Effects> r = h.engine->putJob(scheduledJob("bad", "R/2024-01-01T00:00:00Z/P1X"), T0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("schedule:", 0), 0u) << r.error().message;
  r = h.engine->putJob(dependentJob("orphan", {"ghost"}), T0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("parents:", 0), 0u) << r.error().message;
  Job c = scheduledJob("box", "R/2024-01-01T00:00:00Z/P1D");
  c.container = boost::json::object{{"type", "DOCKER"}};
  r = h.engine->putJob(c, T0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "container.image: is required");
  Job m = scheduledJob("mis", "R/2024-01-01T00:00:00Z/P1D");
  m.misfirePolicy = "sometimes";
  EXPECT_FALSE(h.engine->putJob(m, T0).ok());
  EXPECT_TRUE(h.engine->graph().jobs().empty());
}

TEST(JobsEngineRunsTest, ReplacingAJobKeepsItsScheduleStateWhenTheScheduleIsTheSame) {
  Harness h;
  h.put(scheduledJob("s", "R/2024-01-01T00:00:00Z/PT1H"), T0 - 1s);
  h.tick(T0);
  h.runAll(T0);
  Job same = *h.engine->job("s");
  same.description = "now described";
  h.put(same, T0 + 1min);
  EXPECT_EQ(h.engine->schedule("s")->nextDue(), T0 + 1h);
  EXPECT_EQ(h.engine->job("s")->successCount, 0);  // the definition changed: counters reset
}

TEST(JobsEngineRunsTest, UnknownRunningTaskIsKilled) {
  Harness h;
  Effects e = h.commit(h.engine->update(status("ct:1:0:gone:", v1::TASK_RUNNING), T0));
  ASSERT_EQ(e.kills.size(), 1u);
  EXPECT_TRUE(h.commit(h.engine->update(status("ct:1:0:gone:", v1::TASK_FINISHED), T0)).empty());
}

// ---- Exactly once across a failover ----

TEST(JobsEngineFailoverTest, LaunchTheMasterNeverSawIsLaunchedAgainWithTheSameDueTime) {
  Harness h;
  // Written as launching; the ACCEPT is lost.
  const std::string id = h.launchScheduled(scheduledJob("once", "R/2024-01-01T00:00:00Z/PT1H"), T0);
  h.failover(T0 + 10s);
  std::vector<Kill> reconcile = h.engine->tasksToReconcile();
  ASSERT_EQ(reconcile.size(), 1u);
  EXPECT_EQ(reconcile[0], (Kill{id, "agent-node1"}));
  h.tick(T0 + 10s);
  EXPECT_EQ(h.engine->active().size(), 1u);  // no new run for the due time
  h.report(id, v1::TASK_LOST, T0 + 11s, v1::TaskStatus::REASON_RECONCILIATION);
  EXPECT_EQ(h.queued("once"), 1u);
  std::vector<v1::TaskInfo> again = h.launch(T0 + 11s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].task_id().value(), id);
  h.report(id, v1::TASK_FINISHED, T0 + 12s);
  EXPECT_EQ(h.engine->job("once")->successCount, 1);
  EXPECT_EQ(h.engine->job("once")->errorCount, 0);
}

TEST(JobsEngineFailoverTest, LaunchOnAnOfferNoLongerValidIsQueuedAgain) {
  Harness h;
  Job j = scheduledJob("stale", "R/2024-01-01T00:00:00Z/PT1H");
  j.retries = 0;
  const std::string id = h.launchScheduled(j, T0);
  h.report(id, v1::TASK_DROPPED, T0 + 1s, v1::TaskStatus::REASON_INVALID_OFFERS);
  EXPECT_EQ(h.queued("stale"), 1u);
  EXPECT_EQ(h.engine->job("stale")->errorCount, 0);
  EXPECT_EQ(h.launch(T0 + 2s).size(), 1u);
}

TEST(JobsEngineFailoverTest, LaunchTheMasterKnowsIsAdopted) {
  Harness h;
  const std::string id = h.launchScheduled(scheduledJob("adopt", "R/2024-01-01T00:00:00Z/PT1H"), T0);
  h.failover(T0 + 10s);
  h.report(id, v1::TASK_RUNNING, T0 + 11s, v1::TaskStatus::REASON_RECONCILIATION);
  EXPECT_EQ(h.engine->active().at(id).state, RunState::kRunning);
  EXPECT_FALSE(h.engine->wantsOffers(T0 + 11s));
  EXPECT_TRUE(h.launch(T0 + 11s).empty());
  h.report(id, v1::TASK_FINISHED, T0 + 20s);
  EXPECT_EQ(h.engine->job("adopt")->successCount, 1);
  EXPECT_EQ(h.engine->history().runsOf("adopt").size(), 1u);
}

TEST(JobsEngineFailoverTest, RunningTaskLostToTheMasterIsAFailure) {
  Harness h;
  Job j = scheduledJob("lost", "R/2024-01-01T00:00:00Z/PT1H");
  j.retries = 0;
  const std::string id = h.launchScheduled(j, T0);
  h.report(id, v1::TASK_RUNNING, T0);
  h.failover(T0 + 10s);
  h.report(id, v1::TASK_UNKNOWN, T0 + 11s, v1::TaskStatus::REASON_RECONCILIATION);
  EXPECT_EQ(h.engine->job("lost")->errorCount, 1);
  EXPECT_TRUE(h.engine->active().empty());
}

TEST(JobsEngineFailoverTest, ADueTimeAlreadyHandledIsNeverRunTwice) {
  Harness h;
  h.put(scheduledJob("x", "R/2024-01-01T00:00:00Z/PT1H"), T0 - 1s);
  h.tick(T0);
  h.runAll(T0);
  for (int i = 1; i <= 3; ++i) {
    h.failover(T0 + std::chrono::seconds(i));
    h.tick(T0 + std::chrono::seconds(i));
    EXPECT_TRUE(h.engine->active().empty());
  }
  EXPECT_EQ(h.engine->history().runsOf("x").size(), 1u);
  EXPECT_EQ(h.engine->schedule("x")->nextDue(), T0 + 1h);
}

TEST(JobsEngineFailoverTest, QueuedAndRetryRunsSurviveAFailover) {
  Harness h;
  Job j = scheduledJob("q", "R/2030-01-01T00:00:00Z/P1D");
  j.retries = 1;
  h.put(j, T0);
  h.commit(h.engine->runNow("q", "arg", T0));
  h.failover(T0 + 1s);
  std::vector<std::string> ran = h.runAll(T0 + 1s, v1::TASK_FAILED);
  ASSERT_EQ(ran.size(), 1u);
  h.failover(T0 + 2s);
  EXPECT_EQ(h.queued("q"), 1u);
  EXPECT_FALSE(h.engine->wantsOffers(T0 + 2s));  // the retry delay holds
  h.tick(T0 + 61s);
  std::vector<std::string> retry = h.runAll(T0 + 61s);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(parseTaskId(retry[0])->args, "arg");
  EXPECT_EQ(parseTaskId(retry[0])->attempt, 1);
}

TEST(JobsEngineFailoverTest, ADecisionThatWasNotCommittedIsMadeAgain) {
  Harness h;
  h.put(scheduledJob("u", "R/2024-01-01T00:00:00Z/PT1H"), T0 - 1s);
  Effects lost = h.engine->tick(T0);  // decided, never committed: the leader died
  ASSERT_FALSE(lost.writes.empty());
  h.failover(T0 + 5s);
  h.tick(T0 + 5s);
  std::vector<std::string> ran = h.runAll(T0 + 5s);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(dueOf(ran[0]), toMillis(T0));
}

TEST(JobsEngineFailoverTest, KillRequestedBeforeFailoverIsSentAgain) {
  Harness h;
  const std::string id = h.launchScheduled(scheduledJob("k", "R/2024-01-01T00:00:00Z/PT1H"), T0);
  h.commit(h.engine->killJob("k", T0 + 1s));
  h.failover(T0 + 2s);
  Effects e = h.tick(T0 + 2s);
  ASSERT_EQ(e.kills.size(), 1u);
  EXPECT_EQ(e.kills[0].taskId, id);
}

}  // namespace
}  // namespace tepui::jobs::testing
