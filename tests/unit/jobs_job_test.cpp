// The job model of `tepui jobs`: Chronos-shaped JSON in and out (defaults,
// every field, round trips through the Store's form), the errors that name
// the bad field, the server-maintained fields on create and replace, the
// summary, and the /jobs/search filter.
#include "jobs/job.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>

#include "jobs/job_json.hpp"
#include "jobs/job_search.hpp"

namespace tepui::jobs {
namespace {

namespace bj = boost::json;

const JobDefaults kDefaults;

Job mustParse(const std::string& text, JobKind kind = JobKind::kScheduled, const JobDefaults& d = kDefaults) {
  Result<Job> job = parseJobText(text, kind, d);
  EXPECT_TRUE(job.ok()) << text << " -> " << (job.ok() ? "" : job.error().message);
  return job.ok() ? *job : Job{};
}

std::string parseError(const std::string& text, JobKind kind = JobKind::kScheduled) {
  Result<Job> job = parseJobText(text, kind, kDefaults);
  EXPECT_FALSE(job.ok()) << text << " was accepted";
  return job.ok() ? "" : job.error().message;
}

// A body with every field of Chronos's job (reference 2.1), a scheduled job.
const char* kFullScheduled = R"({
  "name": "camus_kafka2hdfs",
  "command": "/srv/kafka_hdfs_job.bash",
  "shell": false,
  "arguments": ["-verbose", "-debug"],
  "schedule": "R/2014-03-08T20:00:00.000Z/PT2H",
  "scheduleTimeZone": "America/Los_Angeles",
  "retries": 3,
  "owner": "a@example.com,b@example.com",
  "ownerName": "Data team",
  "description": "Copies topics",
  "cpus": 1.5,
  "mem": 1024,
  "disk": 10240,
  "disabled": true,
  "concurrent": true,
  "highPriority": true,
  "softError": true,
  "dataProcessingJobType": true,
  "runAsUser": "etl",
  "maxCompletionTime": 3600,
  "executor": "custom",
  "executorFlags": "--x",
  "taskInfoData": "payload",
  "environmentVariables": [{"name": "JVMOPTS", "value": "-Xmx1000m"}, {"name": "EMPTY"}],
  "fetch": [{"uri": "https://example.com/a.tgz", "cache": true, "extract": true, "executable": false,
             "outputFile": "a.tgz"}, {"uri": "https://example.com/run.sh", "executable": true}],
  "constraints": [["rack", "EQUALS", "rack-1"], ["hostname", "LIKE", "node-[1-3]"], ["zone", "UNLIKE", "z.*"]],
  "labels": [{"key": "team", "value": "data"}],
  "container": {"type": "DOCKER", "image": "libmesos/ubuntu", "network": "BRIDGE",
                "volumes": [{"containerPath": "/var/log/", "hostPath": "/logs/", "mode": "RW"}]},
  "misfirePolicy": "runAll",
  "misfireLimit": 5,
  "misfireGraceSeconds": 90,
  "epsilon": "PT30M",
  "async": false,
  "successCount": 190,
  "errorCount": 3,
  "lastSuccess": "2014-03-08T16:57:17.507Z",
  "lastError": "2014-03-01T00:10:15.957Z",
  "errorsSinceLastSuccess": 0
})";

// kFullScheduled with a history of runs, as the Store has it.
Job fullWithHistory() {
  Job job = mustParse(kFullScheduled);
  job.successCount = 190;
  job.errorCount = 3;
  job.lastSuccess = "2014-03-08T16:57:17.507Z";
  job.lastError = "2014-03-01T00:10:15.957Z";
  job.errorsSinceLastSuccess = 1;
  return job;
}

