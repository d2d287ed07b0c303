// Private to the services API (api_*.cpp): what the endpoint files share.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "http/server.hpp"
#include "services/app_scheduler.hpp"
#include "services/group.hpp"
#include "services/validation_errors.hpp"

namespace tepui::services::api {

// The scheduler of the current term (null between terms).
using SchedulerRef = std::function<AppScheduler*()>;

http::Response json(int status, const boost::json::value& body);
http::Response message(int status, const std::string& text);
http::Response invalid(const ValidationErrors& errors);  // 422

// A handler that serves with the current term's scheduler (503 between
// terms).
using Serve = std::function<void(AppScheduler&, http::Request&, http::Responder)>;
http::Handler withScheduler(SchedulerRef scheduler, Serve serve);

// The request body as JSON, or a 400 answered.
std::optional<boost::json::value> body(const http::Request& request, http::Responder& responder);
bool queryFlag(const http::Request& request, const std::string& name, bool otherwise = false);

// An app as GET /v2/apps shows it, with what `embed` asks for
// ("apps.tasks", "apps.counts", "apps.deployments", "apps.lastTaskFailure",
// "apps.readiness"; "app.*" alike).
boost::json::value appJson(const AppScheduler& s, const AppDefinition& app, const std::vector<std::string>& embed);

// Changes the tree: `makeTarget` turns the current tree into the new one
// (or invalid); the result is validated, stamped with a new version,
// planned and deployed; the answer is {deploymentId, version} with
// `status` (or the plan's steps for dryRun), 409 on conflicts unless
// `force`.
struct ChangeOptions {
  bool force = false;
  bool dryRun = false;
  int status = 200;
  // Stamps one app specially (a forced restart), before the others.
  std::optional<PathId> restart;
  // Instances to kill with the change (DELETE .../tasks?scale=true).
  std::vector<std::string> kill;
  // The body to answer with instead of {deploymentId, version}.
  std::function<boost::json::value(const std::string& deploymentId, const std::string& version)> answer;
};
void change(AppScheduler& s, http::Responder responder, std::function<Validated<Group>(const Group&)> makeTarget,
            ChangeOptions options);

// The app id of a path below /v2/apps ("/v2/apps/a/b/tasks" with suffix
// "/tasks" -> "/a/b").
std::optional<PathId> appIdOf(const std::string& rest);
// The versions a repository keeps of a document, newest first (Marathon's
// order for /versions).
boost::json::array versionsNewestFirst(const Repository& repository, const std::string& collection,
                                       const std::string& id);

void appsRoutes(Services& daemon, SchedulerRef scheduler);
void groupsRoutes(Services& daemon, SchedulerRef scheduler);
void deploymentsRoutes(Services& daemon, SchedulerRef scheduler);
void tasksRoutes(Services& daemon, SchedulerRef scheduler);

}  // namespace tepui::services::api
