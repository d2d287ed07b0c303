// Service ports, as Marathon assigns them: a port definition sent with
// port 0 gets a service port of its own from [kServicePortMin,
// kServicePortMax), so that load balancers and service discovery
// (marathon-lb and the like, reading /v2/apps or /v2/tasks) can tell apps
// apart by port. The host port an instance binds stays random unless the
// app has requirePorts (then it is the service port itself).
//
// Contract (assignServicePorts is a pure function of the trees):
// - Only port definitions of `target` with port 0 change. An app that
//   exists in `before` keeps the service port its definition at the same
//   index had there (so re-sending port 0 is no change and restarts
//   nothing); otherwise the lowest port in the range that no app of
//   `target` uses (as a service port or a required port) is taken.
// - When the range is used up, the definition keeps port 0 and its path is
//   returned, for a 422 ("/apps/<id>/portDefinitions(i)/port").
#pragma once

#include <string>
#include <vector>

#include "services/group.hpp"

namespace tepui::services {

inline constexpr int64_t kServicePortMin = 10000;
inline constexpr int64_t kServicePortMax = 20000;

std::vector<std::string> assignServicePorts(const Group& before, Group& target);

}  // namespace tepui::services
