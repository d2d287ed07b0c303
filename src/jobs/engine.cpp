// Engine (engine.hpp): loading, the job changes of the API, documents.
#include "jobs/engine.hpp"

#include <boost/json.hpp>

#include "jobs/job_json.hpp"
#include "jobs/misfire.hpp"
#include "jobs/run_container.hpp"

namespace tepui::jobs {

namespace bj = boost::json;

namespace {

Error notFound(const std::string& name) { return Error("Job '" + name + "' not found"); }

bool sameSchedule(const Job& a, const Job& b) {
  return a.schedule == b.schedule && a.scheduleTimeZone == b.scheduleTimeZone;
}

}  // namespace

Engine::Engine(EngineOptions options) : options_(std::move(options)), history_(options_.historyLimit) {}

std::vector<std::string> Engine::load(const EngineDocuments& docs, Millis now) {
  std::vector<std::string> problems = history_.load(docs.runs);
  // Jobs go into the graph after their parents: put each job whose parents
  // are in, until no more can be.
  std::map<std::string, Job> pending;
  for (auto& [name, doc] : docs.jobs) {
    Result<Job> job = jobFromStore(doc, options_.defaults);
    if (!job || job->name != name) {
      problems.push_back("jobs/" + name + ": " + (job ? "filed under the wrong name" : job.error().message));
      continue;
    }
    pending.emplace(name, std::move(*job));
  }
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      bool ready = true;
      for (auto& p : it->second.parents) ready = ready && graph_.find(p) != nullptr;
      if (!ready) {
        ++it;
        continue;
      }
      if (Status s = graph_.put(it->second); !s) problems.push_back("jobs/" + it->first + ": " + s.error().message);
      it = pending.erase(it);
      progress = true;
    }
  }
  for (auto& [name, job] : pending) problems.push_back("jobs/" + name + ": its parents are missing or make a cycle");

  for (auto& [name, job] : graph_.jobs()) {
    const bj::value* state = docs.jobState.count(name) ? &docs.jobState.at(name) : nullptr;
    const bj::object* o = state && state->is_object() ? &state->get_object() : nullptr;
    if (o != nullptr) {
      if (auto* last = o->if_contains("lastDue"); last && last->is_int64()) lastDue_[name] = last->as_int64();
      if (auto* edges = o->if_contains("edges"); edges && edges->is_object())
        for (auto& [parent, count] : edges->get_object())
          if (count.is_int64()) graph_.setEdgeCount(std::string(parent), name, count.as_int64());
    }
    if (job.kind() != JobKind::kScheduled) continue;
    Result<Schedule> s = Schedule::parse(job.schedule, job.scheduleTimeZone, now);
    if (!s) {
      problems.push_back("jobs/" + name + ": " + s.error().message);
      continue;
    }
    auto last = lastDue_.find(name);
    schedules_.emplace(name, last != lastDue_.end() ? s->resume(fromMillis(last->second)) : *s);
  }

  for (auto& [id, doc] : docs.active) {
    Result<Run> run = runFromJson(doc);
    if (!run || run->taskId != id) {
      problems.push_back("active/" + id + ": " + (run ? "filed under the wrong id" : run.error().message));
      continue;
    }
    addActive(std::move(*run));
  }
  for (auto& [name, schedule] : schedules_) reindex(name);
  return problems;
}

JobStatus Engine::status(const std::string& name) const {
  JobStatus status = JobStatus::kIdle;
  for (auto& [id, run] : active_) {
    if (run.job != name) continue;
    if (run.state != RunState::kQueued) return JobStatus::kRunning;
    status = JobStatus::kQueued;
  }
  return status;
}

const Schedule* Engine::schedule(const std::string& name) const {
  auto it = schedules_.find(name);
  return it == schedules_.end() ? nullptr : &it->second;
}

void Engine::writeJob(const std::string& name, Effects& effects) const {
  if (const Job* j = graph_.find(name)) putDoc(effects.writes, kJobsCollection, name, jobToJson(*j));
}

void Engine::writeState(const std::string& name, Effects& effects) const {
  const Job* j = graph_.find(name);
  if (j == nullptr) return;
  bj::object state;
  if (auto it = lastDue_.find(name); it != lastDue_.end()) state["lastDue"] = it->second;
  bj::object edges;
  for (auto& parent : j->parents) edges[parent] = graph_.edgeCount(parent, name);
  state["edges"] = std::move(edges);
  putDoc(effects.writes, kJobStateCollection, name, std::move(state));
}

void Engine::writeRun(const Run& run, Effects& effects) const {
  putDoc(effects.writes, kActiveCollection, run.taskId, runToJson(run));
}

void Engine::replaceJob(const Job& job) {
  Status s = graph_.put(job);  // same parents: cannot fail
  (void)s;
  reindex(job.name);
}

