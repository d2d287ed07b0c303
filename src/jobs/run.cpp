#include "jobs/run.hpp"

#include <array>
#include <utility>

#include "http/message.hpp"
#include "jobs/json_fields.hpp"

namespace tepui::jobs {

namespace bj = boost::json;

namespace {

constexpr std::array<std::pair<RunState, const char*>, 6> kStateNames{{
    {RunState::kQueued, "queued"},
    {RunState::kLaunching, "launching"},
    {RunState::kRunning, "running"},
    {RunState::kFinished, "finished"},
    {RunState::kFailed, "failed"},
    {RunState::kKilled, "killed"},
}};

constexpr std::array<std::pair<RunTrigger, const char*>, 4> kTriggerNames{{
    {RunTrigger::kSchedule, "schedule"},
    {RunTrigger::kManual, "manual"},
    {RunTrigger::kDependency, "dependency"},
    {RunTrigger::kRetry, "retry"},
}};

template <typename E, size_t N>
const char* nameOf(const std::array<std::pair<E, const char*>, N>& names, E value) {
  for (auto& [v, name] : names)
    if (v == value) return name;
  return "";
}

template <typename E, size_t N>
std::optional<E> valueOf(const std::array<std::pair<E, const char*>, N>& names, std::string_view text) {
  for (auto& [v, name] : names)
    if (text == name) return v;
  return std::nullopt;
}

void putTime(bj::object& o, const char* key, const std::optional<int64_t>& t) {
  if (t) o[key] = *t;
}

Status readTime(const FieldReader& r, std::string_view key, std::optional<int64_t>* out) {
  if (r.find(key) == nullptr) return okStatus();
  int64_t t = 0;
  if (Status s = r.integer(key, &t); !s) return s;
  *out = t;
  return okStatus();
}

template <typename E, size_t N>
Status readName(const FieldReader& r, std::string_view key, const std::array<std::pair<E, const char*>, N>& names,
                E* out) {
  std::string text;
  if (Status s = r.string(key, &text); !s) return s;
  if (r.find(key) == nullptr) return r.error(key, "is required");
  std::optional<E> v = valueOf(names, text);
  if (!v) return r.error(key, "unknown value '" + text + "'");
  *out = *v;
  return okStatus();
}

}  // namespace

const char* runStateName(RunState state) { return nameOf(kStateNames, state); }
std::optional<RunState> parseRunState(std::string_view name) { return valueOf(kStateNames, name); }
const char* runTriggerName(RunTrigger trigger) { return nameOf(kTriggerNames, trigger); }
std::optional<RunTrigger> parseRunTrigger(std::string_view name) { return valueOf(kTriggerNames, name); }

bj::object runToJson(const Run& run) {
  bj::object o;
  o["job"] = run.job;
  o["due"] = run.due;
  o["attempt"] = run.attempt;
  o["arguments"] = run.args;
  o["taskId"] = run.taskId;
  o["state"] = runStateName(run.state);
  o["trigger"] = runTriggerName(run.trigger);
  if (run.notBefore != 0) o["notBefore"] = run.notBefore;
  putTime(o, "queuedAt", run.queuedAt);
  putTime(o, "launchedAt", run.launchedAt);
  putTime(o, "startedAt", run.startedAt);
  putTime(o, "endedAt", run.endedAt);
  o["taskState"] = run.taskState;
  o["reason"] = run.reason;
  o["message"] = run.message;
  o["agentId"] = run.agentId;
  o["hostname"] = run.hostname;
  o["agentUrl"] = run.agentUrl;
  o["sandbox"] = run.sandbox;
  if (run.killRequested) {
    o["killRequested"] = true;
    o["killReason"] = run.killReason;
  }
  if (run.seq != 0) o["seq"] = run.seq;
  return o;
}

Result<Run> runFromJson(const bj::value& doc) {
  if (!doc.is_object()) return Error("run: must be an object");
  FieldReader r(doc.get_object());
  Run run;
  Status s = r.string("job", &run.job);
  if (s && run.job.empty()) s = r.error("job", "is required");
  if (s) s = r.integer("due", &run.due);
  if (s) s = r.integer("attempt", &run.attempt);
  if (s) s = r.string("arguments", &run.args);
  if (s) s = r.string("taskId", &run.taskId);
  if (s && run.taskId.empty()) s = r.error("taskId", "is required");
  if (s) s = readName(r, "state", kStateNames, &run.state);
  if (s) s = readName(r, "trigger", kTriggerNames, &run.trigger);
  if (s) s = r.integer("notBefore", &run.notBefore);
  if (s) s = readTime(r, "queuedAt", &run.queuedAt);
  if (s) s = readTime(r, "launchedAt", &run.launchedAt);
  if (s) s = readTime(r, "startedAt", &run.startedAt);
  if (s) s = readTime(r, "endedAt", &run.endedAt);
  if (s) s = r.string("taskState", &run.taskState);
  if (s) s = r.string("reason", &run.reason);
  if (s) s = r.string("message", &run.message);
  if (s) s = r.string("agentId", &run.agentId);
  if (s) s = r.string("hostname", &run.hostname);
  if (s) s = r.string("agentUrl", &run.agentUrl);
  if (s) s = r.string("sandbox", &run.sandbox);
  if (s) s = r.boolean("killRequested", &run.killRequested);
  if (s) s = r.string("killReason", &run.killReason);
  if (s) s = r.integer("seq", &run.seq);
  if (!s) return s.error();
  return run;
}

std::optional<int64_t> runDuration(const Run& run) {
  if (!run.endedAt) return std::nullopt;
  std::optional<int64_t> from = run.startedAt ? run.startedAt : run.launchedAt;
  if (!from) return std::nullopt;
  return *run.endedAt > *from ? *run.endedAt - *from : 0;
}

std::string sandboxLink(const std::string& agentUrl, const std::string& directory) {
  if (agentUrl.empty() || directory.empty()) return agentUrl;
  return agentUrl + "/files/browse?path=" + http::percentEncode(directory);
}

}  // namespace tepui::jobs
