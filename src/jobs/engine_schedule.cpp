// Engine (engine.hpp): time. Due slots, maxCompletionTime, kills sent again.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "jobs/engine.hpp"
#include "jobs/job_json.hpp"
#include "jobs/misfire.hpp"

namespace tepui::jobs {

namespace {

Misfire misfireOf(const Job& job) {
  Result<Misfire> m = misfireFromJson(jobToJson(job));  // checked when the job was put
  return m ? *m : Misfire{};
}

void earliest(std::optional<Millis>& wake, Millis t) {
  if (!wake || t < *wake) wake = t;
}

}  // namespace

void Engine::reindex(const std::string& name) {
  if (auto it = indexedDue_.find(name); it != indexedDue_.end()) {
    dueIndex_.erase({it->second, name});
    indexedDue_.erase(it);
  }
  const Job* job = graph_.find(name);
  auto s = schedules_.find(name);
  if (job == nullptr || job->disabled || s == schedules_.end()) return;
  std::optional<Millis> due = s->second.nextDue();
  if (!due) return;
  dueIndex_.emplace(*due, name);
  indexedDue_.emplace(name, *due);
}

void Engine::queueDueSlots(const std::string& name, Millis now, Effects& effects) {
  const Job* job = graph_.find(name);
  auto s = schedules_.find(name);
  if (job == nullptr || job->disabled || s == schedules_.end()) return;
  std::optional<Millis> due = s->second.nextDue();
  if (!due || *due > now) return;
  if (!job->concurrent && hasActive(name)) return;  // the slot waits for the run
  CatchUp c = catchUp(s->second, now, misfireOf(*job));
  for (Millis slot : c.runNow) {
    Result<Run*> run = queueRun(name, toMillis(slot), 0, "", RunTrigger::kSchedule, now, effects);
    (void)run;  // a job name always makes a valid task id without arguments
  }
  s->second = c.next;
  lastDue_[name] = toMillis(now);
  Job updated = *job;
  if (s->second.form() == Schedule::Form::kIso8601) updated.schedule = s->second.format();
  if (s->second.exhausted() && !updated.disabled) {
    updated.disabled = true;
    effects.notifications.push_back(
        notification(NotificationKind::kExhausted, updated, "the schedule used its last repetition", "", now));
  }
  if (!(updated == *job)) {
    replaceJob(updated);
    writeJob(name, effects);
  }
  writeState(name, effects);
  reindex(name);
}

Effects Engine::tick(Millis now) {
  Effects effects;
  std::vector<std::string> names;
  for (auto& [due, name] : dueIndex_) {
    if (due > now) break;
    names.push_back(name);
  }
  for (const std::string& name : names) queueDueSlots(name, now, effects);

  const int64_t t = toMillis(now);
  for (auto& [id, run] : active_) {
    if (run.state == RunState::kQueued) {
      // A retry whose delay is over may launch now; the cleared delay needs
      // no write (a stored past notBefore means the same).
      if (run.notBefore != 0 && run.notBefore <= t) run.notBefore = 0;
      continue;
    }
    const Job* job = graph_.find(run.job);
    if (!run.killRequested && job && job->maxCompletionTime > 0 && run.launchedAt &&
        t >= *run.launchedAt + job->maxCompletionTime * 1000) {
      requestKill(run, "over maxCompletionTime", now, effects);
      continue;
    }
    auto sent = killSentAt_.find(id);
    if (run.killRequested && (sent == killSentAt_.end() || t - sent->second >= options_.killRetryMillis)) {
      effects.kills.push_back({run.taskId, run.agentId});
      killSentAt_[id] = t;
    }
  }
  return effects;
}

std::optional<Millis> Engine::nextWake() const {
  std::optional<Millis> wake;
  for (auto& [due, name] : dueIndex_) {
    // A job waiting for its run is looked at again when the run ends.
    const Job* job = graph_.find(name);
    if (job && (job->concurrent || !hasActive(name))) {
      earliest(wake, due);
      break;
    }
  }
  for (auto& [id, run] : active_) {
    if (run.state == RunState::kQueued) {
      if (run.notBefore > 0) earliest(wake, fromMillis(run.notBefore));
      continue;
    }
    if (run.killRequested) {
      auto sent = killSentAt_.find(id);
      earliest(wake, fromMillis(sent == killSentAt_.end() ? 0 : sent->second + options_.killRetryMillis));
      continue;
    }
    const Job* job = graph_.find(run.job);
    if (job && job->maxCompletionTime > 0 && run.launchedAt)
      earliest(wake, fromMillis(*run.launchedAt + job->maxCompletionTime * 1000));
  }
  return wake;
}

bool Engine::wantsOffers(Millis now) const {
  std::set<std::string> inFlight;  // jobs with a run launching or running
  for (auto& [id, run] : active_)
    if (run.state != RunState::kQueued) inFlight.insert(run.job);
  for (auto& [id, run] : active_) {
    if (run.state != RunState::kQueued || run.notBefore > toMillis(now)) continue;
    const Job* job = graph_.find(run.job);
    if (job && (job->concurrent || !inFlight.count(run.job))) return true;
  }
  return false;
}

std::vector<Kill> Engine::tasksToReconcile() const {
  std::vector<Kill> out;
  for (auto& [id, run] : active_)
    if (run.state != RunState::kQueued) out.push_back({id, run.agentId});
  return out;
}

}  // namespace tepui::jobs
