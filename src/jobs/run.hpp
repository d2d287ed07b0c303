// A run of a job: one attempt at one due time, from the moment it is queued
// until its task ends, then kept in the job's history (run_history.hpp).
//
// A run is identified by its task id, ct:<due>:<attempt>:<job>:<args>
// (task_id.hpp). Times are epoch milliseconds, absent until they happen.
// `sandbox` is where to read the task's output: the agent's
// /files/browse?path=<directory> of the run's sandbox (by the virtual path
// /frameworks/<fid>/executors/<eid>/runs/latest that agents serve), or the
// agent's URL when no directory is known (see sandboxLink).
//
// runToJson / runFromJson are a lossless round trip; runFromJson refuses a
// document that runToJson cannot have written, naming the field.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::jobs {

enum class RunState { kQueued, kLaunching, kRunning, kFinished, kFailed, kKilled };

// "queued", "launching", "running", "finished", "failed", "killed".
const char* runStateName(RunState state);
std::optional<RunState> parseRunState(std::string_view name);
// finished, failed or killed.
inline bool isEnded(RunState state) { return state >= RunState::kFinished; }

// Why a run was made.
enum class RunTrigger { kSchedule, kManual, kDependency, kRetry };
const char* runTriggerName(RunTrigger trigger);
std::optional<RunTrigger> parseRunTrigger(std::string_view name);

struct Run {
  std::string job;
  int64_t due = 0;      // the due time, ms
  int64_t attempt = 0;  // 0 for the first try
  std::string args;     // PUT /job/{name}?arguments=...
  std::string taskId;
  RunState state = RunState::kQueued;
  RunTrigger trigger = RunTrigger::kSchedule;

  // A retry waits until then (ms); 0 = at once.
  int64_t notBefore = 0;
  std::optional<int64_t> queuedAt, launchedAt, startedAt, endedAt;

  // The last status: Mesos state name, reason name, message.
  std::string taskState;
  std::string reason;
  std::string message;
  std::string agentId;
  std::string hostname;
  std::string agentUrl;  // "http://host:port", "" when the offer had none
  std::string sandbox;

  // A kill was asked for (and why: "killed on request", "over
  // maxCompletionTime", "job deleted"); a new leader sends it again.
  bool killRequested = false;
  std::string killReason;

  int64_t seq = 0;  // its number in the job's history, once ended

  bool operator==(const Run&) const = default;
};

boost::json::object runToJson(const Run& run);
Result<Run> runFromJson(const boost::json::value& doc);

// The run's duration in ms (launch or start to end), none while it runs.
std::optional<int64_t> runDuration(const Run& run);

// The sandbox link for a task on the agent at `agentUrl`: its /files/browse
// of `directory` (URL-encoded) when one is known, else the agent's URL.
std::string sandboxLink(const std::string& agentUrl, const std::string& directory);

}  // namespace tepui::jobs
