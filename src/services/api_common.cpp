// The services API's shared pieces (api_internal.hpp) and installScheduler.
#include <boost/json.hpp>

#include "common/iso_time.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "services/api.hpp"
#include "services/api_internal.hpp"
#include "services/app_json.hpp"
#include "services/app_update.hpp"
#include "services/constraints.hpp"
#include "services/group_update.hpp"
#include "services/service_ports.hpp"
#include "services/task_builder.hpp"
#include "services/task_stats.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace api {

http::Response json(int status, const bj::value& body) { return http::Response::json(status, json::serialize(body)); }

http::Response message(int status, const std::string& text) { return json(status, bj::object{{"message", text}}); }

http::Response invalid(const ValidationErrors& errors) { return json(422, errors.toJson()); }

http::Handler withScheduler(SchedulerRef scheduler, Serve serve) {
  return [scheduler = std::move(scheduler), serve = std::move(serve)](http::Request& r, http::Responder p) {
    AppScheduler* s = scheduler();
    if (!s) return p.respond(message(503, "the services scheduler is not running"));
    serve(*s, r, std::move(p));
  };
}

std::optional<bj::value> body(const http::Request& request, http::Responder& responder) {
  bj::error_code ec;
  bj::value v = bj::parse(request.body, ec);
  if (ec) {
    responder.respond(message(400, "the body is not valid JSON: " + ec.message()));
    return std::nullopt;
  }
  return v;
}

bool queryFlag(const http::Request& request, const std::string& name, bool otherwise) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return otherwise;
  return it->second.empty() || it->second == "true" || it->second == "1";
}

bj::value appJson(const AppScheduler& s, const AppDefinition& app, const std::vector<std::string>& embed) {
  auto wants = [&](const std::string& what) {
    for (auto& e : embed) {
      if (e == "apps." + what || e == "app." + what) return true;
    }
    return false;
  };
  bj::value out = appToJson(app);
  bj::object& o = out.as_object();
  const std::string id = app.id.toString();
  auto instances = s.instancesOf(id);
  int64_t staged = 0, running = 0, healthy = 0, unhealthy = 0;
  bj::array tasks, readiness;
  for (const Instance* i : instances) {
    if (i->scheduled) continue;
    if (i->state == v1::TASK_STAGING || i->state == v1::TASK_STARTING) staged++;
    if (i->running()) running++;
    if (i->health.alive == true) healthy++;
    if (i->health.alive == false) unhealthy++;
    tasks.push_back(toTaskJson(*i));
    if (!app.readinessChecks.empty() && i->running()) {
      readiness.push_back(bj::object{{"name", app.readinessChecks.front().name},
                                     {"taskId", i->id},
                                     {"ready", i->ready},
                                     {"lastResponse", nullptr}});
    }
  }
  o["tasksStaged"] = staged;
  o["tasksRunning"] = running;
  o["tasksHealthy"] = healthy;
  o["tasksUnhealthy"] = unhealthy;
  bj::array deployments;
  for (auto& d : s.conflicts({id})) deployments.push_back(bj::object{{"id", d}});
  o["deployments"] = std::move(deployments);
  if (wants("tasks")) o["tasks"] = std::move(tasks);
  if (wants("readiness")) o["readinessCheckResults"] = std::move(readiness);
  if (wants("taskStats")) o["taskStats"] = taskStatsJson(app, instances, s.now());
  if (wants("lastTaskFailure")) {
    if (const TaskFailure* f = s.lastFailure(id)) {
      o["lastTaskFailure"] =
          bj::object{{"appId", f->appId},     {"host", f->host},      {"message", f->message},
                     {"state", f->state},     {"taskId", f->taskId},  {"timestamp", iso_time::format(f->timestamp)},
                     {"version", f->version}, {"slaveId", f->agentId}};
    }
  }
  return out;
}

bj::array versionsNewestFirst(const Repository& repository, const std::string& collection, const std::string& id) {
  auto all = repository.versions(collection, id);
  bj::array out;
  for (auto it = all.rbegin(); it != all.rend(); ++it) out.emplace_back(*it);
  return out;
}