TEST(JobsJobJson, MinimalScheduledJobTakesChronosDefaults) {
  const Job job = mustParse(R"({"name":"nightly","command":"echo hi","schedule":"R/2024-01-01T00:00:00Z/P1D"})");
  EXPECT_EQ(job.name, "nightly");
  EXPECT_EQ(job.kind(), JobKind::kScheduled);
  EXPECT_TRUE(job.shell);
  EXPECT_EQ(job.retries, 2);
  EXPECT_DOUBLE_EQ(job.cpus, 0.1);
  EXPECT_DOUBLE_EQ(job.mem, 128);
  EXPECT_DOUBLE_EQ(job.disk, 256);
  EXPECT_EQ(job.runAsUser, "root");
  EXPECT_FALSE(job.disabled);
  EXPECT_FALSE(job.concurrent);
  EXPECT_FALSE(job.softError);
  EXPECT_EQ(job.maxCompletionTime, 0);
  EXPECT_EQ(job.scheduleTimeZone, "");
  EXPECT_TRUE(job.parents.empty());
  EXPECT_FALSE(job.container.has_value());
  EXPECT_FALSE(job.misfirePolicy.has_value());
  EXPECT_EQ(lastState(job), LastState::kFresh);
}

TEST(JobsJobJson, ResourceDefaultsComeFromTheServer) {
  JobDefaults d;
  d.cpus = 0.5;
  d.mem = 64;
  d.disk = 32;
  d.runAsUser = "nobody";
  const Job job = mustParse(R"({"name":"j","command":"true","schedule":"R/2024-01-01T00:00:00Z/P1D","cpus":2})",
                            JobKind::kScheduled, d);
  EXPECT_DOUBLE_EQ(job.cpus, 2);
  EXPECT_DOUBLE_EQ(job.mem, 64);
  EXPECT_DOUBLE_EQ(job.disk, 32);
  EXPECT_EQ(job.runAsUser, "nobody");
}

TEST(JobsJobJson, ReadsEveryChronosField) {
  const Job job = mustParse(kFullScheduled);
  EXPECT_FALSE(job.shell);
  EXPECT_EQ(job.arguments, (std::vector<std::string>{"-verbose", "-debug"}));
  EXPECT_EQ(job.schedule, "R/2014-03-08T20:00:00.000Z/PT2H");
  EXPECT_EQ(job.scheduleTimeZone, "America/Los_Angeles");
  EXPECT_EQ(job.retries, 3);
  EXPECT_EQ(job.owner, "a@example.com,b@example.com");
  EXPECT_EQ(job.ownerName, "Data team");
  EXPECT_EQ(job.description, "Copies topics");
  EXPECT_DOUBLE_EQ(job.cpus, 1.5);
  EXPECT_DOUBLE_EQ(job.mem, 1024);
  EXPECT_DOUBLE_EQ(job.disk, 10240);
  EXPECT_TRUE(job.disabled);
  EXPECT_TRUE(job.concurrent);
  EXPECT_TRUE(job.highPriority);
  EXPECT_TRUE(job.softError);
  EXPECT_TRUE(job.dataProcessingJobType);
  EXPECT_EQ(job.runAsUser, "etl");
  EXPECT_EQ(job.maxCompletionTime, 3600);
  EXPECT_EQ(job.executor, "custom");
  EXPECT_EQ(job.executorFlags, "--x");
  EXPECT_EQ(job.taskInfoData, "payload");
  EXPECT_EQ(job.environmentVariables, (std::vector<EnvironmentVariable>{{"JVMOPTS", "-Xmx1000m"}, {"EMPTY", ""}}));
  ASSERT_EQ(job.fetch.size(), 2u);
  EXPECT_EQ(job.fetch[0], (FetchUri{"https://example.com/a.tgz", true, true, false, "a.tgz"}));
  EXPECT_EQ(job.fetch[1], (FetchUri{"https://example.com/run.sh", false, false, true, ""}));
  ASSERT_EQ(job.constraints.size(), 3u);
  EXPECT_EQ(job.constraints[1], (Constraint{"hostname", Constraint::Operator::kLike, "node-[1-3]"}));
  EXPECT_EQ(job.constraints[2].op, Constraint::Operator::kUnlike);
  EXPECT_EQ(job.labels, (std::vector<Label>{{"team", "data"}}));
  ASSERT_TRUE(job.container.has_value());
  EXPECT_EQ(job.container->at("image").as_string(), "libmesos/ubuntu");
  EXPECT_EQ(job.misfirePolicy, "runAll");
  EXPECT_EQ(job.misfireLimit, 5);
  EXPECT_EQ(job.misfireGraceSeconds, 90);
}

