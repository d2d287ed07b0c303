// JobsApi (api.hpp): routing.
#include "jobs/api.hpp"

#include <memory>
#include <vector>

#include "common/json.hpp"
#include "common/strings.hpp"

namespace tepui::jobs {

namespace {

// The path below the API's prefix, split: "/v1/scheduler/job/stat/x" ->
// {"job", "stat", "x"}; nothing when the prefix is not the API's.
std::optional<std::vector<std::string>> apiPath(const std::string& path) {
  for (std::string_view prefix : {"/v1/scheduler/", "/scheduler/"}) {
    if (path.starts_with(prefix)) return splitNonEmpty(std::string_view(path).substr(prefix.size()), '/');
  }
  return std::nullopt;
}

}  // namespace

http::Response apiMessage(int status, const std::string& text) {
  return http::Response::json(status, json::serialize(boost::json::object{{"message", text}}));
}

void JobsApi::install(const std::function<void(const std::string&, http::Handler)>& routePrefix) {
  for (const char* prefix : {"/v1/scheduler/", "/scheduler/"}) {
    routePrefix(prefix, [this](http::Request& request, http::Responder responder) {
      auto shared = std::make_shared<http::Responder>(std::move(responder));
      handle(request, [shared](http::Response response) { shared->respond(std::move(response)); });
    });
  }
}

void JobsApi::handle(const http::Request& request, Reply reply) {
  Engine* engine = backend_.engine();
  if (engine == nullptr) return reply(apiMessage(503, "not leading: the job scheduler is starting or stopping"));
  std::optional<std::vector<std::string>> parts = apiPath(request.path);
  const std::vector<std::string> p = parts ? *parts : std::vector<std::string>{};
  const std::string& m = request.method;
  const bool get = m == "GET" || m == "HEAD";
  auto only = [&](const char* allowed, bool ok, auto answer) {
    if (!ok) return reply(http::Response::methodNotAllowed(allowed, m));
    answer();
  };
  auto known = [&](const std::string& name) {
    if (engine->job(name) != nullptr) return true;
    reply(apiMessage(400, "Job '" + name + "' not found"));
    return false;
  };
  const Millis now = backend_.now();

  if (p.size() == 1 && p[0] == "jobs") return only("GET", get, [&] { reply(jobs(*engine)); });
  if (p.size() == 2 && p[0] == "jobs" && p[1] == "summary") return only("GET", get, [&] { reply(summary(*engine)); });
  if (p.size() == 2 && p[0] == "jobs" && p[1] == "search")
    return only("GET", get, [&] { reply(search(request, *engine)); });
  if (p.size() == 1 && (p[0] == "iso8601" || p[0] == "dependency")) {
    const JobKind kind = p[0] == "iso8601" ? JobKind::kScheduled : JobKind::kDependent;
    return only("POST", m == "POST" || m == "PUT", [&] { putJob(request, kind, *engine, reply); });
  }
  if (p.size() == 3 && p[0] == "job" && p[1] == "success") {
    return only("PUT", m == "PUT", [&] {
      if (!known(p[2])) return;
      change(engine->markSuccess(p[2], now), http::Response::text(200, "marked job " + p[2] + " as successful: true"),
             reply);
    });
  }
  if (p.size() == 3 && p[0] == "job" && p[1] == "stat")
    return only("GET", get, [&] {
      if (known(p[2])) reply(stat(p[2], *engine));
    });
  if (p.size() == 3 && p[0] == "job" && p[2] == "runs")
    return only("GET", get, [&] {
      if (known(p[1])) reply(runs(request, p[1], *engine));
    });
  if (p.size() == 2 && p[0] == "job") {
    if (m == "DELETE") {
      if (known(p[1])) change(engine->deleteJob(p[1], now), http::Response::empty(204), reply);
      return;
    }
    return only("PUT, GET, DELETE", m == "PUT" || get, [&] {
      if (!known(p[1])) return;
      auto args = request.query.find("arguments");
      change(engine->runNow(p[1], args == request.query.end() ? "" : args->second, now), http::Response::empty(204),
             reply);
    });
  }
  if (p.size() == 3 && p[0] == "task" && p[1] == "kill") {
    return only("DELETE", m == "DELETE", [&] {
      if (known(p[2])) change(engine->killJob(p[2], now), http::Response::empty(204), reply);
    });
  }
  if (p.size() == 2 && p[0] == "stats") return only("GET", get, [&] { reply(stats(p[1], *engine)); });
  if (p.size() == 2 && p[0] == "graph" && (p[1] == "dot" || p[1] == "csv"))
    return only("GET", get, [&] { reply(graph(p[1], *engine)); });
  reply(apiMessage(404, "no such endpoint: " + m + " " + request.path));
}

}  // namespace tepui::jobs
