#include "jobs/job.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "common/iso_time.hpp"

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
  // Whole milliseconds first, so that the formatter's rounding cannot move
  // a time into the next millisecond.
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(when).time_since_epoch().count();
  return iso_time::format(static_cast<double>(millis) / 1000);
}

}  // namespace tepui::jobs