TEST(JobsJobJson, ServerMaintainedFieldsInTheBodyAreIgnoredOnCreate) {
  const Job job = mustParse(kFullScheduled);
  EXPECT_EQ(job.successCount, 0);
  EXPECT_EQ(job.errorCount, 0);
  EXPECT_EQ(job.lastSuccess, "");
  EXPECT_EQ(job.lastError, "");
  EXPECT_EQ(job.errorsSinceLastSuccess, 0);
}

TEST(JobsJobJson, WritesChronosShapeAndReadsItBackFromTheStore) {
  const Job job = fullWithHistory();
  const bj::object out = jobToJson(job);
  EXPECT_EQ(out.at("name").as_string(), "camus_kafka2hdfs");
  EXPECT_EQ(out.at("schedule").as_string(), "R/2014-03-08T20:00:00.000Z/PT2H");
  EXPECT_EQ(out.at("scheduleTimeZone").as_string(), "America/Los_Angeles");
  EXPECT_FALSE(out.contains("parents"));
  EXPECT_EQ(out.at("retries").as_int64(), 3);
  EXPECT_DOUBLE_EQ(out.at("cpus").as_double(), 1.5);
  EXPECT_EQ(out.at("successCount").as_int64(), 190);
  EXPECT_EQ(out.at("lastSuccess").as_string(), "2014-03-08T16:57:17.507Z");
  EXPECT_EQ(out.at("errorsSinceLastSuccess").as_int64(), 1);
  EXPECT_EQ(bj::serialize(out.at("constraints")),
            R"([["rack","EQUALS","rack-1"],["hostname","LIKE","node-[1-3]"],["zone","UNLIKE","z.*"]])");
  EXPECT_EQ(bj::serialize(out.at("environmentVariables")),
            R"([{"name":"JVMOPTS","value":"-Xmx1000m"},{"name":"EMPTY","value":""}])");
  EXPECT_EQ(out.at("fetch").as_array().at(0).at("outputFile").as_string(), "a.tgz");
  EXPECT_FALSE(out.at("fetch").as_array().at(1).as_object().contains("outputFile"));
  EXPECT_EQ(out.at("labels").as_array().at(0).at("key").as_string(), "team");
  EXPECT_EQ(out.at("container").at("network").as_string(), "BRIDGE");
  EXPECT_EQ(out.at("misfirePolicy").as_string(), "runAll");
  EXPECT_FALSE(out.contains("epsilon"));

  // Through text, as the Store keeps it.
  Result<Job> back = jobFromStore(bj::parse(bj::serialize(out)), kDefaults);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, job);
  // And a body that went out through GET /jobs comes back in through POST.
  Result<Job> reposted = parseJob(out, JobKind::kScheduled, kDefaults);
  ASSERT_TRUE(reposted.ok()) << reposted.error().message;
  EXPECT_TRUE(sameDefinition(*reposted, job));
}

TEST(JobsJobJson, DependentJobRoundTrip) {
  const Job job = mustParse(
      R"({"name":"report","command":"make report","parents":["extract","load","extract"],"uris":["http://x/y"]})",
      JobKind::kDependent);
  EXPECT_EQ(job.kind(), JobKind::kDependent);
  EXPECT_EQ(job.parents, (std::vector<std::string>{"extract", "load"}));  // the set's duplicates dropped
  EXPECT_EQ(job.uris, (std::vector<std::string>{"http://x/y"}));
  const bj::object out = jobToJson(job);
  EXPECT_EQ(bj::serialize(out.at("parents")), R"(["extract","load"])");
  EXPECT_FALSE(out.contains("schedule"));
  Result<Job> back = jobFromStore(out, kDefaults);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, job);
}

