// jobToJson and jobSummaryJson (job_json.hpp).
#include <boost/json/array.hpp>

#include "jobs/job_json.hpp"

namespace tepui::jobs {

namespace {

boost::json::array stringArray(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const std::string& item : items) out.emplace_back(item);
  return out;
}

const char* operatorName(Constraint::Operator op) {
  switch (op) {
    case Constraint::Operator::kEquals: return "EQUALS";
    case Constraint::Operator::kLike: return "LIKE";
    case Constraint::Operator::kUnlike: return "UNLIKE";
  }
  return "EQUALS";
}

boost::json::array environmentJson(const std::vector<EnvironmentVariable>& variables) {
  boost::json::array out;
  for (const EnvironmentVariable& v : variables)
    out.push_back(boost::json::object{{"name", v.name}, {"value", v.value}});
  return out;
}

boost::json::array fetchJson(const std::vector<FetchUri>& fetch) {
  boost::json::array out;
  for (const FetchUri& f : fetch) {
    boost::json::object o{{"uri", f.uri}, {"cache", f.cache}, {"extract", f.extract}, {"executable", f.executable}};
    if (!f.outputFile.empty()) o["outputFile"] = f.outputFile;
    out.push_back(std::move(o));
  }
  return out;
}

boost::json::array constraintsJson(const std::vector<Constraint>& constraints) {
  boost::json::array out;
  for (const Constraint& c : constraints) out.push_back(boost::json::array{c.attribute, operatorName(c.op), c.value});
  return out;
}

boost::json::array labelsJson(const std::vector<Label>& labels) {
  boost::json::array out;
  for (const Label& l : labels) out.push_back(boost::json::object{{"key", l.key}, {"value", l.value}});
  return out;
}

}  // namespace

boost::json::object jobToJson(const Job& job) {
  boost::json::object o;
  o["name"] = job.name;
  o["command"] = job.command;
  o["shell"] = job.shell;
  o["arguments"] = stringArray(job.arguments);
  if (job.kind() == JobKind::kDependent) {
    o["parents"] = stringArray(job.parents);
  } else {
    o["schedule"] = job.schedule;
    o["scheduleTimeZone"] = job.scheduleTimeZone;
  }
  o["retries"] = job.retries;
  o["owner"] = job.owner;
  o["ownerName"] = job.ownerName;
  o["description"] = job.description;
  o["cpus"] = job.cpus;
  o["mem"] = job.mem;
  o["disk"] = job.disk;
  o["disabled"] = job.disabled;
  o["concurrent"] = job.concurrent;
  o["highPriority"] = job.highPriority;
  o["softError"] = job.softError;
  o["dataProcessingJobType"] = job.dataProcessingJobType;
  o["runAsUser"] = job.runAsUser;
  o["maxCompletionTime"] = job.maxCompletionTime;
  o["executor"] = job.executor;
  o["executorFlags"] = job.executorFlags;
  o["taskInfoData"] = job.taskInfoData;
  o["environmentVariables"] = environmentJson(job.environmentVariables);
  o["fetch"] = fetchJson(job.fetch);
  o["uris"] = stringArray(job.uris);
  o["constraints"] = constraintsJson(job.constraints);
  o["labels"] = labelsJson(job.labels);
  if (job.container) o["container"] = *job.container;
  if (job.misfirePolicy) o["misfirePolicy"] = *job.misfirePolicy;
  if (job.misfireLimit) o["misfireLimit"] = *job.misfireLimit;
  if (job.misfireGraceSeconds) o["misfireGraceSeconds"] = *job.misfireGraceSeconds;
  o["successCount"] = job.successCount;
  o["errorCount"] = job.errorCount;
  o["lastSuccess"] = job.lastSuccess;
  o["lastError"] = job.lastError;
  o["errorsSinceLastSuccess"] = job.errorsSinceLastSuccess;
  return o;
}

boost::json::object jobSummaryJson(const Job& job, JobStatus status) {
  return boost::json::object{{"name", job.name},
                             {"status", jobStatusName(status)},
                             {"state", lastStateName(lastState(job))},
                             {"schedule", job.kind() == JobKind::kScheduled ? job.schedule : std::string()},
                             {"parents", stringArray(job.parents)},
                             {"disabled", job.disabled}};
}

}  // namespace tepui::jobs
