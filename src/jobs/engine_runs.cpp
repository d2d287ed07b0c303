// Engine (engine.hpp): making, killing and ending runs.
#include "jobs/engine.hpp"
#include "jobs/task_id.hpp"

namespace tepui::jobs {

bool Engine::hasActive(const std::string& job) const { return activeCount_.count(job) > 0; }

Run& Engine::addActive(Run run) {
  auto [it, added] = active_.emplace(run.taskId, std::move(run));
  if (added) activeCount_[it->second.job]++;
  return it->second;
}

void Engine::eraseActive(const std::string& taskId) {
  auto it = active_.find(taskId);
  if (it == active_.end()) return;
  auto count = activeCount_.find(it->second.job);
  if (count != activeCount_.end() && --count->second <= 0) activeCount_.erase(count);
  active_.erase(it);
}

Result<std::string> Engine::freeTaskId(const std::string& job, int64_t& due, int64_t attempt,
                                       const std::string& args) const {
  // Two runs with the same id cannot both be active: a later one (two
  // manual runs in the same millisecond) moves to the next millisecond.
  for (;; ++due) {
    Result<std::string> id = formatTaskId(TaskId{due, attempt, job, args});
    if (!id || !active_.count(*id)) return id;
  }
}

Result<Run*> Engine::queueRun(const std::string& job, int64_t due, int64_t attempt, const std::string& args,
                              RunTrigger trigger, Millis now, Effects& effects, int64_t notBefore) {
  Result<std::string> id = freeTaskId(job, due, attempt, args);
  if (!id) return id.error();
  Run run;
  run.job = job;
  run.due = due;
  run.attempt = attempt;
  run.args = args;
  run.taskId = *id;
  run.trigger = trigger;
  run.queuedAt = toMillis(now);
  run.notBefore = notBefore;
  Run& stored = addActive(std::move(run));
  writeRun(stored, effects);
  return &stored;
}

void Engine::fireChildren(const std::string& parent, Millis now, Effects& effects) {
  std::vector<std::string> fired = graph_.parentSucceeded(parent);
  for (const std::string& child : fired) {
    graph_.childStarted(child);
    Result<Run*> run = queueRun(child, toMillis(now), 0, "", RunTrigger::kDependency, now, effects);
    (void)run;  // a job name always makes a valid task id without arguments
  }
  // Every edge out of `parent` counted this success.
  for (const std::string& child : graph_.children(parent)) writeState(child, effects);
}

void Engine::requestKill(Run& run, const std::string& reason, Millis now, Effects& effects) {
  run.killRequested = true;
  run.killReason = reason;
  effects.kills.push_back({run.taskId, run.agentId});
  killSentAt_[run.taskId] = toMillis(now);
  writeRun(run, effects);
}

void Engine::endRun(Run run, RunState state, Millis now, Effects& effects) {
  run.state = state;
  run.endedAt = toMillis(now);
  run.notBefore = 0;
  eraseActive(run.taskId);
  killSentAt_.erase(run.taskId);
  eraseDoc(effects.writes, kActiveCollection, run.taskId);
  if (graph_.find(run.job) != nullptr) history_.add(std::move(run), effects.writes);
}

}  // namespace tepui::jobs
