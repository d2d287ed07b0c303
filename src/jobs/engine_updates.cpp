// Engine (engine.hpp): task status updates.
#include "common/task_states.hpp"
#include "jobs/engine.hpp"

namespace tepui::jobs {

namespace {

// The master's answer for a task it never saw (reconciliation), or for a
// launch it refused because the offer was no longer valid: the task did
// not start.
bool neverLaunched(const v1::TaskStatus& status) {
  if (status.reason() != v1::TaskStatus::REASON_RECONCILIATION &&
      status.reason() != v1::TaskStatus::REASON_INVALID_OFFERS)
    return false;
  switch (status.state()) {
    case v1::TASK_LOST:
    case v1::TASK_DROPPED:
    case v1::TASK_UNKNOWN:
    case v1::TASK_GONE: return true;
    default: return false;
  }
}

std::string describe(const Run& run) {
  std::string text = run.taskState.empty() ? "ended" : run.taskState;
  if (!run.message.empty()) text += ": " + run.message;
  if (run.killRequested) text += " (" + run.killReason + ")";
  return text;
}

}  // namespace

Effects Engine::update(const v1::TaskStatus& status, Millis now) {
  Effects effects;
  const std::string& taskId = status.task_id().value();
  auto it = active_.find(taskId);
  if (it == active_.end()) {
    // A task of no active run (ended already, or never ours): it must not
    // run on.
    if (!isTerminalState(status.state()) && status.state() != v1::TASK_UNKNOWN)
      effects.kills.push_back({taskId, status.has_agent_id() ? status.agent_id().value() : ""});
    return effects;
  }
  Run& run = it->second;
  const Run before = run;
  if (neverLaunched(status)) {
    if (run.state == RunState::kLaunching) {
      // Queued again under the same task id: it never ran.
      run.state = RunState::kQueued;
      run.launchedAt.reset();
      run.agentId.clear();
      run.hostname.clear();
      run.agentUrl.clear();
      run.sandbox.clear();
      run.message = status.message();
      writeRun(run, effects);
      return effects;
    }
    if (run.state == RunState::kQueued) return effects;  // an old answer for a run queued again
  }
  run.taskState = v1::TaskState_Name(status.state());
  run.reason = status.has_reason() ? v1::TaskStatus::Reason_Name(status.reason()) : "";
  run.message = status.message();
  if (status.has_agent_id()) run.agentId = status.agent_id().value();

  std::optional<RunEnd> end = runEndOf(status.state());
  if (status.state() == v1::TASK_UNKNOWN) end = RunEnd::kFailed;  // the master lost it
  if (end) {
    finishRun(taskId, *end, now, effects);
    return effects;
  }
  if (status.state() != v1::TASK_STAGING && status.state() != v1::TASK_UNREACHABLE) run.state = RunState::kRunning;
  if (status.state() == v1::TASK_RUNNING && !run.startedAt) run.startedAt = toMillis(now);
  if (!(run == before)) writeRun(run, effects);
  return effects;
}

void Engine::finishRun(const std::string& taskId, RunEnd end, Millis now, Effects& effects) {
  Run run = active_.at(taskId);
  const RunState state = end == RunEnd::kSucceeded ? RunState::kFinished
                                                   : (end == RunEnd::kKilled ? RunState::kKilled : RunState::kFailed);
  const Job* stored = graph_.find(run.job);
  endRun(run, state, now, effects);
  if (stored == nullptr) return;  // its job was deleted
  Job job = *stored;
  const auto when = std::chrono::system_clock::time_point(now.time_since_epoch());
  if (end == RunEnd::kSucceeded) {
    onRunSucceeded(&job, when);
    replaceJob(job);
    writeJob(job.name, effects);
    effects.notifications.push_back(notification(NotificationKind::kSucceeded, job, describe(run), taskId, now));
    fireChildren(job.name, now, effects);
    return;
  }
  FailureOutcome outcome = onRunFailed(&job, run.attempt, end, when, options_.retry);
  if (outcome.retry) {
    Result<Run*> retry = queueRun(job.name, run.due, outcome.nextAttempt, run.args, RunTrigger::kRetry, now, effects,
                                  toMillis(now) + outcome.retryDelay.count());
    (void)retry;  // the same job, due time and arguments made a valid id before
    return;
  }
  replaceJob(job);
  writeJob(job.name, effects);
  effects.notifications.push_back(notification(NotificationKind::kFailed, job, describe(run), taskId, now));
  if (outcome.disabledNow) {
    effects.notifications.push_back(notification(
        NotificationKind::kDisabled, job,
        "disabled after " + std::to_string(job.errorsSinceLastSuccess) + " failures in a row", taskId, now));
  }
  if (outcome.fireChildren) fireChildren(job.name, now, effects);
}

}  // namespace tepui::jobs
