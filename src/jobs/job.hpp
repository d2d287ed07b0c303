// A job of `tepui jobs`, the Chronos-compatible cron and dependency
// scheduler: its definition (what to run, when, after which parents, with
// which resources) and the counters and timestamps the scheduler maintains.
//
// A job is *scheduled* (a non-empty `schedule`, kept as the text the user
// sent: the schedule helpers parse it) or *dependent* (non-empty `parents`,
// run after them). The struct is plain data; parsing and printing are in
// job_json.hpp, the graph of parents in job_graph.hpp, what a run's end
// changes in retry.hpp.
//
// Timestamps (`lastSuccess`, `lastError`) are ISO 8601 strings in UTC with
// milliseconds, "2014-03-08T16:57:17.507Z", as Chronos writes them, or ""
// when it never happened. Tepui writes them only through formatTimestamp,
// whose output has a fixed width, so comparing two of them as strings
// compares the instants.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tepui::jobs {

enum class JobKind { kScheduled, kDependent };

struct EnvironmentVariable {
  std::string name;
  std::string value;
  bool operator==(const EnvironmentVariable&) const = default;
};

// One entry of `fetch` (the Mesos fetcher's CommandInfo.URI).
struct FetchUri {
  std::string uri;
  bool cache = false;
  bool extract = false;
  bool executable = false;
  std::string outputFile;  // "" when unset
  bool operator==(const FetchUri&) const = default;
};

// [attribute, EQUALS|LIKE|UNLIKE, value]; for LIKE and UNLIKE the value is a
// regular expression that must match (or not) the whole attribute value.
struct Constraint {
  enum class Operator { kEquals, kLike, kUnlike };
  std::string attribute;
  Operator op = Operator::kEquals;
  std::string value;
  bool operator==(const Constraint&) const = default;
};

struct Label {
  std::string key;
  std::string value;
  bool operator==(const Label&) const = default;
};

// The server-wide defaults a job takes when its body leaves them out
// (Chronos's --mesos_task_cpu/mem/disk and --user flags).
struct JobDefaults {
  double cpus = 0.1;
  double mem = 128;
  double disk = 256;
  std::string runAsUser = "root";
};

struct Job {
  // Definition.
  std::string name;  // [\w.-]+, the key; a job is never renamed
  std::string command;
  bool shell = true;
  std::vector<std::string> arguments;  // used when shell is false
  std::string schedule;                // scheduled jobs only
  std::string scheduleTimeZone;        // "" = the schedule's own offset
  std::vector<std::string> parents;    // dependent jobs only; no duplicates
  int64_t retries = 2;
  std::string owner;  // comma-separated e-mail addresses
  std::string ownerName;
  std::string description;
  double cpus = 0.1;
  double mem = 128;
  double disk = 256;
  bool disabled = false;
  bool concurrent = false;
  bool highPriority = false;
  bool softError = false;
  bool dataProcessingJobType = false;  // kept for round trips; Tepui tracks no elements
  std::string runAsUser;
  int64_t maxCompletionTime = 0;  // seconds; 0 = no limit
  std::string executor;           // kept for round trips
  std::string executorFlags;
  std::string taskInfoData;
  std::vector<EnvironmentVariable> environmentVariables;
  std::vector<FetchUri> fetch;
  std::vector<std::string> uris;  // deprecated form of fetch; never both
  std::vector<Constraint> constraints;
  std::vector<Label> labels;
  std::optional<boost::json::value> container;  // opaque: kept as sent
  // Tepui's misfire policy (defined by the schedule helpers; kept as sent).
  std::optional<std::string> misfirePolicy;
  std::optional<int64_t> misfireLimit;
  std::optional<int64_t> misfireGraceSeconds;

  // Maintained by the scheduler; reset when the definition changes.
  int64_t successCount = 0;
  int64_t errorCount = 0;
  std::string lastSuccess;
  std::string lastError;
  int64_t errorsSinceLastSuccess = 0;

  JobKind kind() const { return parents.empty() ? JobKind::kScheduled : JobKind::kDependent; }
  bool operator==(const Job&) const = default;
};

// A job name matches [\w.-]+ (ASCII letters, digits, '_', '.', '-') and
// has at most kMaxJobNameBytes, so that its runs' task ids stay within the
// 255 bytes Mesos allows (task_id.hpp).
constexpr size_t kMaxJobNameBytes = 200;
// Why `name` is not a valid job name, as a phrase for "<field>: <reason>"
// ("'a b' must match [\w.-]+"), or "" when it is valid.
std::string invalidJobNameReason(const std::string& name);
inline bool isValidJobName(const std::string& name) { return invalidJobNameReason(name).empty(); }

// Whether two jobs differ in anything but the server-maintained fields.
bool sameDefinition(const Job& a, const Job& b);

// The server-maintained fields of a replacement: taken from `stored` when
// the definition is unchanged, reset to zero/"" when it changed (Chronos:
// "the counters reset when the job definition is modified").
void carryServerFields(const Job& stored, Job* replacement);

// "fresh" (never ended), "success" or "failure", whichever happened last.
enum class LastState { kFresh, kSuccess, kFailure };
LastState lastState(const Job& job);
const char* lastStateName(LastState state);

// What the scheduler is doing with a job right now (the summary's
// `status`, the CSV graph's last column); the scheduler knows, not the job.
enum class JobStatus { kIdle, kQueued, kRunning };
const char* jobStatusName(JobStatus status);

// "2014-03-08T16:57:17.507Z": UTC, milliseconds, always 24 characters.
std::string formatTimestamp(std::chrono::system_clock::time_point when);

}  // namespace tepui::jobs
