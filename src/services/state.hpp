// The collections of `tepui services`' durable state, a frameworks::Repository
// (frameworks/repository.hpp): apps (versioned: every app's current
// definition, its versions under "versions", as many as --max_versions),
// groups (each also versioned in "group_history": its record and its
// members' versions at each of its versions, as many as --max_versions),
// deployments and instances.
#pragma once

#include <cstddef>

#include "frameworks/repository.hpp"

namespace tepui::services {

using frameworks::Repository;

inline constexpr char kApps[] = "apps";
inline constexpr char kGroups[] = "groups";
inline constexpr char kDeployments[] = "deployments";
inline constexpr char kInstances[] = "instances";
inline constexpr char kGroupHistory[] = "group_history";

// The repository's layout for these collections.
inline frameworks::RepositoryOptions repositoryOptions(size_t maxVersions) {
  return {.versioned = {{kApps, {"versions", maxVersions}}, {kGroupHistory, {"group_versions", maxVersions}}}};
}

}  // namespace tepui::services
