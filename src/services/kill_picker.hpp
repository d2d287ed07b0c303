// The kill picker convergence uses (convergence.hpp's KillPicker) for an
// app: selectToKill (kill_selection.hpp) over the instances convergence
// hands it, by the app's killSelection and GROUP_BY constraints, with each
// instance's agent facts taken from the ClusterView (an agent the view does
// not know is taken as its id and hostname alone).
//
// The picker refers to `view`, which must outlive it.
#pragma once

#include <vector>

#include "services/constraints.hpp"
#include "services/convergence.hpp"
#include "services/instance.hpp"
#include "services/kill_selection.hpp"
#include "services/placement.hpp"

namespace tepui::services {

// What kill selection needs of an instance: its phase (scheduled,
// unreachable, staging, starting, running; any other live state counts as
// staging), its age (since it started running, else since it was staged or
// became unreachable) and its agent.
KillCandidate killCandidate(const Instance& instance, const ClusterView& view);

KillPicker killPicker(bool oldestFirst, std::vector<Constraint> constraints, const ClusterView& view);

}  // namespace tepui::services