TEST(JobsJobJson, AcceptsNumbersAsStringsAndIgnoresUnknownFields) {
  const Job job = mustParse(
      R"({"name":"d","command":"c","schedule":"R/2024-01-01T00:00:00Z/PT1M","cpus":"0.5","mem":"512",
          "retries":"4","unknownField":{"x":1},"async":true,"epsilon":"PT1M","dataJob":true})");
  EXPECT_DOUBLE_EQ(job.cpus, 0.5);
  EXPECT_DOUBLE_EQ(job.mem, 512);
  EXPECT_EQ(job.retries, 4);
  EXPECT_TRUE(job.dataProcessingJobType);
}

TEST(JobsJobJson, NullMeansLeftOut) {
  const Job job = mustParse(R"({"name":"n","command":"c","schedule":"R/2024-01-01T00:00:00Z/PT1M","retries":null,
                               "container":null,"parents":null})");
  EXPECT_EQ(job.retries, 2);
  EXPECT_FALSE(job.container.has_value());
}

struct BadBody {
  const char* body;
  JobKind kind;
  const char* error;  // the message starts with this
};

// Bodies wrong as a whole, or in name, command, schedule or parents.
TEST(JobsJobJson, EveryValidationErrorNamesItsField) {
  const std::vector<BadBody> cases = {
      {"[1,2]", JobKind::kScheduled, "the job must be a JSON object"},
      {"{not json", JobKind::kScheduled, "the body is not valid JSON"},
      {R"({"command":"c"})", JobKind::kScheduled, "name: is required"},
      {R"({"name":7,"command":"c"})", JobKind::kScheduled, "name: must be a string"},
      {R"({"name":"a b","command":"c"})", JobKind::kScheduled, "name: 'a b' must match [\\w.-]+"},
      {R"({"name":"a:b","command":"c"})", JobKind::kScheduled, "name: 'a:b' must match"},
      {R"({"name":"","command":"c"})", JobKind::kScheduled, "name: '' must match"},
      {R"({"name":"n"})", JobKind::kScheduled, "command: is required"},
      {R"({"name":"n","command":""})", JobKind::kScheduled, "command: must not be empty"},
      {R"({"name":"n","command":["x"]})", JobKind::kScheduled, "command: must be a string"},
      {R"({"name":"n","command":"c"})", JobKind::kScheduled, "schedule: is required for a scheduled job"},
      {R"({"name":"n","command":"c","schedule":""})", JobKind::kScheduled, "schedule: is required"},
      {R"({"name":"n","command":"c","schedule":5})", JobKind::kScheduled, "schedule: must be a string"},
      {R"({"name":"n","command":"c","schedule":"R/x/PT1M","parents":["p"]})", JobKind::kScheduled,
       "parents: a scheduled job has no parents"},
      {R"({"name":"n","command":"c"})", JobKind::kDependent, "parents: a dependent job needs at least one parent"},
      {R"({"name":"n","command":"c","parents":[]})", JobKind::kDependent, "parents: a dependent job needs"},
      {R"({"name":"n","command":"c","parents":["p"],"schedule":"R/x/PT1M"})", JobKind::kDependent,
       "schedule: a dependent job has no schedule"},
      {R"({"name":"n","command":"c","parents":"p"})", JobKind::kDependent, "parents: must be an array of strings"},
      {R"({"name":"n","command":"c","parents":["p q"]})", JobKind::kDependent, "parents: 'p q' must match [\\w.-]+"},
      {R"({"name":"n","command":"c","parents":["n"]})", JobKind::kDependent, "parents: a job cannot be its own"},
  };
  for (const BadBody& c : cases) {
    const std::string error = parseError(c.body, c.kind);
    EXPECT_EQ(error.rfind(c.error, 0), 0u) << c.body << "\n  gave: " << error << "\n  want: " << c.error << "...";
  }
}

