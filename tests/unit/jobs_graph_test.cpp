// The dependency graph of `tepui jobs`: parents must exist, cycles are
// refused with the cycle named, Chronos 3's multi-parent firing rule through
// a three-level DAG (with a failing middle job and softError), deletion's
// re-parenting both ways, and the dot and CSV exports.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "jobs/job_graph.hpp"
#include "jobs/job_graph_export.hpp"

namespace tepui::jobs {
namespace {

Job scheduled(const std::string& name, const std::string& schedule = "R/2024-01-01T00:00:00Z/PT1H") {
  Job job;
  job.name = name;
  job.command = "run " + name;
  job.schedule = schedule;
  job.scheduleTimeZone = "Europe/Paris";
  return job;
}

Job dependent(const std::string& name, std::vector<std::string> parents) {
  Job job;
  job.name = name;
  job.command = "run " + name;
  job.parents = std::move(parents);
  return job;
}

void mustPut(JobGraph* graph, Job job) {
  const std::string name = job.name;
  Status s = graph->put(std::move(job));
  ASSERT_TRUE(s.ok()) << name << ": " << s.error().message;
}

using Names = std::vector<std::string>;

// extract_a, extract_b (scheduled) -> transform (both) -> load, report
// (load also depends on extract_b).
JobGraph threeLevels() {
  JobGraph g;
  mustPut(&g, scheduled("extract_a"));
  mustPut(&g, scheduled("extract_b"));
  mustPut(&g, dependent("transform", {"extract_a", "extract_b"}));
  mustPut(&g, dependent("load", {"transform", "extract_b"}));
  mustPut(&g, dependent("report", {"transform"}));
  return g;
}

TEST(JobsGraph, ChildrenAreTheJobsThatListAParent) {
  const JobGraph g = threeLevels();
  EXPECT_EQ(g.children("extract_a"), (Names{"transform"}));
  EXPECT_EQ(g.children("extract_b"), (Names{"load", "transform"}));
  EXPECT_EQ(g.children("transform"), (Names{"load", "report"}));
  EXPECT_EQ(g.children("report"), (Names{}));
  EXPECT_EQ(g.children("nobody"), (Names{}));
  ASSERT_NE(g.find("load"), nullptr);
  EXPECT_EQ(g.find("load")->parents, (Names{"transform", "extract_b"}));
  EXPECT_EQ(g.find("nobody"), nullptr);
}

TEST(JobsGraph, MissingParentIsRefusedAndChangesNothing) {
  JobGraph g = threeLevels();
  Status s = g.put(dependent("orphan", {"extract_a", "ghost"}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "parents: job 'ghost' does not exist");
  EXPECT_EQ(g.find("orphan"), nullptr);
  EXPECT_EQ(g.children("extract_a"), (Names{"transform"}));
}

TEST(JobsGraph, CycleIsRefusedWithItsPath) {
  JobGraph g = threeLevels();
  // extract_a becomes a child of report: extract_a -> transform -> report -> extract_a.
  Status s = g.put(dependent("extract_a", {"report"}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "parents: 'report' would make a cycle: extract_a -> transform -> report -> extract_a");
  // Unchanged: still scheduled, still transform's parent.
  EXPECT_EQ(g.find("extract_a")->kind(), JobKind::kScheduled);
  EXPECT_EQ(g.children("extract_a"), (Names{"transform"}));
  EXPECT_EQ(g.children("report"), (Names{}));

  Status self = g.put(dependent("report", {"report"}));
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().message, "parents: a job cannot be its own parent");

  // A diamond is not a cycle.
  mustPut(&g, dependent("final", {"load", "report", "transform"}));
}

TEST(JobsGraph, ReplacingAJobMovesItsEdges) {
  JobGraph g = threeLevels();
  mustPut(&g, dependent("report", {"load"}));
  EXPECT_EQ(g.children("transform"), (Names{"load"}));
  EXPECT_EQ(g.children("load"), (Names{"report"}));
  // Dependent -> scheduled: no parents left.
  mustPut(&g, scheduled("report"));
  EXPECT_EQ(g.children("load"), (Names{}));
  EXPECT_EQ(g.find("report")->kind(), JobKind::kScheduled);
}

TEST(JobsGraph, ChildFiresOnceEveryParentSucceededSinceItsLastRun) {
  JobGraph g = threeLevels();
  // One parent of two: transform waits.
  EXPECT_EQ(g.parentSucceeded("extract_a"), (Names{}));
  // extract_a again: still waiting for extract_b.
  EXPECT_EQ(g.parentSucceeded("extract_a"), (Names{}));
  // extract_b: transform fires; load (transform, extract_b) still waits for transform.
  EXPECT_EQ(g.parentSucceeded("extract_b"), (Names{"transform"}));
  // Before transform starts, more of extract_a's successes do not fire it
  // again: extract_a's count (3) is ahead of the least (extract_b's 1).
  EXPECT_EQ(g.parentSucceeded("extract_a"), (Names{}));
  EXPECT_EQ(g.edgeCount("extract_a", "transform"), 3);
  g.childStarted("transform");
  EXPECT_EQ(g.edgeCount("extract_a", "transform"), 0);
  EXPECT_EQ(g.edgeCount("extract_b", "transform"), 0);
  EXPECT_EQ(g.edgeCount("extract_b", "load"), 1);
  // transform succeeds: report (one parent) fires, and load has both now.
  EXPECT_EQ(g.parentSucceeded("transform"), (Names{"load", "report"}));
  g.childStarted("load");
  g.childStarted("report");
  // After the child's run the rule starts over: one parent is not enough.
  EXPECT_EQ(g.parentSucceeded("extract_a"), (Names{}));
  EXPECT_EQ(g.parentSucceeded("extract_b"), (Names{"transform"}));
}

TEST(JobsGraph, FailingMiddleJobHoldsItsChildrenUnlessSoftError) {
  // The caller reports a failed transform to the graph only with softError
  // (retry.hpp's fireChildren); without it nothing is counted.
  JobGraph g = threeLevels();
  EXPECT_EQ(g.parentSucceeded("extract_a"), (Names{}));
  EXPECT_EQ(g.parentSucceeded("extract_b"), (Names{"transform"}));
  g.childStarted("transform");
  // transform fails: its children stay put, and extract_b's next success
  // alone does not start load.
  EXPECT_EQ(g.parentSucceeded("extract_b"), (Names{}));
  EXPECT_EQ(g.edgeCount("transform", "load"), 0);

  // With softError the exhausted failure counts as a success for children.
  Job soft = *g.find("transform");
  soft.softError = true;
  mustPut(&g, soft);
  EXPECT_EQ(g.edgeCount("extract_b", "load"), 2);  // replacing kept the counts
  EXPECT_EQ(g.parentSucceeded("transform"), (Names{"load", "report"}));
}

TEST(JobsGraph, DisabledChildIsCountedButNotStarted) {
  JobGraph g = threeLevels();
  Job off = *g.find("report");
  off.disabled = true;
  mustPut(&g, off);
  EXPECT_EQ(g.parentSucceeded("extract_a"), (Names{}));
  EXPECT_EQ(g.parentSucceeded("extract_b"), (Names{"transform"}));
  EXPECT_EQ(g.parentSucceeded("transform"), (Names{"load"}));
  EXPECT_EQ(g.edgeCount("transform", "report"), 1);
}

TEST(JobsGraph, EdgeCountsCanBeSavedAndRestored) {
  JobGraph g = threeLevels();
  g.setEdgeCount("extract_a", "transform", 3);
  EXPECT_EQ(g.edgeCount("extract_a", "transform"), 3);
  g.setEdgeCount("report", "extract_a", 3);  // no such edge: ignored
  EXPECT_EQ(g.edgeCount("report", "extract_a"), 0);
  // The restored count stands for extract_a's successes: extract_b's first
  // one completes transform's set.
  EXPECT_EQ(g.parentSucceeded("extract_b"), (Names{"transform"}));
}

TEST(JobsGraph, DeletingADependentJobGivesItsChildrenItsParents) {
  JobGraph g = threeLevels();
  Result<Names> changed = g.remove("transform");
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, (Names{"load", "report"}));
  EXPECT_EQ(g.find("transform"), nullptr);
  // load had transform and extract_b: extract_b is not listed twice.
  EXPECT_EQ(g.find("load")->parents, (Names{"extract_b", "extract_a"}));
  EXPECT_EQ(g.find("report")->parents, (Names{"extract_a", "extract_b"}));
  EXPECT_EQ(g.children("extract_a"), (Names{"load", "report"}));
  EXPECT_EQ(g.children("extract_b"), (Names{"load", "report"}));
  EXPECT_EQ(g.children("transform"), (Names{}));
}

TEST(JobsGraph, DeletingAScheduledJobMakesItsOnlyChildrenScheduled) {
  JobGraph g;
  mustPut(&g, scheduled("daily", "R/2024-01-01T02:00:00Z/P1D"));
  mustPut(&g, scheduled("hourly"));
  mustPut(&g, dependent("only_daily", {"daily"}));
  mustPut(&g, dependent("both", {"daily", "hourly"}));
  mustPut(&g, dependent("grandchild", {"only_daily"}));
  Result<Names> changed = g.remove("daily");
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, (Names{"both", "only_daily"}));
  const Job* promoted = g.find("only_daily");
  EXPECT_EQ(promoted->kind(), JobKind::kScheduled);
  EXPECT_EQ(promoted->schedule, "R/2024-01-01T02:00:00Z/P1D");
  EXPECT_EQ(promoted->scheduleTimeZone, "Europe/Paris");
  EXPECT_TRUE(promoted->parents.empty());
  // A child with another parent stays dependent on it.
  EXPECT_EQ(g.find("both")->parents, (Names{"hourly"}));
  EXPECT_EQ(g.find("both")->schedule, "");
  // Further down nothing changes.
  EXPECT_EQ(g.find("grandchild")->parents, (Names{"only_daily"}));
  EXPECT_EQ(g.children("only_daily"), (Names{"grandchild"}));
  // The firing rule still holds for the kept edge.
  EXPECT_EQ(g.parentSucceeded("hourly"), (Names{"both"}));
}

TEST(JobsGraph, DeletingAnUnknownJobIsAnError) {
  JobGraph g = threeLevels();
  Result<Names> r = g.remove("ghost");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "job 'ghost' does not exist");
  // A leaf goes without touching anyone.
  Result<Names> leaf = g.remove("report");
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(leaf->empty());
  EXPECT_EQ(g.children("transform"), (Names{"load"}));
}

