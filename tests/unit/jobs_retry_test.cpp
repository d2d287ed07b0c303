// What the end of a job's run changes (Chronos's retry rule and counters),
// including the cases Chronos's users tripped on: `retries: 0` never
// retries, a job that is already failing gets no retries, a kill is not
// retried, and --disable_after_failures.
#include <gtest/gtest.h>

#include "jobs/retry.hpp"

namespace tepui::jobs {
namespace {

using namespace std::chrono;

const system_clock::time_point kT1 = system_clock::time_point(milliseconds(1704067200000));  // 2024-01-01
const system_clock::time_point kT2 = kT1 + hours(1);

Job job(int64_t retries = 2) {
  Job j;
  j.name = "j";
  j.command = "false";
  j.schedule = "R/2024-01-01T00:00:00Z/PT1H";
  j.retries = retries;
  return j;
}

TEST(JobsRetry, FreshJobRetriesUpToRetriesThenExhausts) {
  Job j = job(2);
  RetryPolicy policy;
  policy.failureRetryDelay = milliseconds(1500);
  FailureOutcome first = onRunFailed(&j, 0, RunEnd::kFailed, kT1, policy);
  EXPECT_TRUE(first.retry);
  EXPECT_EQ(first.nextAttempt, 1);
  EXPECT_EQ(first.retryDelay, milliseconds(1500));
  EXPECT_FALSE(first.notifyFailure);
  EXPECT_EQ(j.errorCount, 0);  // a retried attempt changes nothing
  FailureOutcome second = onRunFailed(&j, 1, RunEnd::kFailed, kT1, policy);
  EXPECT_TRUE(second.retry);
  EXPECT_EQ(second.nextAttempt, 2);
  FailureOutcome third = onRunFailed(&j, 2, RunEnd::kFailed, kT1, policy);
  EXPECT_FALSE(third.retry);
  EXPECT_TRUE(third.notifyFailure);
  EXPECT_FALSE(third.disabledNow);
  EXPECT_FALSE(third.fireChildren);
  EXPECT_EQ(j.errorCount, 1);
  EXPECT_EQ(j.errorsSinceLastSuccess, 1);
  EXPECT_EQ(j.lastError, "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(lastState(j), LastState::kFailure);
}

TEST(JobsRetry, ZeroRetriesNeverRetries) {
  Job j = job(0);
  EXPECT_FALSE(shouldRetry(j, 0, RunEnd::kFailed));
  EXPECT_FALSE(onRunFailed(&j, 0, RunEnd::kFailed, kT1, {}).retry);
  EXPECT_EQ(j.errorCount, 1);
}

TEST(JobsRetry, AJobThatIsAlreadyFailingGetsNoRetries) {
  Job j = job(3);
  j.lastError = "2024-01-01T00:00:00.000Z";
  EXPECT_FALSE(shouldRetry(j, 0, RunEnd::kFailed));
  // Succeeded before the error: still failing.
  j.lastSuccess = "2023-12-31T00:00:00.000Z";
  EXPECT_FALSE(shouldRetry(j, 0, RunEnd::kFailed));
  // Succeeded since: retries again.
  j.lastSuccess = "2024-01-01T00:00:00.001Z";
  EXPECT_TRUE(shouldRetry(j, 0, RunEnd::kFailed));
}

TEST(JobsRetry, KilledRunIsNotRetriedButCountsAsAFailure) {
  Job j = job(5);
  FailureOutcome killed = onRunFailed(&j, 0, RunEnd::kKilled, kT1, {});
  EXPECT_FALSE(killed.retry);
  EXPECT_TRUE(killed.notifyFailure);
  EXPECT_EQ(j.errorCount, 1);
  EXPECT_FALSE(shouldRetry(job(5), 0, RunEnd::kSucceeded));
}

TEST(JobsRetry, SoftErrorFiresChildrenOnlyWhenExhausted) {
  Job j = job(1);
  j.softError = true;
  EXPECT_FALSE(onRunFailed(&j, 0, RunEnd::kFailed, kT1, {}).fireChildren);  // retried
  EXPECT_TRUE(onRunFailed(&j, 1, RunEnd::kFailed, kT1, {}).fireChildren);
}

TEST(JobsRetry, DisabledAfterNFailuresSinceTheLastSuccess) {
  Job j = job(0);
  RetryPolicy policy;
  policy.disableAfterFailures = 2;
  EXPECT_FALSE(onRunFailed(&j, 0, RunEnd::kFailed, kT1, policy).disabledNow);
  EXPECT_FALSE(j.disabled);
  FailureOutcome second = onRunFailed(&j, 0, RunEnd::kFailed, kT2, policy);
  EXPECT_TRUE(second.disabledNow);
  EXPECT_TRUE(j.disabled);
  EXPECT_EQ(j.errorsSinceLastSuccess, 2);
  EXPECT_EQ(j.lastError, "2024-01-01T01:00:00.000Z");
  // Already disabled: not disabled "now" again.
  EXPECT_FALSE(onRunFailed(&j, 0, RunEnd::kFailed, kT2, policy).disabledNow);
  // 0 means never.
  Job k = job(0);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(onRunFailed(&k, 0, RunEnd::kFailed, kT1, {}).disabledNow);
  EXPECT_FALSE(k.disabled);
}

TEST(JobsRetry, SuccessCountsAndClearsTheFailureStreak) {
  Job j = job(0);
  (void)onRunFailed(&j, 0, RunEnd::kFailed, kT1, {});
  (void)onRunFailed(&j, 0, RunEnd::kFailed, kT1, {});
  onRunSucceeded(&j, kT2);
  EXPECT_EQ(j.successCount, 1);
  EXPECT_EQ(j.errorCount, 2);
  EXPECT_EQ(j.errorsSinceLastSuccess, 0);
  EXPECT_EQ(j.lastSuccess, "2024-01-01T01:00:00.000Z");
  EXPECT_EQ(lastState(j), LastState::kSuccess);
  // Having succeeded since its last error, the job retries again.
  j.retries = 1;
  EXPECT_TRUE(shouldRetry(j, 0, RunEnd::kFailed));
}

TEST(JobsRetry, TaskStatesMapToRunEnds) {
  EXPECT_EQ(runEndOf(v1::TASK_FINISHED), RunEnd::kSucceeded);
  EXPECT_EQ(runEndOf(v1::TASK_KILLED), RunEnd::kKilled);
  for (v1::TaskState failed :
       {v1::TASK_FAILED, v1::TASK_LOST, v1::TASK_ERROR, v1::TASK_DROPPED, v1::TASK_GONE, v1::TASK_GONE_BY_OPERATOR}) {
    EXPECT_EQ(runEndOf(failed), RunEnd::kFailed) << v1::TaskState_Name(failed);
  }
  for (v1::TaskState running : {v1::TASK_STAGING, v1::TASK_STARTING, v1::TASK_RUNNING, v1::TASK_KILLING,
                                v1::TASK_UNREACHABLE, v1::TASK_UNKNOWN}) {
    EXPECT_FALSE(runEndOf(running).has_value()) << v1::TaskState_Name(running);
  }
}

}  // namespace
}  // namespace tepui::jobs
