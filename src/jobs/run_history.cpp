#include "jobs/run_history.hpp"

#include <algorithm>
#include <cstdio>

namespace tepui::jobs {

std::string RunHistory::docId(const std::string& job, int64_t seq) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%012lld", static_cast<long long>(seq));
  return job + "/" + digits;
}

std::vector<std::string> RunHistory::load(const std::map<std::string, boost::json::value>& docs) {
  std::vector<std::string> problems;
  for (auto& [id, doc] : docs) {
    Result<Run> run = runFromJson(doc);
    if (!run) {
      problems.push_back("runs/" + id + ": " + run.error().message);
      continue;
    }
    if (docId(run->job, run->seq) != id) {
      problems.push_back("runs/" + id + ": filed under the wrong id");
      continue;
    }
    lastSeq_[run->job] = std::max(lastSeq_[run->job], run->seq);
    byJob_[run->job].push_back(std::move(*run));
  }
  for (auto& [job, runs] : byJob_)
    std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.seq < b.seq; });
  return problems;
}

void RunHistory::add(Run run, DocWrites& writes) {
  run.seq = ++lastSeq_[run.job];
  std::deque<Run>& runs = byJob_[run.job];
  putDoc(writes, kRunsCollection, docId(run.job, run.seq), runToJson(run));
  runs.push_back(std::move(run));
  while (runs.size() > limit_) {
    eraseDoc(writes, kRunsCollection, docId(runs.front().job, runs.front().seq));
    runs.pop_front();
  }
}

void RunHistory::eraseJob(const std::string& job, DocWrites& writes) {
  auto it = byJob_.find(job);
  if (it == byJob_.end()) return;
  for (const Run& run : it->second) eraseDoc(writes, kRunsCollection, docId(job, run.seq));
  byJob_.erase(it);
  lastSeq_.erase(job);
}

std::vector<const Run*> RunHistory::runsOf(const std::string& job, size_t limit) const {
  std::vector<const Run*> out;
  auto it = byJob_.find(job);
  if (it == byJob_.end()) return out;
  for (auto r = it->second.rbegin(); r != it->second.rend() && (limit == 0 || out.size() < limit); ++r)
    out.push_back(&*r);
  return out;
}

std::vector<double> RunHistory::durations(const std::string& job) const {
  std::vector<double> out;
  auto it = byJob_.find(job);
  if (it == byJob_.end()) return out;
  for (const Run& run : it->second) {
    std::optional<int64_t> d = runDuration(run);
    if (run.state == RunState::kFinished && d) out.push_back(static_cast<double>(*d));
  }
  return out;
}

std::map<std::string, std::vector<double>> RunHistory::allDurations() const {
  std::map<std::string, std::vector<double>> out;
  for (auto& [job, runs] : byJob_) {
    std::vector<double> d = durations(job);
    if (!d.empty()) out[job] = std::move(d);
  }
  return out;
}

}  // namespace tepui::jobs