// The graph's invariants: every parent exists, the children index is the
// inverse of the parents lists, and there is no cycle (a topological order
// exists). Returns what is wrong, or "".
std::string brokenInvariant(const JobGraph& g) {
  std::map<std::string, int> pendingParents;
  for (const auto& [name, job] : g.jobs()) {
    for (const std::string& parent : job.parents) {
      if (g.find(parent) == nullptr) return name + " has a missing parent " + parent;
      const Names kids = g.children(parent);
      if (std::find(kids.begin(), kids.end(), name) == kids.end()) return parent + " does not list child " + name;
    }
    for (const std::string& child : g.children(name)) {
      const Job* c = g.find(child);
      if (c == nullptr) return name + " lists a missing child " + child;
      if (std::find(c->parents.begin(), c->parents.end(), name) == c->parents.end()) {
        return name + " lists " + child + " which does not list it";
      }
    }
    pendingParents[name] = static_cast<int>(job.parents.size());
  }
  Names ready;
  for (const auto& [name, n] : pendingParents) {
    if (n == 0) ready.push_back(name);
  }
  size_t ordered = 0;
  while (!ready.empty()) {
    const std::string name = ready.back();
    ready.pop_back();
    ++ordered;
    for (const std::string& child : g.children(name)) {
      if (--pendingParents[child] == 0) ready.push_back(child);
    }
  }
  return ordered == g.jobs().size() ? "" : "a cycle";
}

