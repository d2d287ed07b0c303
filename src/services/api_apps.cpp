// The services API: /v2/apps and everything below it (api.hpp).
#include <boost/json.hpp>

#include "services/api_internal.hpp"
#include "services/app_json.hpp"
#include "services/app_update.hpp"
#include "services/state.hpp"

namespace tepui::services::api {

namespace bj = boost::json;

namespace {

// GET /v2/apps's label selector: "k", "k==v", "k!=v", "k in (a,b)",
// "k notin (a,b)", joined by commas (AND).
bool labelsMatch(const std::map<std::string, std::string>& labels, const std::string& selector) {
  size_t pos = 0;
  while (pos < selector.size()) {
    // A comma inside parentheses belongs to the set.
    size_t end = pos;
    int depth = 0;
    while (end < selector.size() && (selector[end] != ',' || depth > 0)) {
      if (selector[end] == '(') depth++;
      if (selector[end] == ')') depth--;
      end++;
    }
    std::string term = selector.substr(pos, end - pos);
    pos = end + 1;
    auto trim = [](std::string s) {
      while (!s.empty() && s.front() == ' ') s.erase(s.begin());
      while (!s.empty() && s.back() == ' ') s.pop_back();
      return s;
    };
    term = trim(term);
    if (term.empty()) continue;
    auto setOf = [&](size_t open) {
      std::set<std::string> out;
      auto close = term.find(')', open);
      std::string inner = term.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
      size_t p = 0;
      while (p <= inner.size()) {
        auto c = inner.find(',', p);
        out.insert(trim(inner.substr(p, c == std::string::npos ? std::string::npos : c - p)));
        if (c == std::string::npos) break;
        p = c + 1;
      }
      return out;
    };
    if (auto op = term.find("!="); op != std::string::npos) {
      auto it = labels.find(trim(term.substr(0, op)));
      if (it != labels.end() && it->second == trim(term.substr(op + 2))) return false;
    } else if (auto op2 = term.find("=="); op2 != std::string::npos) {
      auto it = labels.find(trim(term.substr(0, op2)));
      if (it == labels.end() || it->second != trim(term.substr(op2 + 2))) return false;
    } else if (auto notin = term.find(" notin "); notin != std::string::npos) {
      auto it = labels.find(trim(term.substr(0, notin)));
      if (it != labels.end() && setOf(term.find('(')).contains(it->second)) return false;
    } else if (auto in = term.find(" in "); in != std::string::npos) {
      auto it = labels.find(trim(term.substr(0, in)));
      if (it == labels.end() || !setOf(term.find('(')).contains(it->second)) return false;
    } else if (!labels.contains(term)) {
      return false;
    }
  }
  return true;
}

void listApps(AppScheduler& s, http::Request& r, http::Responder p) {
  auto embed = http::queryValues(r.target, "embed");
  std::string cmd = r.query.contains("cmd") ? r.query.at("cmd") : "";
  std::string id = r.query.contains("id") ? r.query.at("id") : "";
  std::string label = r.query.contains("label") ? r.query.at("label") : "";
  bj::array apps;
  for (auto& [appId, app] : s.apps()) {
    if (!cmd.empty() && app.cmd.value_or("").find(cmd) == std::string::npos) continue;
    if (!id.empty() && appId.find(id) == std::string::npos) continue;
    if (!label.empty() && !labelsMatch(app.labels, label)) continue;
    apps.push_back(appJson(s, app, embed));
  }
  p.respond(json(200, bj::object{{"apps", std::move(apps)}}));
}

// The app definitions of a POST/PUT body: one object, or (bulk) an array.
Validated<std::vector<AppDefinition>> appsOf(const Group& root, const bj::value& body, bool bulk, bool partial,
                                             const std::optional<PathId>& id) {
  ValidationErrors errors;
  std::vector<AppDefinition> out;
  auto one = [&](const bj::value& v, const std::string& prefix) {
    bj::value doc = v;
    if (id && doc.is_object() && !doc.as_object().contains("id")) doc.as_object()["id"] = id->toString();
    std::optional<PathId> given;
    if (doc.is_object()) {
      if (auto* i = doc.as_object().if_contains("id"); i && i->is_string()) {
        if (auto p = PathId::parse(i->as_string())) given = *p;
      }
    }
    const AppDefinition* existing = given ? findApp(root, *given) : nullptr;
    auto app = existing && partial ? patchApp(*existing, doc) : parseApp(doc);
    if (!app) return errors.addAll(prefix, app.errors());
    if (id && app->id != *id) {
      return errors.add(prefix + "/id", "the id in the body (" + app->id.toString() + ") is not the one in the URL");
    }
    out.push_back(std::move(app.value()));
  };
  if (bulk) {
    if (!body.is_array()) {
      errors.add("/", "expected an array of apps");
    } else {
      for (size_t k = 0; k < body.as_array().size(); ++k) one(body.as_array()[k], indexPath("", k));
    }
  } else {
    one(body, "");
  }
  if (!errors.empty()) return errors;
  return out;
}

Validated<Group> withApps(const Group& root, const std::vector<AppDefinition>& apps) {
  Group target = root;
  ValidationErrors errors;
  for (auto& a : apps) {
    if (auto s = putApp(target, a); !s) errors.add("/id", s.error().message);
  }
  if (!errors.empty()) return errors;
  return target;
}

void createApp(AppScheduler& s, http::Request& r, http::Responder p) {
  auto doc = body(r, p);
  if (!doc) return;
  auto apps = appsOf(s.root(), *doc, false, false, std::nullopt);
  if (!apps) return p.respond(invalid(apps.errors()));
  AppDefinition app = apps->front();
  if (findApp(s.root(), app.id)) {
    return p.respond(message(409, "An app with id [" + app.id.toString() + "] already exists."));
  }
  ChangeOptions options{.force = queryFlag(r, "force"), .status = 201};
  options.answer = [&s, id = app.id](const std::string& deploymentId, const std::string&) {
    const AppDefinition* created = s.app(id.toString());
    bj::value out = created ? appJson(s, *created, {}) : bj::value(bj::object{});
    out.as_object()["deployments"] = bj::array{bj::object{{"id", deploymentId}}};
    return out;
  };
  change(
      s, std::move(p), [app](const Group& root) { return withApps(root, {app}); }, std::move(options));
}

void updateApps(AppScheduler& s, http::Request& r, http::Responder p, const std::optional<PathId>& id) {
  auto doc = body(r, p);
  if (!doc) return;
  bool partial = r.method == "PATCH" || queryFlag(r, "partialUpdate", true);
  auto apps = appsOf(s.root(), *doc, !id, partial, id);
  if (!apps) return p.respond(invalid(apps.errors()));
  bool created = id && !findApp(s.root(), *id);
  change(s, std::move(p), [apps = apps.value()](const Group& root) { return withApps(root, apps); },
         {.force = queryFlag(r, "force"), .status = created ? 201 : 200});
}

void appTasks(AppScheduler& s, http::Request& r, http::Responder p, const PathId& id, const std::string& taskId) {
  const AppDefinition* app = s.app(id.toString());
  if (!app) return p.respond(message(404, "App '" + id.toString() + "' does not exist"));
  if (r.method == "GET") {
    bj::array tasks;
    for (const Instance* i : s.instancesOf(id.toString())) {
      if (!i->scheduled) tasks.push_back(toTaskJson(*i));
    }
    return p.respond(json(200, bj::object{{"tasks", std::move(tasks)}}));
  }
  if (r.method != "DELETE") return p.respond(http::Response::methodNotAllowed("GET, DELETE", r.method));
  std::string host = r.query.contains("host") ? r.query.at("host") : "";
  std::vector<std::string> kill;
  bj::array killed;
  for (const Instance* i : s.instancesOf(id.toString())) {
    if (i->scheduled || i->goal != Instance::Goal::RUNNING) continue;
    if (!taskId.empty() && i->id != taskId) continue;
    if (!host.empty() && i->host != host) continue;
    kill.push_back(i->id);
    killed.push_back(toTaskJson(*i));
  }
  if (!taskId.empty() && kill.empty()) return p.respond(message(404, "Task '" + taskId + "' does not exist"));
  if (queryFlag(r, "scale")) {
    AppDefinition scaled = *app;
    scaled.instances = std::max<int64_t>(0, scaled.instances - static_cast<int64_t>(kill.size()));
    return change(s, std::move(p), [scaled](const Group& root) { return withApps(root, {scaled}); },
                  {.force = true, .kill = kill});
  }
  auto answer = std::make_shared<http::Responder>(std::move(p));
  bool one = !taskId.empty();
  s.killInstances(kill, queryFlag(r, "wipe"), [answer, killed = std::move(killed), one](const Status& st) {
    if (!st) return answer->respond(message(503, st.error().message));
    if (one) return answer->respond(json(200, bj::object{{"task", killed.front()}}));
    answer->respond(json(200, bj::object{{"tasks", killed}}));
  });
}

void appVersions(AppScheduler& s, Repository& repository, http::Responder p, const PathId& id,
                 const std::string& version) {
  std::string key = id.toString();
  if (!s.app(key)) return p.respond(message(404, "App '" + key + "' does not exist"));
  if (version.empty()) {
    return p.respond(json(200, bj::object{{"versions", versionsNewestFirst(repository, kApps, key)}}));
  }
  const bj::value* app = repository.version(kApps, key, version);
  if (!app) return p.respond(message(404, "App '" + key + "' has no version " + version));
  p.respond(json(200, *app));
}

void serveApp(AppScheduler& s, Repository& repository, http::Request& r, http::Responder p) {
  std::string rest = r.path.substr(std::string("/v2/apps").size());
  // The suffixes below an app: /restart, /tasks[/<task>], /versions[/<v>].
  auto cut = [&](const std::string& marker, std::string* tail) {
    auto at = rest.rfind(marker);
    if (at == std::string::npos) return false;
    std::string after = rest.substr(at + marker.size());
    if (!after.empty() && after.front() != '/') return false;
    if (!after.empty() && after.find('/', 1) != std::string::npos) return false;
    *tail = after.empty() ? "" : after.substr(1);
    rest = rest.substr(0, at);
    return true;
  };
  std::string tail;
  if (rest.ends_with("/restart")) {
    rest.resize(rest.size() - std::string("/restart").size());
    auto id = appIdOf(rest);
    if (!id || !s.app(id->toString())) return p.respond(message(404, "App '" + rest + "' does not exist"));
    if (r.method != "POST") return p.respond(http::Response::methodNotAllowed("POST", r.method));
    AppDefinition app = *s.app(id->toString());
    return change(s, std::move(p), [app](const Group& root) { return withApps(root, {app}); },
                  {.force = queryFlag(r, "force"), .restart = *id});
  }
  if (cut("/tasks", &tail)) {
    auto id = appIdOf(rest);
    if (!id) return p.respond(message(404, "App '" + rest + "' does not exist"));
    return appTasks(s, r, std::move(p), *id, tail);
  }
  if (cut("/versions", &tail)) {
    auto id = appIdOf(rest);
    if (!id) return p.respond(message(404, "App '" + rest + "' does not exist"));
    if (r.method != "GET") return p.respond(http::Response::methodNotAllowed("GET", r.method));
    return appVersions(s, repository, std::move(p), *id, tail);
  }
  auto id = appIdOf(rest);
  if (!id) return p.respond(message(404, "App '" + rest + "' does not exist"));
  if (r.method == "GET") {
    const AppDefinition* app = s.app(id->toString());
    if (!app) return p.respond(message(404, "App '" + id->toString() + "' does not exist"));
    auto embed = http::queryValues(r.target, "embed");
    if (embed.empty()) embed = {"app.tasks", "app.counts", "app.deployments", "app.lastTaskFailure", "app.readiness"};
    return p.respond(json(200, bj::object{{"app", appJson(s, *app, embed)}}));
  }
  if (r.method == "PUT" || r.method == "PATCH") return updateApps(s, r, std::move(p), *id);
  if (r.method == "DELETE") {
    if (!s.app(id->toString())) return p.respond(message(404, "App '" + id->toString() + "' does not exist"));
    return change(s, std::move(p),
                  [id = *id](const Group& root) -> Validated<Group> {
                    Group target = root;
                    removeApp(target, id);
                    return target;
                  },
                  {.force = queryFlag(r, "force")});
  }
  p.respond(http::Response::methodNotAllowed("GET, PUT, PATCH, DELETE", r.method));
}

}  // namespace

void appsRoutes(Services& daemon, SchedulerRef scheduler) {
  daemon.route("/v2/apps", withScheduler(scheduler, [](AppScheduler& s, http::Request& r, http::Responder p) {
                 if (r.method == "GET") return listApps(s, r, std::move(p));
                 if (r.method == "POST") return createApp(s, r, std::move(p));
                 if (r.method == "PUT" || r.method == "PATCH") return updateApps(s, r, std::move(p), std::nullopt);
                 p.respond(http::Response::methodNotAllowed("GET, POST, PUT, PATCH", r.method));
               }));
  daemon.routePrefix("/v2/apps/", withScheduler(scheduler, [](AppScheduler& s, http::Request& r, http::Responder p) {
                       serveApp(s, s.repository(), r, std::move(p));
                     }));
}

}  // namespace tepui::services::api
