// The jobs of `tepui jobs` and the dependency graph their `parents` make.
//
// JobGraph owns every job by name. Its guarantees:
//   - the graph is always acyclic and every parent exists: put() refuses a
//     job whose parent is missing (Chronos 2.x's 400, not 3.x's silent
//     drop) or whose parents would close a cycle, naming the cycle, and
//     changes nothing then;
//   - the firing rule is Chronos 3's: each parent -> child edge counts the
//     parent's successes since the child last started; when a parent
//     succeeds (or, with softError, exhausts its retries: the caller
//     decides, see retry.hpp), its edge count goes up, and the child fires
//     if that count now equals the smallest count over the child's edges,
//     i.e. once every parent has succeeded since the child's last run. A
//     child with one parent fires on each of its successes. The counts go
//     back to zero when the child starts (childStarted);
//   - remove() re-parents as Chronos does: the children of a dependent job
//     inherit its parents; a child of a scheduled job loses that parent and,
//     if it has no other, becomes a scheduled job with the deleted job's
//     schedule and time zone.
//
// The edge counts are the scheduler's run state, not the jobs' definition:
// edgeCount/setEdgeCount let the caller persist and restore them.
// Not thread-safe: it belongs to the scheduler's event loop.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "jobs/job.hpp"

namespace tepui::jobs {

class JobGraph {
 public:
  // Adds `job`, or replaces the job of its name (its edges that remain keep
  // their counts; new ones start at zero). An error, and no change, when a
  // parent does not exist or the parents would make a cycle.
  Status put(Job job);

  // The job named `name`, or nullptr.
  const Job* find(const std::string& name) const;
  const std::map<std::string, Job>& jobs() const { return jobs_; }

  // The names of the jobs that list `name` as a parent, in name order.
  std::vector<std::string> children(const std::string& name) const;

  // `parent` succeeded: counts it on its edges and returns the children that
  // fire now, in name order. Disabled children are counted but not returned.
  std::vector<std::string> parentSucceeded(const std::string& parent);
  // `child` started a run: the counts of its edges go back to zero.
  void childStarted(const std::string& child);

  // Successes of `parent` counted for `child` since the child last started
  // (0 when there is no such edge), and restoring it (ignored without edge).
  int64_t edgeCount(const std::string& parent, const std::string& child) const;
  void setEdgeCount(const std::string& parent, const std::string& child, int64_t count);

  // Deletes `name` and re-parents its children (above). Returns the names of
  // the children whose job changed, in name order, for the caller to store.
  Result<std::vector<std::string>> remove(const std::string& name);

 private:
  using Edge = std::pair<std::string, std::string>;  // parent, child

  Status checkParents(const Job& job) const;
  // A path name -> ... -> target following children, or empty if none.
  std::vector<std::string> pathDown(const std::string& from, const std::string& target) const;
  void unlink(const Job& job);
  void link(const Job& job, const std::map<Edge, int64_t>& keptCounts);

  std::map<std::string, Job> jobs_;
  std::map<std::string, std::set<std::string>> children_;
  std::map<Edge, int64_t> edgeCounts_;
};

}  // namespace tepui::jobs