TEST(JobsGraph, RandomPutsAndRemovesKeepItAcyclicAndConsistent) {
  std::mt19937 random(20261202);  // fixed: a failure replays
  const Names pool = {"a", "b", "c", "d", "e", "f", "g", "h"};
  JobGraph g;
  int refused = 0;
  for (int step = 0; step < 3000; ++step) {
    const std::string name = pool[random() % pool.size()];
    if (random() % 4 == 0) {
      (void)g.remove(name);  // an unknown name is an error and changes nothing
    } else {
      Names parents;
      for (const std::string& p : pool) {
        if (random() % 4 == 0 && p != name) parents.push_back(p);
      }
      const Status s = g.put(parents.empty() ? scheduled(name) : dependent(name, parents));
      if (!s.ok()) ++refused;
    }
    const std::string broken = brokenInvariant(g);
    ASSERT_EQ(broken, "") << "after step " << step;
  }
  EXPECT_GT(refused, 0);  // the sequence did try missing parents and cycles
  EXPECT_GT(g.jobs().size(), 0u);
}

TEST(JobsGraphExport, DotListsNodesAndEdges) {
  const JobGraph g = threeLevels();
  EXPECT_EQ(graphDot(g),
            "digraph G {\n"
            "  \"extract_a\";\n"
            "  \"extract_b\";\n"
            "  \"load\";\n"
            "  \"report\";\n"
            "  \"transform\";\n"
            "  \"extract_a\" -> \"transform\";\n"
            "  \"extract_b\" -> \"load\";\n"
            "  \"extract_b\" -> \"transform\";\n"
            "  \"transform\" -> \"load\";\n"
            "  \"transform\" -> \"report\";\n"
            "}\n");
  EXPECT_EQ(graphDot(JobGraph()), "digraph G {\n}\n");
}

TEST(JobsGraphExport, CsvHasNodeRowsWithStateAndStatusThenLinks) {
  JobGraph g = threeLevels();
  Job a = *g.find("extract_a");
  a.lastSuccess = "2024-01-01T00:00:00.000Z";
  mustPut(&g, a);
  Job t = *g.find("transform");
  t.lastSuccess = "2024-01-01T00:00:00.000Z";
  t.lastError = "2024-01-02T00:00:00.000Z";
  mustPut(&g, t);
  const auto status = [](const std::string& name) {
    return name == "load" ? JobStatus::kRunning : name == "report" ? JobStatus::kQueued : JobStatus::kIdle;
  };
  EXPECT_EQ(graphCsv(g, status),
            "node,extract_a,success,idle\n"
            "node,extract_b,fresh,idle\n"
            "node,load,fresh,running\n"
            "node,report,fresh,queued\n"
            "node,transform,failure,idle\n"
            "link,extract_a,transform\n"
            "link,extract_b,load\n"
            "link,extract_b,transform\n"
            "link,transform,load\n"
            "link,transform,report\n");
}

}  // namespace
}  // namespace tepui::jobs
