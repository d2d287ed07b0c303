// The Chronos-compatible HTTP API of `tepui jobs`, under both /v1/scheduler
// and /scheduler (reference section 2.2):
//   GET    /jobs, /jobs/summary, /jobs/search?name=&command=&any=&limit=&offset=
//   POST   /iso8601, /dependency                  add or replace a job: 204
//   PUT    /job/{name}?arguments=...              run now: 204 (GET too, as Chronos)
//   DELETE /job/{name}                            delete (children re-parented): 204
//   PUT    /job/success/{name}                    mark successful: 200 text
//   DELETE /task/kill/{name}                      kill its runs: 204
//   GET    /job/stat/{name}, /stats/{percentile}, /graph/dot, /graph/csv
//   GET    /job/{name}/runs?limit=                beyond Chronos: the run history,
//                                                 newest first (active runs first)
// A bad job body is a 400 whose JSON message names the field; an unknown
// job a 400 "Job 'x' not found" as Chronos answers; an unknown path 404; a
// wrong method 405. Handlers work on the current term's engine and answer
// a change only once its writes are durable (JobsBackend::apply).
//
// Threading: the daemon's loop.
#pragma once

#include <functional>
#include <string>

#include "common/result.hpp"
#include "http/message.hpp"
#include "http/server.hpp"
#include "jobs/engine.hpp"

namespace tepui::jobs {

// What the API works on: the leader's engine and the way its decisions are
// made durable (the scheduler wiring implements it; tests fake it).
class JobsBackend {
 public:
  virtual ~JobsBackend() = default;
  // The engine of the current term; nullptr while this instance does not
  // lead (the API then answers 503).
  virtual Engine* engine() = 0;
  // Commits `effects.writes` in one change, then sends its kills and
  // notifications and reschedules; `done` runs once durable (or failed).
  virtual void apply(Effects effects, std::function<void(const Status&)> done) = 0;
  virtual Millis now() const = 0;
};

class JobsApi {
 public:
  using Reply = std::function<void(http::Response)>;

  JobsApi(JobsBackend& backend, JobDefaults defaults) : backend_(backend), defaults_(std::move(defaults)) {}

  // Answers `request` (a path under /scheduler/ or /v1/scheduler/) through
  // `reply`, exactly once.
  void handle(const http::Request& request, Reply reply);
  // Registers handle() for both prefixes.
  void install(const std::function<void(const std::string& prefix, http::Handler)>& routePrefix);

 private:
  // api_changes.cpp
  void putJob(const http::Request& request, JobKind kind, Engine& engine, Reply reply);
  void change(Result<Effects> effects, http::Response ok, Reply reply);
  // api_reads.cpp
  http::Response jobs(const Engine& engine) const;
  http::Response summary(const Engine& engine) const;
  http::Response search(const http::Request& request, const Engine& engine) const;
  http::Response stat(const std::string& name, const Engine& engine) const;
  http::Response stats(const std::string& percentile, const Engine& engine) const;
  http::Response graph(const std::string& form, const Engine& engine) const;
  http::Response runs(const http::Request& request, const std::string& name, const Engine& engine) const;

  JobsBackend& backend_;
  JobDefaults defaults_;
};

// {"message": text} with `status`.
http::Response apiMessage(int status, const std::string& text);

}  // namespace tepui::jobs
