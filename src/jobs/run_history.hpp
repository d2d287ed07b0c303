// The history of finished runs: the last `limit` runs of each job
// (--task_history_limit), newest kept, each one document of the "runs"
// collection with id "<job>/<seq>" (seq zero-padded to 12 digits, so that
// ids sort by age). Adding a run beyond the bound erases the job's oldest
// document in the same writes, so the bound holds in the store too.
//
// Not thread-safe: the scheduler's loop owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "jobs/documents.hpp"
#include "jobs/run.hpp"

namespace tepui::jobs {

class RunHistory {
 public:
  explicit RunHistory(size_t limit) : limit_(limit < 1 ? 1 : limit) {}

  // Reads the "runs" collection. Documents that do not read are skipped;
  // the returned lines say which and why.
  std::vector<std::string> load(const std::map<std::string, boost::json::value>& docs);

  // Records an ended run: gives it the job's next seq, writes it and erases
  // what falls beyond the bound.
  void add(Run run, DocWrites& writes);
  // Forgets a deleted job's history (erasing its documents).
  void eraseJob(const std::string& job, DocWrites& writes);

  // The job's runs, newest first, at most `limit` (0: all kept).
  std::vector<const Run*> runsOf(const std::string& job, size_t limit = 0) const;
  // Durations (ms) of the job's runs that succeeded, for the statistics.
  std::vector<double> durations(const std::string& job) const;
  std::map<std::string, std::vector<double>> allDurations() const;

  static std::string docId(const std::string& job, int64_t seq);

 private:
  size_t limit_;
  std::map<std::string, std::deque<Run>> byJob_;  // oldest first
  std::map<std::string, int64_t> lastSeq_;
};

}  // namespace tepui::jobs
