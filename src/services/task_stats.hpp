// An app's task statistics, the `taskStats` that GET /v2/apps?embed=
// apps.taskStats (or app.taskStats) adds, in Marathon's shape:
//   {"startedAfterLastScaling" | "withLatestConfig" | "withOutdatedConfig" |
//    "totalSummary": {"stats": {"counts": {staged, running, healthy,
//    unhealthy}, "lifeTime": {averageSeconds, medianSeconds}}}}
// Contract (a pure function):
// - The instances counted are those launched (scheduled ones have no task)
//   and not ended. A category with no instance is left out; lifeTime is
//   left out when none of its instances has started running.
// - startedAfterLastScaling: staged at or after the app's lastScalingAt;
//   withLatestConfig: launched with the app's current configuration
//   (configVersion == lastConfigChangeAt); withOutdatedConfig: the others.
// - lifeTime: seconds since each instance first ran, at `now` (epoch
//   seconds); the median of an even count is the mean of the middle two.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "services/app.hpp"
#include "services/instance.hpp"

namespace tepui::services {

boost::json::object taskStatsJson(const AppDefinition& app, const std::vector<const Instance*>& instances, double now);

}  // namespace tepui::services
