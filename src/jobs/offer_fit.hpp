// Whether a job's run fits an offer, as a Chronos-compatible scheduler
// decides it:
//   - resources: cpus, mem and disk from the offer's resources reserved to
//     the framework's role first, then unreserved ones ("*"); revocable,
//     shared and non-root disk resources are never taken. The resources
//     taken are returned as offered (allocation and reservations kept) with
//     the quantity taken, ready for TaskInfo.resources. Amounts are
//     compared in Mesos's 0.001 steps.
//   - constraints: [attribute, EQUALS|LIKE|UNLIKE, value] over the offer's
//     attributes, plus "hostname" (the offer's hostname) unless the agent
//     declares an attribute of that name. As Chronos: the first attribute
//     of the name counts; a missing attribute fails every operator (UNLIKE
//     too); EQUALS compares a text value (a scalar in its text form, "4",
//     "0.5"); LIKE / UNLIKE match the whole value against the regular
//     expression, for a set any item (LIKE) or no item (UNLIKE); ranges
//     never match. Scalars are written without trailing zeros ("4", where
//     Chronos's JVM wrote "4.0").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/resources.hpp"
#include "jobs/job.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::jobs {

struct TaskNeeds {
  double cpus = 0;
  double mem = 0;
  double disk = 0;
};

// What a task needing `needs` takes from `available` (what is left of an
// offer), or none when it does not fit.
std::optional<std::vector<v1::Resource>> takeResources(const Resources& available, const TaskNeeds& needs,
                                                       const std::string& role);

bool constraintsMatch(const std::vector<Constraint>& constraints, const v1::Offer& offer);

}  // namespace tepui::jobs
