// Building the TaskInfo that launches one instance of an app on an offer:
// the app's command (cmd through the shell, or args as argv), the
// resources the offer match took, the environment Marathon-compatible apps
// expect (task_env.hpp), fetch URIs, user, labels, the kill grace period,
// the DiscoveryInfo naming its ports, and its checks:
//
// - Health: an app's only health check, whatever its protocol, runs on the
//   agent, in the task's executor, as the task's Mesos health check. HTTP
//   and TCP (which a Marathon-compatible scheduler ran itself) become
//   MESOS_HTTP/MESOS_TCP checks, with their meaning of
//   maxConsecutiveFailures 0 kept: never kill. A check's port is the task's
//   host port at portIndex, or `port`. An app with several checks (all
//   HTTP or TCP) gets none in its tasks: the services leader probes them
//   (schedulerProbes(), health_prober.hpp).
// - Readiness: the app's readiness check becomes the task's HTTP CheckInfo,
//   whose status codes the executor reports in TaskStatus.check_status; the
//   scheduler compares them with httpStatusCodesForReady.
//
// The TaskInfo's name is the app id reversed with dots, as a host name
// ("/product/web" -> "web.product").
#pragma once

#include <string>

#include "common/result.hpp"
#include "services/app.hpp"
#include "services/offer_match.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::services {

struct TaskBuild {
  std::string taskId;
  std::string defaultUser;  // when the app names none ("" : the agent's)
  std::string envPrefix;    // before PORT* and HOST
};

v1::TaskInfo buildTask(const AppDefinition& app, const v1::Offer& offer, const OfferMatch& match,
                       const TaskBuild& build);

// What Tepui cannot run of an otherwise valid app, as the 422 details of
// a Marathon-compatible validation error (path and message), or nothing.
// (HTTPS checks: nothing in Tepui speaks TLS to probe them.)
std::vector<std::pair<std::string, std::string>> unsupportedAppFeatures(const AppDefinition& app);

// "/product/web" -> "web.product"
std::string taskName(const PathId& appId);

}  // namespace tepui::services