Notification Engine::notification(NotificationKind kind, const Job& job, const std::string& message,
                                  const std::string& taskId, Millis now) const {
  Notification n;
  n.kind = kind;
  n.job = job.name;
  n.owner = job.owner;
  n.ownerName = job.ownerName;
  n.message = message;
  n.taskId = taskId;
  n.time = std::chrono::system_clock::time_point(now.time_since_epoch());
  n.cluster = options_.cluster;
  return n;
}

Result<Effects> Engine::putJob(Job job, Millis now) {
  const Job* stored = graph_.find(job.name);
  if (stored != nullptr) carryServerFields(*stored, &job);
  std::optional<Schedule> parsed;
  if (job.kind() == JobKind::kScheduled) {
    if (auto kept = schedules_.find(job.name); kept != schedules_.end() && stored && sameSchedule(*stored, job)) {
      parsed = kept->second;
    } else {
      Result<Schedule> s = Schedule::parse(job.schedule, job.scheduleTimeZone, now);
      if (!s) return s.error();
      parsed = *s;
      if (parsed->form() == Schedule::Form::kIso8601) job.schedule = parsed->format();
      if (parsed->exhausted()) job.disabled = true;
    }
  }
  if (Result<Misfire> m = misfireFromJson(jobToJson(job)); !m) return m.error();
  if (job.container) {
    if (Result<v1::ContainerInfo> c = containerInfo(*job.container); !c) return c.error();
  }
  const bool newSchedule = parsed && !(stored && schedules_.count(job.name) && sameSchedule(*stored, job));
  if (Status s = graph_.put(job); !s) return s.error();
  if (parsed) {
    schedules_.insert_or_assign(job.name, *parsed);
    if (newSchedule) lastDue_[job.name] = toMillis(now);
  } else {
    schedules_.erase(job.name);
    lastDue_.erase(job.name);
  }
  reindex(job.name);
  Effects effects;
  writeJob(job.name, effects);
  writeState(job.name, effects);
  return effects;
}

Result<Effects> Engine::deleteJob(const std::string& name, Millis now) {
  const Job* stored = graph_.find(name);
  if (stored == nullptr) return notFound(name);
  const Job deleted = *stored;
  Result<std::vector<std::string>> changed = graph_.remove(name);
  if (!changed) return changed.error();
  Effects effects;
  for (const std::string& child : *changed) {
    const Job* c = graph_.find(child);
    if (c != nullptr && c->kind() == JobKind::kScheduled && !schedules_.count(child)) {
      // It inherited the deleted job's schedule: from its next due time on.
      Result<Schedule> s = Schedule::parse(c->schedule, c->scheduleTimeZone, now);
      if (s) {
        schedules_.insert_or_assign(child, *s);
        lastDue_[child] = toMillis(now);
      }
    }
    writeJob(child, effects);
    writeState(child, effects);
    reindex(child);
  }
  schedules_.erase(name);
  lastDue_.erase(name);
  reindex(name);
  std::vector<std::string> ids;
  for (auto& [id, run] : active_)
    if (run.job == name) ids.push_back(id);
  for (const std::string& id : ids) {
    Run& run = active_.at(id);
    if (run.state == RunState::kQueued)
      endRun(run, RunState::kKilled, now, effects);
    else if (!run.killRequested)
      requestKill(run, "job deleted", now, effects);
  }
  history_.eraseJob(name, effects.writes);
  eraseDoc(effects.writes, kJobsCollection, name);
  eraseDoc(effects.writes, kJobStateCollection, name);
  effects.notifications.push_back(notification(NotificationKind::kDeleted, deleted, "job deleted", "", now));
  return effects;
}

Result<Effects> Engine::runNow(const std::string& name, const std::string& args, Millis now) {
  if (graph_.find(name) == nullptr) return notFound(name);
  Effects effects;
  Result<Run*> run = queueRun(name, toMillis(now), 0, args, RunTrigger::kManual, now, effects);
  if (!run) return run.error().context("arguments");
  return effects;
}

Result<Effects> Engine::markSuccess(const std::string& name, Millis now) {
  const Job* stored = graph_.find(name);
  if (stored == nullptr) return notFound(name);
  Job job = *stored;
  onRunSucceeded(&job, std::chrono::system_clock::time_point(now.time_since_epoch()));
  replaceJob(job);
  Effects effects;
  writeJob(name, effects);
  fireChildren(name, now, effects);
  return effects;
}

Result<Effects> Engine::killJob(const std::string& name, Millis now) {
  if (graph_.find(name) == nullptr) return notFound(name);
  Effects effects;
  std::vector<std::string> ids;
  for (auto& [id, run] : active_)
    if (run.job == name) ids.push_back(id);
  for (const std::string& id : ids) {
    Run& run = active_.at(id);
    if (run.state == RunState::kQueued) {
      run.message = "dropped before launch";
      endRun(run, RunState::kKilled, now, effects);
    } else if (!run.killRequested) {
      requestKill(run, "killed on request", now, effects);
    }
  }
  return effects;
}

}  // namespace tepui::jobs
