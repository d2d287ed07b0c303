// Dependencies between the apps of a services tree. An app depends on the
// ids in its own `dependencies` and in those of every group above it (a
// group's dependencies are inherited by the apps below it). A dependency id
// naming an app means that app; naming a group, every app below that group;
// naming nothing in the tree, nothing (it orders nothing). Pure functions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "services/group.hpp"

namespace tepui::services {

// App id -> the ids of the apps it depends on directly (after group
// inheritance and group expansion). Every app of the tree is a key.
using DependencyGraph = std::map<PathId, std::set<PathId>>;

DependencyGraph dependencyGraph(const Group& root);

// Every app `app` depends on, directly or not (never `app` itself unless it
// is on a cycle).
std::set<PathId> transitiveDependencies(const DependencyGraph& graph, const PathId& app);
// The same for the tree `root` (builds its graph; callers asking about many
// apps build the graph once instead).
std::set<PathId> transitiveDependencies(const Group& root, const PathId& app);

// A cycle as the ids along it, first repeated last ("/a -> /b -> /a"), or
// nullopt when the graph has none.
std::optional<std::vector<PathId>> findCycle(const DependencyGraph& graph);

// For an acyclic graph: each app's layer, the length of its longest chain
// of dependencies (0 for an app that depends on nothing). Dependencies
// always sit in lower layers than their dependents.
std::map<PathId, int> dependencyLayers(const DependencyGraph& graph);

}  // namespace tepui::services
