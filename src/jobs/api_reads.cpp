// JobsApi (api.hpp): the read endpoints.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <tuple>

#include "common/iso_time.hpp"
#include "common/json.hpp"
#include "jobs/api.hpp"
#include "jobs/job_graph_export.hpp"
#include "jobs/job_json.hpp"
#include "jobs/job_search.hpp"
#include "jobs/job_stats.hpp"

namespace tepui::jobs {

namespace bj = boost::json;

namespace {

http::Response json(const bj::value& body) { return http::Response::json(200, json::serialize(body)); }

// A non-negative whole number parameter; `fallback` when absent.
Result<size_t> count(const http::Request& request, const std::string& name, size_t fallback) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return fallback;
  size_t n = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return Error(name + ": must be a whole number");
  return n;
}

std::string isoMillis(const std::optional<int64_t>& ms) {
  return ms ? iso_time::format(static_cast<double>(*ms) / 1000) : "";
}

}  // namespace

http::Response JobsApi::jobs(const Engine& engine) const {
  bj::array out;
  for (auto& [name, job] : engine.graph().jobs()) out.push_back(jobToJson(job));
  return json(out);
}

http::Response JobsApi::summary(const Engine& engine) const {
  bj::array out;
  for (auto& [name, job] : engine.graph().jobs()) out.push_back(jobSummaryJson(job, engine.status(name)));
  return json(bj::object{{"jobs", std::move(out)}});
}

http::Response JobsApi::search(const http::Request& request, const Engine& engine) const {
  JobSearch s;
  auto text = [&](const char* key, std::string* out) {
    if (auto it = request.query.find(key); it != request.query.end()) *out = it->second;
  };
  text("name", &s.name);
  text("command", &s.command);
  text("any", &s.any);
  Result<size_t> limit = count(request, "limit", s.limit);
  if (!limit) return apiMessage(400, limit.error().message);
  Result<size_t> offset = count(request, "offset", s.offset);
  if (!offset) return apiMessage(400, offset.error().message);
  s.limit = *limit;
  s.offset = *offset;
  bj::array out;
  for (const Job* job : searchJobs(engine.graph().jobs(), s)) out.push_back(jobToJson(*job));
  return json(out);
}

http::Response JobsApi::stat(const std::string& name, const Engine& engine) const {
  bj::array history;
  for (const Run* run : engine.history().runsOf(name)) {
    bj::object o;
    o["taskId"] = run->taskId;
    o["jobName"] = run->job;
    o["slaveId"] = run->agentId;
    o["startTime"] = isoMillis(run->startedAt ? run->startedAt : run->launchedAt);
    o["endTime"] = isoMillis(run->endedAt);
    o["duration"] = runDuration(*run).value_or(0);
    o["status"] = runStateName(run->state);
    history.push_back(std::move(o));
  }
  return json(bj::object{{"histogram", histogramJson(runHistogram(engine.history().durations(name)))},
                         {"taskStatHistory", std::move(history)}});
}

http::Response JobsApi::stats(const std::string& percentile, const Engine& engine) const {
  Result<bj::array> out = statsByPercentile(engine.history().allDurations(), percentile);
  if (!out) return apiMessage(400, out.error().message);
  return json(*out);
}

http::Response JobsApi::graph(const std::string& form, const Engine& engine) const {
  if (form == "dot") return http::Response::text(200, graphDot(engine.graph()));
  return http::Response::text(200, graphCsv(engine.graph(), [&](const std::string& n) { return engine.status(n); }));
}

http::Response JobsApi::runs(const http::Request& request, const std::string& name, const Engine& engine) const {
  Result<size_t> limit = count(request, "limit", 0);
  if (!limit) return apiMessage(400, limit.error().message);
  bj::array out;
  // Active runs first (newest queued first), then the history, newest first.
  std::vector<const Run*> active;
  for (auto& [id, run] : engine.active())
    if (run.job == name) active.push_back(&run);
  std::sort(active.begin(), active.end(), [](const Run* a, const Run* b) {
    return std::tie(a->queuedAt, a->due, a->taskId) > std::tie(b->queuedAt, b->due, b->taskId);
  });
  for (const Run* run : active) out.push_back(runToJson(*run));
  for (const Run* run : engine.history().runsOf(name)) out.push_back(runToJson(*run));
  if (*limit > 0 && out.size() > *limit) out.resize(*limit);
  return json(out);
}

}  // namespace tepui::jobs
