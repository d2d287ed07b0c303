#include "jobs/job_search.hpp"

#include <algorithm>
#include <cctype>

namespace tepui::jobs {

namespace {

std::string lower(const std::string& text) {
  std::string out = text;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Whether `needle` (already lower-cased) occurs in `haystack`, ignoring case.
bool contains(const std::string& haystack, const std::string& needle) {
  return lower(haystack).find(needle) != std::string::npos;
}

}  // namespace

bool matchesSearch(const Job& job, const JobSearch& search) {
  const std::string name = lower(search.name);
  const std::string command = lower(search.command);
  const std::string any = lower(search.any);
  if (!any.empty() && (contains(job.name, any) || contains(job.command, any))) return true;
  if (name.empty() && command.empty()) return any.empty();
  return (name.empty() || contains(job.name, name)) && (command.empty() || contains(job.command, command));
}

std::vector<const Job*> searchJobs(const std::map<std::string, Job>& jobs, const JobSearch& search) {
  std::vector<const Job*> out;
  size_t skipped = 0;
  for (const auto& [name, job] : jobs) {
    if (out.size() >= search.limit) break;
    if (!matchesSearch(job, search)) continue;
    if (skipped < search.offset) {
      ++skipped;
      continue;
    }
    out.push_back(&job);
  }
  return out;
}

}  // namespace tepui::jobs
