// What the end of a job's run changes, as pure functions over the Job
// (Chronos 3's rules, reference section 2.6).
//
//   - A failed attempt is retried when attempt < retries AND the job has
//     never failed or has succeeded since its last error (so a job that is
//     already failing gets no retries, as in Chronos). The retry is attempt
//     + 1, after the --failure_retry delay. A killed run is never retried.
//   - A failure that is not retried exhausts the run: errorCount and
//     errorsSinceLastSuccess go up, lastError is now, a "job failed"
//     notification is due, the job is disabled once errorsSinceLastSuccess
//     reaches --disable_after_failures (0 = never), and with softError its
//     children run anyway (the caller passes that to JobGraph).
//   - A success: successCount up, lastSuccess now, errorsSinceLastSuccess 0.
//
// Which Mesos states are which: TASK_FINISHED is a success, TASK_KILLED a
// kill, every other terminal state (FAILED, LOST, ERROR, DROPPED, GONE,
// ...) a failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "jobs/job.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::jobs {

enum class RunEnd { kSucceeded, kFailed, kKilled };

// How a task state ends a run; nullopt for a state that is not terminal.
std::optional<RunEnd> runEndOf(v1::TaskState state);

struct RetryPolicy {
  std::chrono::milliseconds failureRetryDelay{60'000};  // --failure_retry
  int64_t disableAfterFailures = 0;                     // --disable_after_failures; 0 = never
};

// Whether attempt `attempt` (0 = the first) of `job`, ended by `end`, is
// retried. Looks at the job as it was before this end.
bool shouldRetry(const Job& job, int64_t attempt, RunEnd end);

struct FailureOutcome {
  bool retry = false;
  int64_t nextAttempt = 0;                 // when retry
  std::chrono::milliseconds retryDelay{};  // when retry
  // The rest apply when not retried (the run is exhausted).
  bool notifyFailure = false;
  bool disabledNow = false;   // this failure disabled the job
  bool fireChildren = false;  // softError: the children run anyway
};

// A run of `job` ended by kFailed or kKilled at `now`: decides the retry,
// or applies the exhausted failure to *job.
FailureOutcome onRunFailed(Job* job, int64_t attempt, RunEnd end, std::chrono::system_clock::time_point now,
                           const RetryPolicy& policy);

// A run of `job` (or `PUT /job/success/{name}`) succeeded at `now`.
void onRunSucceeded(Job* job, std::chrono::system_clock::time_point now);

}  // namespace tepui::jobs
