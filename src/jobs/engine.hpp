// The scheduling engine of `tepui jobs`: a deterministic core with no I/O
// and no clock (every call takes `now`), owned by the scheduler's loop.
//
// It holds the jobs (JobGraph, with each scheduled job's parsed Schedule),
// the runs not finished yet ("active": queued, launching, running) and the
// history of finished runs, and decides:
//   - tick(now): which scheduled runs are due (Schedule + the job's misfire
//     policy, Rn counting down and the job disabled with an "exhausted"
//     notification when the last repetition is queued), which runs are over
//     maxCompletionTime (killed), which kills to send again;
//   - offers(): which queued runs launch on which offers (offer_fit.hpp,
//     run_task.hpp), high-priority jobs first, then the oldest queued;
//   - update(): what a task status changes (the run, the job's counters via
//     retry.hpp, retries after --failure_retry with attempt + 1, children
//     fired through JobGraph's rule, softError parents counting as done
//     once their retries are exhausted, notifications);
//   - the API's changes: putJob, deleteJob (re-parenting, active runs
//     killed), runNow, markSuccess, killJob.
// Concurrency: a job with `concurrent: false` never has two runs launching
// or running. A slot that comes due while a run of the job is queued or in
// flight waits for it; when the job is free again its misfire policy
// decides what the waiting slots become (runOnce: one run, due at the
// oldest). Manual, dependency and retry runs queue behind the run in flight.
//
// Durability: every decision that changes durable state returns its
// document writes (documents.hpp) in Effects; the caller commits all of
// them in ONE Repository::Change and only then acts (ACCEPT the launches,
// send the kills and notifications, acknowledge the update, answer the
// API). The engine's memory is already updated when the call returns, as
// the Repository's memory is when it commits.
//
// Exactly once across a failover: a run is written to "active" as queued
// before it can launch, and as launching (with its agent) before the offer
// is accepted; the schedule's advance is written with the runs it made. A
// new leader load()s the documents: a launching run whose task the master
// does not know (a reconciliation answer TASK_LOST / DROPPED / UNKNOWN /
// GONE with REASON_RECONCILIATION) is queued again with the same task id
// (it never ran); a known one is adopted by its status; a due time already
// handled is never made into a run again.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "jobs/documents.hpp"
#include "jobs/job.hpp"
#include "jobs/job_graph.hpp"
#include "jobs/notification.hpp"
#include "jobs/retry.hpp"
#include "jobs/run.hpp"
#include "jobs/run_history.hpp"
#include "jobs/schedule.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::jobs {

struct EngineOptions {
  RetryPolicy retry;
  size_t historyLimit = 100;  // --task_history_limit
  JobDefaults defaults;
  std::string cluster;               // notifications' --cluster_name
  std::string role = "*";            // the framework's role: offers' usable reservations
  int64_t killRetryMillis = 30'000;  // a kill without an answer is sent again
};

struct Kill {
  std::string taskId;
  std::string agentId;  // "" when unknown
  bool operator==(const Kill&) const = default;
};

// What a decision asks the caller to do, in this order: commit `writes`,
// then (once durable) send `kills` and `notifications`.
struct Effects {
  DocWrites writes;
  std::vector<Kill> kills;
  std::vector<Notification> notifications;
  bool empty() const { return writes.empty() && kills.empty() && notifications.empty(); }
};

struct OfferLaunch {
  v1::OfferID offerId;
  v1::AgentID agentId;
  std::vector<v1::TaskInfo> tasks;
};

struct OfferDecision {
  Effects effects;                    // the launched runs, as launching
  std::vector<OfferLaunch> launches;  // ACCEPT these once durable
  std::vector<v1::OfferID> declines;  // offers nothing fitted
};

// The four collections a new leader reads (documents.hpp).
struct EngineDocuments {
  const std::map<std::string, boost::json::value>& jobs;
  const std::map<std::string, boost::json::value>& jobState;
  const std::map<std::string, boost::json::value>& active;
  const std::map<std::string, boost::json::value>& runs;
};

class Engine {
 public:
  explicit Engine(EngineOptions options);

  // Rebuilds the state from the documents. Documents that do not read (or
  // jobs whose parents are missing) are skipped; the returned lines say
  // which and why.
  std::vector<std::string> load(const EngineDocuments& docs, Millis now);

