// The services scheduler's REST API (Marathon-compatible, under /v2) and
// its wiring into the daemon: installScheduler() makes every leadership
// term run an AppScheduler and serves, on the leader:
//   /v2/apps[...]        list (filters cmd, id, label; embed), create, bulk
//                        update, get, replace/patch, delete, restart, tasks
//                        (list, kill with host/scale), versions
//   /v2/groups[...]      get with embed, create, update (scaleBy, dryRun),
//                        delete
//   /v2/deployments[...] list, get one (Tepui: finished ones too, with their
//                        result), cancel (rollback, or force)
//   /v2/tasks, /v2/tasks/delete, /v2/queue, /v2/queue/{app}/delay
// Every change is a deployment: 200/201 with {deploymentId, version} and a
// Marathon-Deployment-Id header; 422 with Marathon's shape for an invalid
// definition; 409 while another deployment holds an app (unless
// force=true); 404 for unknown ids; 400 for a body that is not JSON.
#pragma once

#include <boost/asio/io_context.hpp>

#include "services/app_scheduler.hpp"
#include "services/services.hpp"

namespace tepui::services {

void installScheduler(Services& daemon, boost::asio::io_context& io, SchedulerOptions options);

}  // namespace tepui::services
