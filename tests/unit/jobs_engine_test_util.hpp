// Helpers for the jobs engine tests: jobs, offers, statuses, and a store
// that applies the engine's document writes as the Repository would, so a
// test can fail over to a new engine loaded from what was committed.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/resources.hpp"
#include "jobs/engine.hpp"
#include "jobs/task_id.hpp"
#include "jobs_test_util.hpp"

namespace tepui::jobs::testing {

using namespace std::chrono_literals;

inline Job scheduledJob(const std::string& name, const std::string& schedule) {
  Job j;
  j.name = name;
  j.command = "echo " + name;
  j.schedule = schedule;
  j.runAsUser = "nobody";
  return j;
}

inline Job dependentJob(const std::string& name, std::vector<std::string> parents) {
  Job j;
  j.name = name;
  j.command = "echo " + name;
  j.parents = std::move(parents);
  j.runAsUser = "nobody";
  return j;
}

inline v1::Offer offer(const std::string& id, const std::string& host, double cpus = 8, double mem = 8192,
                       double disk = 8192) {
  v1::Offer o;
  o.mutable_id()->set_value(id);
  o.mutable_agent_id()->set_value("agent-" + host);
  o.mutable_framework_id()->set_value("fw");
  o.set_hostname(host);
  o.mutable_url()->set_scheme("http");
  o.mutable_url()->mutable_address()->set_hostname(host);
  o.mutable_url()->mutable_address()->set_port(5051);
  Result<Resources> r = Resources::parse("cpus:" + std::to_string(cpus) + ";mem:" + std::to_string(mem) +
                                         ";disk:" + std::to_string(disk));
  EXPECT_TRUE(r.ok());
  if (r) r->allocate("*").copyTo(o.mutable_resources());
  return o;
}

inline v1::TaskStatus status(const std::string& taskId, v1::TaskState state,
                             std::optional<v1::TaskStatus::Reason> reason = std::nullopt) {
  v1::TaskStatus s;
  s.mutable_task_id()->set_value(taskId);
  s.set_state(state);
  if (reason) s.set_reason(*reason);
  return s;
}

inline int64_t dueOf(const std::string& taskId) {
  Result<TaskId> id = parseTaskId(taskId);
  EXPECT_TRUE(id.ok()) << taskId;
  return id ? id->dueMillis : -1;
}

// What the Repository would hold: the collections the engine writes.
struct FakeStore {
  std::map<std::string, std::map<std::string, boost::json::value>> collections;

  void apply(const DocWrites& writes) {
    for (const DocWrite& w : writes) {
      if (w.doc)
        collections[w.collection][w.id] = *w.doc;
      else
        collections[w.collection].erase(w.id);
    }
  }
  void apply(const Effects& e) { apply(e.writes); }
  const std::map<std::string, boost::json::value>& all(const std::string& c) { return collections[c]; }
  EngineDocuments documents() {
    return EngineDocuments{all(kJobsCollection), all(kJobStateCollection), all(kActiveCollection),
                           all(kRunsCollection)};
  }
};

// An engine whose every decision is committed to `store`.
struct Harness {
  EngineOptions options;
  FakeStore store;
  std::unique_ptr<Engine> engine;
  std::vector<Notification> notifications;
  std::vector<Kill> kills;

  explicit Harness(EngineOptions o = {}) : options(o), engine(std::make_unique<Engine>(o)) {}

  Effects commit(Effects e) {
    store.apply(e);
    notifications.insert(notifications.end(), e.notifications.begin(), e.notifications.end());
    kills.insert(kills.end(), e.kills.begin(), e.kills.end());
    return e;
  }
  Effects commit(Result<Effects> e) {
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
    return e.ok() ? commit(std::move(*e)) : Effects{};
  }
  void put(Job job, Millis now) { commit(engine->putJob(std::move(job), now)); }
  Effects tick(Millis now) { return commit(engine->tick(now)); }
  // Offers one large offer; returns the launched tasks.
  std::vector<v1::TaskInfo> launch(Millis now, const v1::Offer& o = offer("o", "node1")) {
    OfferDecision d = engine->offers({o}, now);
    commit(std::move(d.effects));
    std::vector<v1::TaskInfo> tasks;
    for (auto& l : d.launches) tasks.insert(tasks.end(), l.tasks.begin(), l.tasks.end());
    return tasks;
  }
  // Puts `job` (due by `t`) a second before `t`, ticks and launches its
  // run at `t`; the run's task id.
  std::string launchScheduled(Job job, Millis t) {
    put(std::move(job), t - std::chrono::seconds(1));
    tick(t);
    std::vector<v1::TaskInfo> tasks = launch(t);
    EXPECT_EQ(tasks.size(), 1u);
    return tasks.empty() ? "" : tasks[0].task_id().value();
  }
  Effects report(const std::string& taskId, v1::TaskState state, Millis now,
                 std::optional<v1::TaskStatus::Reason> reason = std::nullopt) {
    return commit(engine->update(status(taskId, state, reason), now));
  }
  // Launches and ends every run that can launch at `now` with `end`.
  std::vector<std::string> runAll(Millis now, v1::TaskState end = v1::TASK_FINISHED) {
    std::vector<std::string> ids;
    for (auto& t : launch(now)) {
      ids.push_back(t.task_id().value());
      report(t.task_id().value(), v1::TASK_RUNNING, now);
      report(t.task_id().value(), end, now);
    }
    return ids;
  }
  // A new leader: an engine loaded from what was committed (what the old
  // one decided but did not commit is lost, as in a crash).
  void failover(Millis now) {
    engine = std::make_unique<Engine>(options);
    std::vector<std::string> problems = engine->load(store.documents(), now);
    EXPECT_TRUE(problems.empty()) << problems.front();
  }
  size_t queued(const std::string& job) const {
    size_t n = 0;
    for (auto& [id, run] : engine->active())
      if (run.job == job && run.state == RunState::kQueued) ++n;
    return n;
  }
  size_t countOf(NotificationKind kind) const {
    size_t n = 0;
    for (auto& x : notifications) n += x.kind == kind;
    return n;
  }
};

}  // namespace tepui::jobs::testing