// One bad field on an otherwise valid scheduled job, and the error's start.
TEST(JobsJobJson, EveryBadFieldIsNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("shell":"yes")", "shell: must be true or false"},
      {R"("arguments":[1])", "arguments: must be an array of strings"},
      {R"("scheduleTimeZone":1)", "scheduleTimeZone: must be a string"},
      {R"("retries":1.5)", "retries: must be an integer"},
      {R"("retries":-1)", "retries: must not be negative"},
      {R"("owner":false)", "owner: must be a string"},
      {R"("ownerName":1)", "ownerName: must be a string"},
      {R"("description":{})", "description: must be a string"},
      {R"("cpus":"lots")", "cpus: must be a number"},
      {R"("cpus":0)", "cpus: must be greater than 0"},
      {R"("mem":-5)", "mem: must be greater than 0"},
      {R"("disk":-1)", "disk: must not be negative"},
      {R"("disabled":1)", "disabled: must be true or false"},
      {R"("concurrent":"no")", "concurrent: must be true or false"},
      {R"("highPriority":0)", "highPriority: must be true or false"},
      {R"("softError":[])", "softError: must be true or false"},
      {R"("runAsUser":1)", "runAsUser: must be a string"},
      {R"("maxCompletionTime":-3)", "maxCompletionTime: must not be negative"},
      {R"("maxCompletionTime":"soon")", "maxCompletionTime: must be an integer"},
      {R"("environmentVariables":{})", "environmentVariables: must be an array of objects"},
      {R"("environmentVariables":["A=1"])", "environmentVariables[0]: must be an object"},
      {R"("environmentVariables":[{"name":"A"},{"value":"1"}])", "environmentVariables[1].name: is required"},
      {R"("environmentVariables":[{"name":"A","value":1}])", "environmentVariables[0].value: must be a string"},
      {R"("fetch":[{"cache":true}])", "fetch[0].uri: is required"},
      {R"("fetch":[{"uri":"u","extract":"y"}])", "fetch[0].extract: must be true or false"},
      {R"("fetch":[{"uri":"u","outputFile":3}])", "fetch[0].outputFile: must be a string"},
      {R"("fetch":[{"uri":"u"}],"uris":["v"])", "fetch: cannot be sent together with the deprecated 'uris'"},
      {R"("uris":[{"uri":"v"}])", "uris: must be an array of strings"},
      {R"("constraints":"rack")", "constraints: must be an array"},
      {R"("constraints":[["rack","EQUALS"]])", "constraints[0]: must be [attribute, EQUALS|LIKE|UNLIKE, value]"},
      {R"("constraints":[["rack","EQUALS","1"],["rack","CLUSTER","1"]])", "constraints[1]: unknown operator 'CLUSTER'"},
      {R"("constraints":[["rack","LIKE","rack-["]])", "constraints[0]: 'rack-[' is not a valid regular expression"},
      {R"("constraints":[["","EQUALS","x"]])", "constraints[0]: the attribute must not be empty"},
      {R"("labels":[{"value":"x"}])", "labels[0].key: is required"},
      {R"("container":"docker")", "container: must be an object"},
      {R"("misfirePolicy":1)", "misfirePolicy: must be a string"},
      {R"("misfireLimit":-1)", "misfireLimit: must not be negative"},
      {R"("misfireGraceSeconds":-1)", "misfireGraceSeconds: must not be negative"},
  };
  for (const auto& [field, want] : cases) {
    const std::string body = R"({"name":"n","command":"c","schedule":"R/2024-01-01T00:00:00Z/PT1M",)" + field + "}";
    const std::string error = parseError(body);
    EXPECT_EQ(error.rfind(want, 0), 0u) << body << "\n  gave: " << error << "\n  want: " << want << "...";
  }
}

