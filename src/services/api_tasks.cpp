// The services API: /v2/tasks, /v2/tasks/delete and /v2/queue (api.hpp).
#include <algorithm>
#include <boost/json.hpp>

#include "common/iso_time.hpp"
#include "services/api_internal.hpp"
#include "services/app_json.hpp"

namespace tepui::services::api {

namespace bj = boost::json;

namespace {

// GET /v2/tasks as text/plain, the form load-balancer scripts read: per app
// and service port (its port definitions), "<app id with '/' as '_'>\t<service
// port>\t" then "<host>:<host port>\t" per task, one line each; an app
// without ports gets one line with a blank port and the tasks' hosts.
template <class Wanted>
std::string endpointsText(AppScheduler& s, const Wanted& wanted) {
  std::map<std::string, std::vector<const Instance*>> byApp;
  for (auto& [id, i] : s.instances()) {
    if (!i.scheduled && wanted(i)) byApp[i.appId].push_back(&i);
  }
  std::string out;
  for (auto& [appId, tasks] : byApp) {
    std::string name = appId.substr(appId.starts_with("/") ? 1 : 0);
    std::replace(name.begin(), name.end(), '/', '_');
    const AppDefinition* app = s.app(appId);
    if (!app) continue;  // being removed
    if (app->portDefinitions.empty()) {
      out += name + "\t \t";
      for (const Instance* i : tasks) out += i->host + "\t";
      out += "\n";
    }
    for (size_t k = 0; k < app->portDefinitions.size(); ++k) {
      out += name + "\t" + std::to_string(app->portDefinitions[k].port) + "\t";
      for (const Instance* i : tasks) {
        if (k < i->ports.size()) out += i->host + ":" + std::to_string(i->ports[k]) + "\t";
      }
      out += "\n";
    }
  }
  return out;
}

void listTasks(AppScheduler& s, http::Request& r, http::Responder p) {
  auto statuses = http::queryValues(r.target, "status");
  auto wanted = [&](const Instance& i) {
    if (statuses.empty()) return true;
    for (auto& st : statuses) {
      if (st == "running" && i.running()) return true;
      if (st == "staging" && (i.state == v1::TASK_STAGING || i.state == v1::TASK_STARTING)) return true;
    }
    return false;
  };
  auto accept = r.header("Accept");
  if (accept && accept->find("text/plain") != std::string::npos && accept->find("json") == std::string::npos) {
    return p.respond(http::Response::text(200, endpointsText(s, wanted)));
  }
  bj::array tasks;
  for (auto& [id, i] : s.instances()) {
    if (!i.scheduled && wanted(i)) tasks.push_back(toTaskJson(i));
  }
  p.respond(json(200, bj::object{{"tasks", std::move(tasks)}}));
}

// POST /v2/tasks/delete {"ids": [...]}, with scale=true: each app loses as
// many instances as it has tasks killed (one deployment for all).
void deleteTasks(AppScheduler& s, http::Request& r, http::Responder p) {
  auto doc = body(r, p);
  if (!doc) return;
  ValidationErrors errors;
  std::vector<std::string> ids;
  auto* list = doc->is_object() ? doc->as_object().if_contains("ids") : nullptr;
  if (!list || !list->is_array()) {
    errors.add("/ids", "expected an array of task ids");
  } else {
    for (size_t k = 0; k < list->as_array().size(); ++k) {
      auto& v = list->as_array()[k];
      if (!v.is_string()) {
        errors.add(indexPath("/ids", k), "expected a task id");
      } else {
        ids.emplace_back(v.as_string());
      }
    }
  }
  if (!errors.empty()) return p.respond(invalid(errors));
  std::map<std::string, int64_t> perApp;
  std::vector<std::string> kill;
  for (auto& id : ids) {
    auto it = s.instances().find(id);
    if (it == s.instances().end() || it->second.goal != Instance::Goal::RUNNING) continue;
    perApp[it->second.appId]++;
    kill.push_back(id);
  }
  if (queryFlag(r, "scale")) {
    std::vector<AppDefinition> scaled;
    for (auto& [app, n] : perApp) {
      if (const AppDefinition* a = s.app(app)) {
        scaled.push_back(*a);
        scaled.back().instances = std::max<int64_t>(0, a->instances - n);
      }
    }
    return change(s, std::move(p),
                  [scaled](const Group& root) -> Validated<Group> {
                    Group target = root;
                    for (auto& a : scaled) (void)putApp(target, a);
                    return target;
                  },
                  {.force = true, .kill = kill});
  }
  auto answer = std::make_shared<http::Responder>(std::move(p));
  s.killInstances(kill, queryFlag(r, "wipe"), [answer](const Status& st) {
    if (!st) return answer->respond(message(503, st.error().message));
    answer->respond(http::Response::empty(200));
  });
}

void queue(AppScheduler& s, http::Request& r, http::Responder p) {
  if (r.method != "GET") return p.respond(http::Response::methodNotAllowed("GET", r.method));
  std::map<std::string, std::pair<int64_t, double>> waiting;  // app -> count, since
  for (auto& [id, i] : s.instances()) {
    if (!i.scheduled || i.goal != Instance::Goal::RUNNING) continue;
    auto& w = waiting[i.appId];
    w.second = w.first == 0 ? i.stagedAt : std::min(w.second, i.stagedAt);
    w.first++;
  }
  bj::array out;
  double now = s.now();
  for (auto& [appId, w] : waiting) {
    const AppDefinition* app = s.app(appId);
    if (!app) continue;
    bj::object entry;
    entry["app"] = appToJson(*app);
    entry["count"] = w.first;
    entry["role"] = app->role.value_or("*");
    entry["since"] = iso_time::format(w.second);
    auto delay = s.delay(appId);
    double left = delay ? std::max(0.0, delay->deadline - now) : 0;
    entry["delay"] = bj::object{{"timeLeftSeconds", static_cast<int64_t>(std::ceil(left))}, {"overdue", left <= 0}};
    bj::object summary;
    if (const OfferStats* stats = s.offerStats(appId)) {
      summary["processedOffersCount"] = stats->processed;
      summary["unusedOffersCount"] = stats->unused;
      if (stats->lastUnusedAt) summary["lastUnusedOfferAt"] = iso_time::format(*stats->lastUnusedAt);
      bj::array reasons;
      for (auto& [reason, n] : stats->rejected) reasons.push_back(bj::object{{"reason", reason}, {"declined", n}});
      summary["rejectSummaryLastOffers"] = reasons;
    }
    entry["processedOffersSummary"] = std::move(summary);
    out.push_back(std::move(entry));
  }
  p.respond(json(200, bj::object{{"queue", std::move(out)}}));
}

}  // namespace

void tasksRoutes(Services& daemon, SchedulerRef scheduler) {
  auto guard = [scheduler](Serve serve) { return withScheduler(scheduler, std::move(serve)); };
  daemon.route("/v2/tasks", guard([](AppScheduler& s, http::Request& r, http::Responder p) {
                 if (r.method != "GET") return p.respond(http::Response::methodNotAllowed("GET", r.method));
                 listTasks(s, r, std::move(p));
               }));
  daemon.route("/v2/tasks/delete", guard([](AppScheduler& s, http::Request& r, http::Responder p) {
                 if (r.method != "POST") return p.respond(http::Response::methodNotAllowed("POST", r.method));
                 deleteTasks(s, r, std::move(p));
               }));
  daemon.route("/v2/queue", guard(queue));
  daemon.routePrefix("/v2/queue/", guard([](AppScheduler& s, http::Request& r, http::Responder p) {
                       std::string rest = r.path.substr(std::string("/v2/queue").size());
                       if (!rest.ends_with("/delay") || r.method != "DELETE") {
                         return p.respond(message(404, "no such endpoint: " + r.method + " " + r.path));
                       }
                       auto id = appIdOf(rest.substr(0, rest.size() - std::string("/delay").size()));
                       if (!id || !s.app(id->toString()))
                         return p.respond(message(404, "App '" + rest + "' does not exist"));
                       s.resetDelay(id->toString());
                       p.respond(http::Response::empty(204));
                     }));
}

}  // namespace tepui::services::api
