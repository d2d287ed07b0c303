#include "services/group_dependencies.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace tepui::services {

namespace {

// The apps `id` stands for: the app with that id, or every app below the
// group with that id.
std::vector<PathId> appsNamedBy(const Group& root, const PathId& id) {
  if (const AppDefinition* app = findApp(root, id)) return {app->id};
  std::vector<PathId> out;
  if (const Group* group = findGroup(root, id)) {
    for (const AppDefinition* app : allApps(*group)) out.push_back(app->id);
  }
  return out;
}

void addEdges(const Group& root, const Group& group, std::vector<PathId> inherited, DependencyGraph* graph) {
  inherited.insert(inherited.end(), group.dependencies.begin(), group.dependencies.end());
  for (const auto& [id, app] : group.apps) {
    std::set<PathId>& deps = (*graph)[id];
    for (const std::vector<PathId>* list : {&std::as_const(inherited), &app.dependencies}) {
      for (const PathId& dep : *list) {
        for (PathId& target : appsNamedBy(root, dep)) deps.insert(std::move(target));
      }
    }
  }
  for (const Group& g : group.groups) addEdges(root, g, inherited, graph);
}

}  // namespace

DependencyGraph dependencyGraph(const Group& root) {
  DependencyGraph graph;
  addEdges(root, root, {}, &graph);
  return graph;
}

std::set<PathId> transitiveDependencies(const DependencyGraph& graph, const PathId& app) {
  std::set<PathId> out;
  std::vector<PathId> todo = {app};
  while (!todo.empty()) {
    PathId next = todo.back();
    todo.pop_back();
    auto it = graph.find(next);
    if (it == graph.end()) continue;
    for (const PathId& dep : it->second) {
      if (out.insert(dep).second) todo.push_back(dep);
    }
  }
  return out;
}

std::set<PathId> transitiveDependencies(const Group& root, const PathId& app) {
  return transitiveDependencies(dependencyGraph(root), app);
}

std::optional<std::vector<PathId>> findCycle(const DependencyGraph& graph) {
  enum class Mark { kNew, kOnPath, kDone };
  std::map<PathId, Mark> marks;
  std::vector<PathId> path;
  std::function<std::optional<std::vector<PathId>>(const PathId&)> visit = [&](const PathId& id) {
    std::optional<std::vector<PathId>> cycle;
    Mark& mark = marks[id];
    if (mark == Mark::kDone) return cycle;
    if (mark == Mark::kOnPath) {
      auto from = std::find(path.begin(), path.end(), id);
      cycle.emplace(from, path.end());
      cycle->push_back(id);
      return cycle;
    }
    mark = Mark::kOnPath;
    path.push_back(id);
    if (auto it = graph.find(id); it != graph.end()) {
      for (const PathId& dep : it->second) {
        if ((cycle = visit(dep))) return cycle;
      }
    }
    path.pop_back();
    marks[id] = Mark::kDone;
    return cycle;
  };
  for (const auto& [id, deps] : graph) {
    if (auto cycle = visit(id)) return cycle;
  }
  return std::nullopt;
}

std::map<PathId, int> dependencyLayers(const DependencyGraph& graph) {
  std::map<PathId, int> layers;
  std::set<PathId> visiting;  // guards against cycles, which callers refuse first
  std::function<int(const PathId&)> layerOf = [&](const PathId& id) {
    if (auto known = layers.find(id); known != layers.end()) return known->second;
    if (!visiting.insert(id).second) return 0;
    int layer = 0;
    if (auto it = graph.find(id); it != graph.end()) {
      for (const PathId& dep : it->second) layer = std::max(layer, layerOf(dep) + 1);
    }
    layers[id] = layer;
    return layer;
  };
  for (const auto& [id, deps] : graph) layerOf(id);
  return layers;
}

}  // namespace tepui::services
