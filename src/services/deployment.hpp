// A deployment as the services scheduler runs it: the plan's ordered steps
// (deployment_plan.hpp makes them), the step in progress, the affected
// apps as they were before (for the steps not reached yet and for a
// rollback), the progress deadline, and how it ended.
//
// Its record in the services' store (deploymentToRecord/
// deploymentFromRecord round-trip every field) holds only the affected
// apps, never whole trees, so that records stay small however large the
// tree. Its API form is planToJson()'s entry of GET /v2/deployments, which
// Tepui extends with `status` ("running", "succeeded", "failed",
// "canceled"), `message`, and the rollback's id, so that a script can wait
// on GET /v2/deployments/{id} for the result.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "services/app.hpp"
#include "services/deployment_plan.hpp"

namespace tepui::services {

struct Deployment {
  std::string id;
  std::string version;
  std::vector<PathId> affectedApps;
  std::vector<DeploymentStep> steps;
  size_t currentStep = 0;                         // index of the step in progress (steps.size() once all are done)
  std::map<std::string, AppDefinition> original;  // affected apps before it (absent: new apps)
  std::string status = "running";                 // running, succeeded, failed, canceled
  std::string message;                            // why it failed or was canceled
  double startedAt = 0, lastProgressAt = 0, endedAt = 0;
  std::optional<double> progressDeadlineSeconds;
  bool rollbackOnFailure = false;
  std::optional<std::string> rollbackId;  // the deployment that took the apps back
  std::optional<std::string> revertsId;   // the deployment this one takes back
  std::string progress;                   // what the apps looked like at lastProgressAt

  // From a plan: its steps and affected apps, their definitions in the
  // plan's original tree, the tightest progress deadline of the target's
  // affected apps (rolled back if any of them asks).
  static Deployment of(const DeploymentPlan& plan, double now);

  // The index of the last step that acts on `app` (a new app is started
  // early at 0 instances, and scaled in its own step), if one does.
  std::optional<size_t> stepOf(const std::string& app) const;
  bool running() const { return status == "running"; }
};

boost::json::object deploymentToRecord(const Deployment& d);
Result<Deployment> deploymentFromRecord(const boost::json::value& record);

// The GET /v2/deployments entry, with `currentActions` of the step in
// progress as the scheduler describes them.
boost::json::value deploymentToJson(const Deployment& d, const boost::json::array& currentActions);

}  // namespace tepui::services
