// The collections of `tepui services`' durable state, a frameworks::Repository
// (frameworks/repository.hpp): apps (versioned: every app's current
// definition, its versions under "versions", as many as --max_versions),
// groups, deployments and instances.
#pragma once

#include <cstddef>

#include "frameworks/repository.hpp"

namespace tepui::services {

using frameworks::Repository;

inline constexpr char kApps[] = "apps";
inline constexpr char kGroups[] = "groups";
inline constexpr char kDeployments[] = "deployments";
inline constexpr char kInstances[] = "instances";

// The repository's layout for these collections.
inline frameworks::RepositoryOptions repositoryOptions(size_t maxVersions) {
  return {.versioned = {{kApps, {"versions", maxVersions}}}};
}

}  // namespace tepui::services
