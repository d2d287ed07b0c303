#include "jobs/job.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace tepui::jobs {

std::string invalidJobNameReason(const std::string& name) {
  if (name.size() > kMaxJobNameBytes) return "is longer than " + std::to_string(kMaxJobNameBytes) + " bytes";
  const bool allowed = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
  return allowed ? "" : "'" + name + "' must match [\\w.-]+";
}

namespace {

// The job with its server-maintained fields cleared, for comparisons.
Job definitionOf(const Job& job) {
  Job d = job;
  d.successCount = 0;
  d.errorCount = 0;
  d.lastSuccess.clear();
  d.lastError.clear();
  d.errorsSinceLastSuccess = 0;
  return d;
}

}  // namespace

bool sameDefinition(const Job& a, const Job& b) { return definitionOf(a) == definitionOf(b); }

void carryServerFields(const Job& stored, Job* replacement) {
  if (!sameDefinition(stored, *replacement)) {
    *replacement = definitionOf(*replacement);
    return;
  }
  replacement->successCount = stored.successCount;
  replacement->errorCount = stored.errorCount;
  replacement->lastSuccess = stored.lastSuccess;
  replacement->lastError = stored.lastError;
  replacement->errorsSinceLastSuccess = stored.errorsSinceLastSuccess;
}

LastState lastState(const Job& job) {
  if (job.lastSuccess.empty() && job.lastError.empty()) return LastState::kFresh;
  if (job.lastSuccess.empty()) return LastState::kFailure;
  if (job.lastError.empty()) return LastState::kSuccess;
  // Fixed-width UTC timestamps: string order is time order (job.hpp).
  return job.lastSuccess > job.lastError ? LastState::kSuccess : LastState::kFailure;
}

const char* lastStateName(LastState state) {
  switch (state) {
    case LastState::kFresh: return "fresh";
    case LastState::kSuccess: return "success";
    case LastState::kFailure: return "failure";
  }
  return "fresh";
}

const char* jobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kIdle: return "idle";
    case JobStatus::kQueued: return "queued";
    case JobStatus::kRunning: return "running";
  }
  return "idle";
}

std::string formatTimestamp(std::chrono::system_clock::time_point when) {
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(when).time_since_epoch().count();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(std::chrono::milliseconds(millis));
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[80];  // room for any int the compiler assumes
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis - seconds.count() * 1000));
  return text;
}

}  // namespace tepui::jobs