  // ---- Reads (for the API) ----
  const JobGraph& graph() const { return graph_; }
  const Job* job(const std::string& name) const { return graph_.find(name); }
  JobStatus status(const std::string& name) const;
  const std::map<std::string, Run>& active() const { return active_; }
  const RunHistory& history() const { return history_; }
  const Schedule* schedule(const std::string& name) const;
  const EngineOptions& options() const { return options_; }

  // ---- API changes; an Error (for a 400) changes nothing ----
  // Adds or replaces a job (parsed by parseJob): its schedule is parsed
  // here; a replacement keeps its counters if the definition is the same.
  Result<Effects> putJob(Job job, Millis now);
  Result<Effects> deleteJob(const std::string& name, Millis now);
  // Queues a run now (due = now), with `args` appended to the command.
  Result<Effects> runNow(const std::string& name, const std::string& args, Millis now);
  // Counts a success without running the job and fires its children.
  Result<Effects> markSuccess(const std::string& name, Millis now);
  // Kills the job's launching and running runs, drops its queued ones.
  Result<Effects> killJob(const std::string& name, Millis now);

  // ---- Time ----
  Effects tick(Millis now);
  // When tick() next has something to do; none when nothing is scheduled.
  std::optional<Millis> nextWake() const;

  // ---- The master ----
  // Whether a queued run could launch now (offers are wanted).
  bool wantsOffers(Millis now) const;
  OfferDecision offers(const std::vector<v1::Offer>& offers, Millis now);
  Effects update(const v1::TaskStatus& status, Millis now);
  // The task ids to reconcile: every launching or running run.
  std::vector<Kill> tasksToReconcile() const;

 private:
  // engine.cpp
  void writeJob(const std::string& name, Effects& effects) const;
  void writeState(const std::string& name, Effects& effects) const;
  void writeRun(const Run& run, Effects& effects) const;
  Notification notification(NotificationKind kind, const Job& job, const std::string& message,
                            const std::string& taskId, Millis now) const;
  void replaceJob(const Job& job);  // the same job with other fields (same parents)
  // engine_runs.cpp
  Result<std::string> freeTaskId(const std::string& job, int64_t& due, int64_t attempt, const std::string& args) const;
  Result<Run*> queueRun(const std::string& job, int64_t due, int64_t attempt, const std::string& args,
                        RunTrigger trigger, Millis now, Effects& effects, int64_t notBefore = 0);
  void fireChildren(const std::string& parent, Millis now, Effects& effects);
  void requestKill(Run& run, const std::string& reason, Millis now, Effects& effects);
  void endRun(Run run, RunState state, Millis now, Effects& effects);
  bool hasActive(const std::string& job) const;  // any run not finished
  // active_ changes only through these two, which keep activeCount_.
  Run& addActive(Run run);
  void eraseActive(const std::string& taskId);
  // engine_updates.cpp
  void finishRun(const std::string& taskId, RunEnd end, Millis now, Effects& effects);
  // engine_schedule.cpp
  void queueDueSlots(const std::string& name, Millis now, Effects& effects);

  EngineOptions options_;
  JobGraph graph_;
  std::map<std::string, Schedule> schedules_;   // scheduled jobs only
  std::map<std::string, int64_t> lastDue_;      // the time up to which slots were handled
  std::map<std::string, Run> active_;           // by task id
  std::map<std::string, int64_t> activeCount_;  // job -> its runs in active_ (so hasActive is no scan)
  // The next due time of every enabled scheduled job, earliest first, so
  // that tick() and nextWake() look only at what is due (10,000 jobs).
  // reindex(name) after anything that changes a job or its schedule.
  std::set<std::pair<Millis, std::string>> dueIndex_;
  std::map<std::string, Millis> indexedDue_;
  void reindex(const std::string& name);
  RunHistory history_;
  std::map<std::string, int64_t> killSentAt_;  // task id -> when the last KILL was sent (memory only)
};

inline int64_t toMillis(Millis t) { return t.time_since_epoch().count(); }
inline Millis fromMillis(int64_t ms) { return Millis{std::chrono::milliseconds{ms}}; }

}  // namespace tepui::jobs
