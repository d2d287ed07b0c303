// parseJob and jobFromStore (job_json.hpp).
#include <boost/json/parse.hpp>
#include <initializer_list>
#include <regex>
#include <set>

#include "jobs/job_json.hpp"
#include "jobs/json_fields.hpp"

namespace tepui::jobs {

namespace {

// The first error of fields read in order (all are read; the first wins).
Status firstError(std::initializer_list<Status> all) {
  for (const Status& s : all) {
    if (!s) return s;
  }
  return okStatus();
}

Status requireString(const FieldReader& r, std::string_view key, std::string* out) {
  if (r.find(key) == nullptr) return r.error(key, "is required");
  if (Status s = r.string(key, out); !s) return s;
  if (out->empty()) return r.error(key, "must not be empty");
  return okStatus();
}

Status readEnvironmentVariable(const FieldReader& r, EnvironmentVariable* out) {
  return firstError({requireString(r, "name", &out->name), r.string("value", &out->value)});
}

Status readFetchUri(const FieldReader& r, FetchUri* out) {
  return firstError({requireString(r, "uri", &out->uri), r.boolean("cache", &out->cache),
                     r.boolean("extract", &out->extract), r.boolean("executable", &out->executable),
                     r.string("outputFile", &out->outputFile)});
}

Status readLabel(const FieldReader& r, Label* out) {
  return firstError({requireString(r, "key", &out->key), r.string("value", &out->value)});
}

std::optional<Constraint::Operator> operatorNamed(const std::string& name) {
  if (name == "EQUALS") return Constraint::Operator::kEquals;
  if (name == "LIKE") return Constraint::Operator::kLike;
  if (name == "UNLIKE") return Constraint::Operator::kUnlike;
  return std::nullopt;
}

// The longest LIKE/UNLIKE pattern: std::regex compiles and matches by
// recursion, so an unbounded pattern from a request could exhaust the stack.
constexpr size_t kMaxPatternBytes = 512;

// [[attribute, EQUALS|LIKE|UNLIKE, value], ...]; LIKE/UNLIKE values must be
// regular expressions that compile.
Status readConstraints(const FieldReader& r, std::vector<Constraint>* out) {
  const boost::json::value* v = r.find("constraints");
  if (v == nullptr) return okStatus();
  if (!v->is_array()) return r.error("constraints", "must be an array of [attribute, operator, value]");
  std::vector<Constraint> result;
  for (const boost::json::value& item : v->get_array()) {
    const std::string at = r.path("constraints") + "[" + std::to_string(result.size()) + "]";
    const boost::json::array* triple = item.if_array();
    if (triple == nullptr || triple->size() != 3 || !(*triple)[0].is_string() || !(*triple)[1].is_string() ||
        !(*triple)[2].is_string()) {
      return Error(at + ": must be [attribute, EQUALS|LIKE|UNLIKE, value], three strings");
    }
    Constraint c;
    c.attribute = std::string((*triple)[0].get_string());
    const std::string op((*triple)[1].get_string());
    c.value = std::string((*triple)[2].get_string());
    if (c.attribute.empty()) return Error(at + ": the attribute must not be empty");
    const auto parsed = operatorNamed(op);
    if (!parsed) return Error(at + ": unknown operator '" + op + "' (EQUALS, LIKE or UNLIKE)");
    c.op = *parsed;
    if (c.op != Constraint::Operator::kEquals) {
      if (c.value.size() > kMaxPatternBytes) {
        return Error(at + ": the regular expression is longer than " + std::to_string(kMaxPatternBytes) + " bytes");
      }
      try {
        std::regex compiled(c.value);
      } catch (const std::regex_error& e) {
        return Error(at + ": '" + c.value + "' is not a valid regular expression (" + e.what() + ")");
      }
    }
    result.push_back(std::move(c));
  }
  *out = std::move(result);
  return okStatus();
}

// Each name valid, none twice (later copies dropped, as Chronos's set does).
Status readParents(const FieldReader& r, const std::string& name, std::vector<std::string>* out) {
  std::vector<std::string> listed;
  if (Status s = r.strings("parents", &listed); !s) return s;
  std::set<std::string> seen;
  out->clear();
  for (const std::string& parent : listed) {
    if (std::string why = invalidJobNameReason(parent); !why.empty()) return r.error("parents", why);
    if (parent == name) return r.error("parents", "a job cannot be its own parent");
    if (seen.insert(parent).second) out->push_back(parent);
  }
  return okStatus();
}

Status checkRanges(const FieldReader& r, const Job& job) {
  if (job.retries < 0) return r.error("retries", "must not be negative");
  if (job.cpus <= 0) return r.error("cpus", "must be greater than 0");
  if (job.mem <= 0) return r.error("mem", "must be greater than 0");
  if (job.disk < 0) return r.error("disk", "must not be negative");
  if (job.maxCompletionTime < 0) return r.error("maxCompletionTime", "must not be negative");
  if (job.misfireLimit && *job.misfireLimit < 0) return r.error("misfireLimit", "must not be negative");
  if (job.misfireGraceSeconds && *job.misfireGraceSeconds < 0) {
    return r.error("misfireGraceSeconds", "must not be negative");
  }
  if (!job.fetch.empty() && !job.uris.empty()) {
    return r.error("fetch", "cannot be sent together with the deprecated 'uris'");
  }
  if (job.command.empty() && !job.container) return r.error("command", "must not be empty");
  return okStatus();
}

Status checkKind(const FieldReader& r, const Job& job, JobKind kind) {
  if (kind == JobKind::kScheduled) {
    if (!job.parents.empty()) return r.error("parents", "a scheduled job has no parents (send it as a dependent job)");
    if (job.schedule.empty()) return r.error("schedule", "is required for a scheduled job");
  } else {
    if (!job.schedule.empty()) return r.error("schedule", "a dependent job has no schedule");
    if (job.parents.empty()) return r.error("parents", "a dependent job needs at least one parent");
  }
  return okStatus();
}

Status readOptionalExtensions(const FieldReader& r, Job* job) {
  if (r.find("misfirePolicy") != nullptr) {
    job->misfirePolicy.emplace();
    if (Status s = r.string("misfirePolicy", &*job->misfirePolicy); !s) return s;
  }
  for (auto [key, field] : {std::pair<const char*, std::optional<int64_t>*>{"misfireLimit", &job->misfireLimit},
                            {"misfireGraceSeconds", &job->misfireGraceSeconds}}) {
    if (r.find(key) == nullptr) continue;
    field->emplace();
    if (Status s = r.integer(key, &**field); !s) return s;
  }
  if (const boost::json::value* c = r.find("container")) {
    if (!c->is_object()) return r.error("container", "must be an object");
    job->container = *c;
  }
  return okStatus();
}

// Everything but the server-maintained fields and the kind check.
Result<Job> readDefinition(const boost::json::value& body, const JobDefaults& defaults) {
  if (!body.is_object()) return Error("the job must be a JSON object");
  const FieldReader r(body.get_object());
  Job job;
  job.cpus = defaults.cpus;
  job.mem = defaults.mem;
  job.disk = defaults.disk;
  if (r.find("name") == nullptr) return r.error("name", "is required");
  if (Status s = r.string("name", &job.name); !s) return s.error();
  if (std::string why = invalidJobNameReason(job.name); !why.empty()) return r.error("name", why);
  if (r.find("command") == nullptr) return r.error("command", "is required");
  // Chronos's 3.x name for dataProcessingJobType is dataJob; either is read.
  Status s = firstError({
      r.string("command", &job.command),
      r.boolean("shell", &job.shell),
      r.strings("arguments", &job.arguments),
      r.string("schedule", &job.schedule),
      r.string("scheduleTimeZone", &job.scheduleTimeZone),
      readParents(r, job.name, &job.parents),
      r.integer("retries", &job.retries),
      r.string("owner", &job.owner),
      r.string("ownerName", &job.ownerName),
      r.string("description", &job.description),
      r.number("cpus", &job.cpus),
      r.number("mem", &job.mem),
      r.number("disk", &job.disk),
      r.boolean("disabled", &job.disabled),
      r.boolean("concurrent", &job.concurrent),
      r.boolean("highPriority", &job.highPriority),
      r.boolean("softError", &job.softError),
      r.boolean("dataJob", &job.dataProcessingJobType),
      r.boolean("dataProcessingJobType", &job.dataProcessingJobType),
      r.string("runAsUser", &job.runAsUser),
      r.integer("maxCompletionTime", &job.maxCompletionTime),
      r.string("executor", &job.executor),
      r.string("executorFlags", &job.executorFlags),
      r.string("taskInfoData", &job.taskInfoData),
      r.objects("environmentVariables", &job.environmentVariables, readEnvironmentVariable),
      r.objects("fetch", &job.fetch, readFetchUri),
      r.strings("uris", &job.uris),
      readConstraints(r, &job.constraints),
      r.objects("labels", &job.labels, readLabel),
      readOptionalExtensions(r, &job),
  });
  if (!s) return s.error();
  if (job.runAsUser.empty()) job.runAsUser = defaults.runAsUser;
  if (Status ranges = checkRanges(r, job); !ranges) return ranges.error();
  return job;
}

Status readServerFields(const FieldReader& r, Job* job) {
  return firstError({r.integer("successCount", &job->successCount), r.integer("errorCount", &job->errorCount),
                     r.string("lastSuccess", &job->lastSuccess), r.string("lastError", &job->lastError),
                     r.integer("errorsSinceLastSuccess", &job->errorsSinceLastSuccess)});
}

}  // namespace

Result<Job> parseJob(const boost::json::value& body, JobKind kind, const JobDefaults& defaults) {
  Result<Job> job = readDefinition(body, defaults);
  if (!job) return job;
  if (Status s = checkKind(FieldReader(body.get_object()), *job, kind); !s) return s.error();
  return job;
}

Result<Job> parseJobText(std::string_view text, JobKind kind, const JobDefaults& defaults) {
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(text, ec);
  if (ec) return Error("the body is not valid JSON: " + ec.message());
  return parseJob(body, kind, defaults);
}

Result<Job> jobFromStore(const boost::json::value& stored, const JobDefaults& defaults) {
  Result<Job> job = readDefinition(stored, defaults);
  if (!job) return job;
  const FieldReader r(stored.get_object());
  if (Status s = checkKind(r, *job, job->kind()); !s) return s.error();
  if (Status s = readServerFields(r, &*job); !s) return s.error();
  return job;
}

}  // namespace tepui::jobs
