// The dependency graph as text, for Chronos's `GET /graph/dot` and
// `GET /graph/csv` (which its web UI polls).
//
// graphDot: a Graphviz digraph; one quoted node per job (job names are
// [\w.-]+, so they need no escaping) and one `"parent" -> "child";` line per
// dependency, in name order.
//
// graphCsv: one row `node,<name>,<lastState>,<status>` per job (lastState
// fresh|success|failure from the job, status idle|queued|running from
// `statusOf`), then one row `link,<parent>,<child>` per dependency; rows in
// name order, each ended by "\n".
#pragma once

#include <functional>
#include <string>

#include "jobs/job_graph.hpp"

namespace tepui::jobs {

std::string graphDot(const JobGraph& graph);
std::string graphCsv(const JobGraph& graph, const std::function<JobStatus(const std::string& name)>& statusOf);

}  // namespace tepui::jobs