TEST(JobsJobJson, NamesFitInATaskId) {
  const std::string longest(kMaxJobNameBytes, 'x');
  const std::string tooLong(kMaxJobNameBytes + 1, 'x');
  EXPECT_EQ(mustParse(R"({"name":")" + longest + R"(","command":"c","schedule":"R//PT1M"})").name, longest);
  EXPECT_EQ(parseError(R"({"name":")" + tooLong + R"(","command":"c","schedule":"R//PT1M"})"),
            "name: is longer than 200 bytes");
  EXPECT_EQ(parseError(R"({"name":"n","command":"c","parents":[")" + tooLong + R"("]})", JobKind::kDependent),
            "parents: is longer than 200 bytes");
}

TEST(JobsJobJson, ConstraintPatternsAreBounded) {
  const std::string deepest = std::string(256, '(') + std::string(256, ')');
  const Job job =
      mustParse(R"({"name":"n","command":"c","schedule":"R//PT1M","constraints":[["a","LIKE",")" + deepest + R"("]]})");
  EXPECT_EQ(job.constraints.at(0).value, deepest);
  EXPECT_EQ(parseError(R"({"name":"n","command":"c","schedule":"R//PT1M","constraints":[["a","UNLIKE",")" +
                       std::string(513, 'a') + R"("]]})"),
            "constraints[0]: the regular expression is longer than 512 bytes");
  // EQUALS compares text: no pattern, no bound.
  EXPECT_EQ(mustParse(R"({"name":"n","command":"c","schedule":"R//PT1M","constraints":[["a","EQUALS",")" +
                      std::string(2000, '(') + R"("]]})")
                .constraints.size(),
            1u);
}

TEST(JobsJobJson, AContainerJobMayLeaveTheCommandEmpty) {
  const Job job = mustParse(R"({"name":"d","command":"","shell":false,"schedule":"R/2024-01-01T00:00:00Z/PT1M",
                               "container":{"type":"DOCKER","image":"busybox"}})");
  EXPECT_EQ(job.command, "");
}

TEST(JobsJobReplace, UnchangedDefinitionKeepsTheCounters) {
  const Job stored = fullWithHistory();
  Job same = mustParse(kFullScheduled);
  carryServerFields(stored, &same);
  EXPECT_EQ(same, stored);

  Job changed = mustParse(kFullScheduled);
  changed.command = "/srv/other.bash";
  carryServerFields(stored, &changed);
  EXPECT_EQ(changed.successCount, 0);
  EXPECT_EQ(changed.errorCount, 0);
  EXPECT_EQ(changed.lastSuccess, "");
  EXPECT_EQ(changed.lastError, "");
  EXPECT_EQ(changed.command, "/srv/other.bash");
}

TEST(JobsJobState, LastStateIsWhicheverHappenedLast) {
  Job job;
  EXPECT_EQ(lastState(job), LastState::kFresh);
  job.lastError = "2024-01-01T00:00:00.000Z";
  EXPECT_EQ(lastState(job), LastState::kFailure);
  job.lastSuccess = "2024-01-01T00:00:00.001Z";
  EXPECT_EQ(lastState(job), LastState::kSuccess);
  job.lastError = "2024-02-01T00:00:00.000Z";
  EXPECT_EQ(lastState(job), LastState::kFailure);
  job.lastError = "";
  EXPECT_EQ(lastState(job), LastState::kSuccess);
  EXPECT_STREQ(lastStateName(LastState::kFresh), "fresh");
}

TEST(JobsJobState, TimestampsAreFixedWidthUtcWithMillis) {
  using namespace std::chrono;
  EXPECT_EQ(formatTimestamp(system_clock::time_point(milliseconds(1394297837507))), "2014-03-08T16:57:17.507Z");
  EXPECT_EQ(formatTimestamp(system_clock::time_point(milliseconds(0))), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatTimestamp(system_clock::time_point(milliseconds(1709164800005))), "2024-02-29T00:00:00.005Z");
}

