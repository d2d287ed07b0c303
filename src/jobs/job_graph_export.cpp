#include "jobs/job_graph_export.hpp"

namespace tepui::jobs {

std::string graphDot(const JobGraph& graph) {
  std::string out = "digraph G {\n";
  for (const auto& [name, job] : graph.jobs()) out += "  \"" + name + "\";\n";
  for (const auto& [name, job] : graph.jobs()) {
    for (const std::string& child : graph.children(name)) out += "  \"" + name + "\" -> \"" + child + "\";\n";
  }
  out += "}\n";
  return out;
}

std::string graphCsv(const JobGraph& graph, const std::function<JobStatus(const std::string& name)>& statusOf) {
  std::string out;
  for (const auto& [name, job] : graph.jobs()) {
    out += "node," + name + "," + lastStateName(lastState(job)) + "," + jobStatusName(statusOf(name)) + "\n";
  }
  for (const auto& [name, job] : graph.jobs()) {
    for (const std::string& child : graph.children(name)) out += "link," + name + "," + child + "\n";
  }
  return out;
}

}  // namespace tepui::jobs
