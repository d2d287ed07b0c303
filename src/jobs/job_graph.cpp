#include "jobs/job_graph.hpp"

#include <algorithm>
#include <deque>

namespace tepui::jobs {

namespace {

std::string joinPath(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : " -> ") + n;
  return out;
}

}  // namespace

const Job* JobGraph::find(const std::string& name) const {
  auto it = jobs_.find(name);
  return it == jobs_.end() ? nullptr : &it->second;
}

std::vector<std::string> JobGraph::children(const std::string& name) const {
  auto it = children_.find(name);
  if (it == children_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> JobGraph::pathDown(const std::string& from, const std::string& target) const {
  std::map<std::string, std::string> reachedFrom;  // node -> the node before it
  std::deque<std::string> frontier{from};
  while (!frontier.empty()) {
    const std::string node = frontier.front();
    frontier.pop_front();
    if (node == target) {
      std::vector<std::string> path{node};
      while (path.back() != from) path.push_back(reachedFrom.at(path.back()));
      std::reverse(path.begin(), path.end());
      return path;
    }
    for (const std::string& child : children(node)) {
      if (child != from && reachedFrom.emplace(child, node).second) frontier.push_back(child);
    }
  }
  return {};
}

Status JobGraph::checkParents(const Job& job) const {
  if (std::string why = invalidJobNameReason(job.name); !why.empty()) return Error("name: " + why);
  for (const std::string& parent : job.parents) {
    if (parent == job.name) return Error("parents: a job cannot be its own parent");
    if (!jobs_.contains(parent)) return Error("parents: job '" + parent + "' does not exist");
    // The new edge parent -> job closes a cycle if job already leads to parent.
    std::vector<std::string> loop = pathDown(job.name, parent);
    if (!loop.empty()) {
      loop.push_back(job.name);
      return Error("parents: '" + parent + "' would make a cycle: " + joinPath(loop));
    }
  }
  return okStatus();
}

void JobGraph::unlink(const Job& job) {
  for (const std::string& parent : job.parents) {
    auto it = children_.find(parent);
    if (it != children_.end()) {
      it->second.erase(job.name);
      if (it->second.empty()) children_.erase(it);
    }
    edgeCounts_.erase({parent, job.name});
  }
}

void JobGraph::link(const Job& job, const std::map<Edge, int64_t>& keptCounts) {
  for (const std::string& parent : job.parents) {
    children_[parent].insert(job.name);
    auto kept = keptCounts.find({parent, job.name});
    edgeCounts_[{parent, job.name}] = kept == keptCounts.end() ? 0 : kept->second;
  }
}

Status JobGraph::put(Job job) {
  if (Status s = checkParents(job); !s) return s;
  std::map<Edge, int64_t> kept;
  if (auto it = jobs_.find(job.name); it != jobs_.end()) {
    for (const std::string& parent : it->second.parents) kept[{parent, job.name}] = edgeCount(parent, job.name);
    unlink(it->second);
  }
  link(job, kept);
  const std::string name = job.name;
  jobs_.insert_or_assign(name, std::move(job));
  return okStatus();
}

std::vector<std::string> JobGraph::parentSucceeded(const std::string& parent) {
  std::vector<std::string> fire;
  for (const std::string& name : children(parent)) {
    const Job& child = jobs_.at(name);
    const int64_t count = ++edgeCounts_[{parent, name}];
    int64_t least = count;
    for (const std::string& other : child.parents) least = std::min(least, edgeCount(other, name));
    if (count == least && !child.disabled) fire.push_back(name);
  }
  return fire;
}

void JobGraph::childStarted(const std::string& child) {
  const Job* job = find(child);
  if (job == nullptr) return;
  for (const std::string& parent : job->parents) edgeCounts_[{parent, child}] = 0;
}

int64_t JobGraph::edgeCount(const std::string& parent, const std::string& child) const {
  auto it = edgeCounts_.find({parent, child});
  return it == edgeCounts_.end() ? 0 : it->second;
}

void JobGraph::setEdgeCount(const std::string& parent, const std::string& child, int64_t count) {
  auto it = edgeCounts_.find({parent, child});
  if (it != edgeCounts_.end()) it->second = count;
}

Result<std::vector<std::string>> JobGraph::remove(const std::string& name) {
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return Error("job '" + name + "' does not exist");
  const Job gone = it->second;
  const std::vector<std::string> changed = children(name);
  for (const std::string& childName : changed) {
    Job& child = jobs_.at(childName);
    std::map<Edge, int64_t> kept;
    for (const std::string& parent : child.parents) kept[{parent, childName}] = edgeCount(parent, childName);
    unlink(child);
    std::erase(child.parents, name);
    // The deleted job's parents are ancestors of the child: no cycle.
    for (const std::string& inherited : gone.parents) {
      if (std::find(child.parents.begin(), child.parents.end(), inherited) == child.parents.end()) {
        child.parents.push_back(inherited);
      }
    }
    if (child.parents.empty()) {
      child.schedule = gone.schedule;
      child.scheduleTimeZone = gone.scheduleTimeZone;
    }
    link(child, kept);
  }
  unlink(gone);
  children_.erase(name);
  jobs_.erase(name);
  return changed;
}

}  // namespace tepui::jobs
