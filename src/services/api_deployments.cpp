// The services API: /v2/deployments (api.hpp).
#include <boost/json.hpp>

#include "services/api_internal.hpp"

namespace tepui::services::api {

namespace bj = boost::json;

namespace {

bj::array currentActions(const AppScheduler& s, const Deployment& d) {
  bj::array out;
  if (!d.running() || d.currentStep >= d.steps.size()) return out;
  for (auto& a : d.steps[d.currentStep].actions) {
    bj::object action = actionToJson(a).as_object();
    bj::array readiness;
    const AppDefinition* app = s.app(a.app.toString());
    if (app && !app->readinessChecks.empty()) {
      for (const Instance* i : s.instancesOf(a.app.toString())) {
        if (i->running() && i->configVersion == app->versionInfo.lastConfigChangeAt) {
          readiness.push_back(bj::object{{"name", app->readinessChecks.front().name},
                                         {"taskId", i->id},
                                         {"ready", i->ready},
                                         {"lastResponse", nullptr}});
        }
      }
    }
    action["readinessCheckResults"] = std::move(readiness);
    out.push_back(std::move(action));
  }
  return out;
}

void serve(AppScheduler& s, http::Request& r, http::Responder p) {
  std::string id = r.path.size() > std::string("/v2/deployments/").size()
                       ? r.path.substr(std::string("/v2/deployments/").size())
                       : "";
  if (id.empty()) {
    if (r.method != "GET") return p.respond(http::Response::methodNotAllowed("GET", r.method));
    bj::array list;
    for (auto& [_, d] : s.deployments()) list.push_back(deploymentToJson(d, currentActions(s, d)));
    return p.respond(json(200, list));
  }
  const Deployment* d = s.deployment(id);
  if (!d) return p.respond(message(404, "DeploymentPlan " + id + " does not exist"));
  if (r.method == "GET") return p.respond(json(200, deploymentToJson(*d, currentActions(s, *d))));
  if (r.method != "DELETE") return p.respond(http::Response::methodNotAllowed("GET, DELETE", r.method));
  if (!d->running()) return p.respond(message(409, "deployment " + id + " has ended: " + d->status));
  bool force = queryFlag(r, "force");
  auto answer = std::make_shared<http::Responder>(std::move(p));
  s.cancel(id, force, [answer, force](Result<AppScheduler::Rollback> rollback) {
    if (!rollback) return answer->respond(message(503, rollback.error().message));
    if (force || rollback->id.empty()) return answer->respond(http::Response::empty(202));
    auto response = json(200, bj::object{{"deploymentId", rollback->id}, {"version", rollback->version}});
    response.headers["Marathon-Deployment-Id"] = rollback->id;
    answer->respond(std::move(response));
  });
}

}  // namespace

void deploymentsRoutes(Services& daemon, SchedulerRef scheduler) {
  auto handler = withScheduler(scheduler, serve);
  daemon.route("/v2/deployments", handler);
  daemon.routePrefix("/v2/deployments/", handler);
}

}  // namespace tepui::services::api
