#include "jobs/retry.hpp"

#include "common/task_states.hpp"

namespace tepui::jobs {

std::optional<RunEnd> runEndOf(v1::TaskState state) {
  if (!isTerminalState(state)) return std::nullopt;
  if (state == v1::TASK_FINISHED) return RunEnd::kSucceeded;
  if (state == v1::TASK_KILLED) return RunEnd::kKilled;
  return RunEnd::kFailed;
}

bool shouldRetry(const Job& job, int64_t attempt, RunEnd end) {
  // "Never failed or succeeded since its last error" is a last state that is
  // not a failure.
  return end == RunEnd::kFailed && attempt < job.retries && lastState(job) != LastState::kFailure;
}

FailureOutcome onRunFailed(Job* job, int64_t attempt, RunEnd end, std::chrono::system_clock::time_point now,
                           const RetryPolicy& policy) {
  FailureOutcome outcome;
  if (shouldRetry(*job, attempt, end)) {
    outcome.retry = true;
    outcome.nextAttempt = attempt + 1;
    outcome.retryDelay = policy.failureRetryDelay;
    return outcome;
  }
  ++job->errorCount;
  ++job->errorsSinceLastSuccess;
  job->lastError = formatTimestamp(now);
  outcome.notifyFailure = true;
  outcome.fireChildren = job->softError;
  if (policy.disableAfterFailures > 0 && job->errorsSinceLastSuccess >= policy.disableAfterFailures && !job->disabled) {
    job->disabled = true;
    outcome.disabledNow = true;
  }
  return outcome;
}

void onRunSucceeded(Job* job, std::chrono::system_clock::time_point now) {
  ++job->successCount;
  job->lastSuccess = formatTimestamp(now);
  job->errorsSinceLastSuccess = 0;
}

}  // namespace tepui::jobs