std::optional<PathId> appIdOf(const std::string& rest) {
  auto id = PathId::parse(rest.empty() ? "/" : rest);
  if (!id || id->isRoot()) return std::nullopt;
  return *id;
}

void change(AppScheduler& s, http::Responder responder, std::function<Validated<Group>(const Group&)> makeTarget,
            ChangeOptions options) {
  const Group& root = s.root();
  auto target = makeTarget(root);
  if (!target) return responder.respond(invalid(target.errors()));
  if (auto errors = validateTree(target.value()); !errors.empty()) return responder.respond(invalid(errors));
  ValidationErrors unsupported;
  for (const AppDefinition* a : allApps(target.value())) {
    const AppDefinition* before = findApp(root, a->id);
    if (before && *before == *a) continue;
    for (auto& [path, why] : unsupportedAppFeatures(*a)) unsupported.add(path, why);
    for (auto& [index, why] : parseConstraints(a->constraints).problems) {
      unsupported.add(indexPath("/constraints", index), why);
    }
  }
  if (!unsupported.empty()) return responder.respond(invalid(unsupported));
  std::string version = iso_time::format(s.now());
  Group stamped = std::move(target.value());
  if (auto full = assignServicePorts(root, stamped); !full.empty()) {
    ValidationErrors e;
    for (auto& path : full) e.add(path, "no service port left in [10000, 20000)");
    return responder.respond(invalid(e));
  }
  if (options.restart) {
    if (AppDefinition* a = const_cast<AppDefinition*>(findApp(stamped, *options.restart))) {
      const AppDefinition* before = findApp(root, *options.restart);
      *a = stampVersion(before, *a, version, true);
    }
  }
  stamped = stampVersions(root, std::move(stamped), version);
  DeploymentPlan plan = planDeployment(root, stamped, version);
  if (options.dryRun) {
    bj::array steps;
    for (auto& step : plan.steps) {
      bj::array actions;
      for (auto& a : step.actions) actions.push_back(actionToJson(a));
      steps.push_back(bj::object{{"actions", std::move(actions)}});
    }
    return responder.respond(json(200, bj::object{{"steps", std::move(steps)}}));
  }
  std::vector<std::string> affected;
  for (auto& id : plan.affectedApps) affected.push_back(id.toString());
  auto conflicting = s.conflicts(affected);
  if (!conflicting.empty() && !options.force) {
    bj::array ids;
    for (auto& d : conflicting) ids.push_back(bj::object{{"id", d}});
    return responder.respond(
        json(409, bj::object{{"message",
                              "App is locked by one or more deployments. Override with the "
                              "option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'."},
                             {"deployments", std::move(ids)}}));
  }
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  std::string id = plan.id;
  auto respond = [answer, id, version, options](const Status& st) {
    if (!st) return answer->respond(message(503, "the change could not be stored: " + st.error().message));
    bj::value body = options.answer ? options.answer(id, version)
                                    : bj::value(bj::object{{"deploymentId", id}, {"version", version}});
    auto r = json(options.status, body);
    r.headers["Marathon-Deployment-Id"] = id;
    answer->respond(std::move(r));
  };
  if (!options.kill.empty()) {
    s.killInstances(options.kill, false, [](const Status&) {});
  }
  s.deploy(std::move(stamped), plan, respond);
}

}  // namespace api

void installScheduler(Services& daemon, boost::asio::io_context& io, SchedulerOptions options) {
  auto current = std::make_shared<std::unique_ptr<AppScheduler>>();
  daemon.onLeadership(
      [&io, current, options](Leader& leader) {
        auto scheduler = std::make_unique<AppScheduler>(io, leader, options);
        if (auto s = scheduler->start(); !s) {
          TLOG(ERROR) << "The services scheduler cannot start: " << s.error().message;
          return;
        }
        *current = std::move(scheduler);
      },
      [current] { current->reset(); });
  api::SchedulerRef ref = [current] { return current->get(); };
  api::appsRoutes(daemon, ref);
  api::groupsRoutes(daemon, ref);
  api::deploymentsRoutes(daemon, ref);
  api::tasksRoutes(daemon, ref);
}

}  // namespace tepui::services