TEST(JobsJobSummary, NamesStatusStateScheduleParentsDisabled) {
  Job scheduled = mustParse(R"({"name":"s","command":"c","schedule":"R/2024-01-01T00:00:00Z/PT1M"})");
  scheduled.lastSuccess = "2024-01-01T00:01:00.000Z";
  EXPECT_EQ(bj::serialize(jobSummaryJson(scheduled, JobStatus::kRunning)),
            R"({"name":"s","status":"running","state":"success","schedule":"R/2024-01-01T00:00:00Z/PT1M",)"
            R"("parents":[],"disabled":false})");
  Job dependent = mustParse(R"({"name":"d","command":"c","parents":["s"],"disabled":true})", JobKind::kDependent);
  dependent.lastError = "2024-01-01T00:01:00.000Z";
  EXPECT_EQ(bj::serialize(jobSummaryJson(dependent, JobStatus::kQueued)),
            R"({"name":"d","status":"queued","state":"failure","schedule":"","parents":["s"],"disabled":true})");
  EXPECT_STREQ(jobStatusName(JobStatus::kIdle), "idle");
}

std::map<std::string, Job> searchFixture() {
  std::map<std::string, Job> jobs;
  for (const auto& [name, command] :
       std::vector<std::pair<std::string, std::string>>{{"Backup-db", "pg_dump prod"},
                                                        {"backup-files", "rsync /srv"},
                                                        {"report", "make REPORT"},
                                                        {"cleanup", "rm -rf /tmp/backup"}}) {
    Job job;
    job.name = name;
    job.command = command;
    jobs[name] = job;
  }
  return jobs;
}

std::vector<std::string> names(const std::vector<const Job*>& jobs) {
  std::vector<std::string> out;
  for (const Job* j : jobs) out.push_back(j->name);
  return out;
}

TEST(JobsJobSearch, LowerCasedSubstringsOfNameCommandOrAny) {
  const auto jobs = searchFixture();
  EXPECT_EQ(names(searchJobs(jobs, {.name = "BACKUP"})), (std::vector<std::string>{"Backup-db", "backup-files"}));
  EXPECT_EQ(names(searchJobs(jobs, {.command = "report"})), (std::vector<std::string>{"report"}));
  EXPECT_EQ(names(searchJobs(jobs, {.name = "backup", .command = "rsync"})),
            (std::vector<std::string>{"backup-files"}));
  // `any` matches a name or a command, and alone it filters.
  EXPECT_EQ(names(searchJobs(jobs, {.any = "backup"})),
            (std::vector<std::string>{"Backup-db", "backup-files", "cleanup"}));
  EXPECT_EQ(names(searchJobs(jobs, {.any = "nothing"})), (std::vector<std::string>{}));
  // `any` adds to what name/command found.
  EXPECT_EQ(names(searchJobs(jobs, {.name = "report", .any = "pg_dump"})),
            (std::vector<std::string>{"Backup-db", "report"}));
  // No filter: everything, ten at most by default.
  EXPECT_EQ(searchJobs(jobs, {}).size(), 4u);
}

TEST(JobsJobSearch, LimitAndOffsetPageTheMatches) {
  const auto jobs = searchFixture();
  EXPECT_EQ(names(searchJobs(jobs, {.limit = 2})), (std::vector<std::string>{"Backup-db", "backup-files"}));
  EXPECT_EQ(names(searchJobs(jobs, {.limit = 2, .offset = 2})), (std::vector<std::string>{"cleanup", "report"}));
  EXPECT_EQ(names(searchJobs(jobs, {.any = "backup", .limit = 5, .offset = 1})),
            (std::vector<std::string>{"backup-files", "cleanup"}));
  EXPECT_TRUE(searchJobs(jobs, {.offset = 9}).empty());
  EXPECT_TRUE(searchJobs(jobs, {.limit = 0}).empty());
}

}  // namespace
}  // namespace tepui::jobs
