// The services API: /v2/groups (api.hpp).
#include <boost/json.hpp>

#include "services/api_internal.hpp"
#include "services/group_json.hpp"
#include "services/group_update.hpp"
#include "services/state.hpp"
#include "services/tree_records.hpp"

namespace tepui::services::api {

namespace bj = boost::json;

namespace {

void getGroup(AppScheduler& s, http::Request& r, http::Responder p, const PathId& id) {
  const Group* group = findGroup(s.root(), id);
  if (!group) return p.respond(message(404, "Group '" + id.toString() + "' does not exist"));
  auto embed = http::queryValues(r.target, "embed");
  GroupEmbed what;
  std::vector<std::string> appEmbed;
  if (!embed.empty()) {
    what.groups = what.apps = false;
    for (auto& e : embed) {
      if (e == "group.groups") what.groups = true;
      if (e == "group.apps") what.apps = true;
      if (e.starts_with("group.apps.")) {
        what.apps = true;
        appEmbed.push_back("apps." + e.substr(std::string("group.apps.").size()));
      }
    }
  }
  p.respond(json(200, groupToJson(*group, what, [&](const AppDefinition& app) { return appJson(s, app, appEmbed); })));
}

void updateGroup(AppScheduler& s, http::Request& r, http::Responder p, const PathId& id, bool create) {
  auto doc = body(r, p);
  if (!doc) return;
  auto update = parseGroupUpdate(*doc, create ? PathId() : id);
  if (!update) return p.respond(invalid(update.errors()));
  if (create && findGroup(s.root(), update->id)) {
    return p.respond(
        message(409, "Group " + update->id.toString() + " is already created. Use PUT to change this group."));
  }
  if (!create && update->id != id) {
    ValidationErrors e;
    e.add("/id", "the id in the body (" + update->id.toString() + ") is not the one in the URL");
    return p.respond(invalid(e));
  }
  ChangeOptions options{.force = queryFlag(r, "force"), .dryRun = queryFlag(r, "dryRun"), .status = create ? 201 : 200};
  if (update->version && !create) {
    // A rollback: the group as it was at that version, in place of what
    // it is now (stamped with a new version by the change).
    auto old = groupAtVersion(s.repository(), id, *update->version);
    if (!old) return p.respond(message(404, old.error().message));
    return change(
        s, std::move(p),
        [old = std::move(*old)](const Group& root) -> Validated<Group> {
          Group target = root;
          if (auto put = putGroup(target, old); !put) {
            ValidationErrors e;
            e.add("/version", put.error().message);
            return e;
          }
          return target;
        },
        std::move(options));
  }
  change(
      s, std::move(p),
      [update = update.value(), version = std::string()](const Group& root) {
        return applyGroupUpdate(root, update, version);
      },
      std::move(options));
}

void serveGroup(AppScheduler& s, http::Request& r, http::Responder p) {
  std::string rest = r.path.substr(std::string("/v2/groups").size());
  auto id = PathId::parse(rest.empty() ? "/" : rest);
  if (!id) return p.respond(message(404, "Group '" + rest + "' does not exist: " + id.error().message));
  if (r.method == "GET" && rest.ends_with("/versions")) {
    // GET /v2/groups/{id}/versions: newest first. (A group named "versions"
    // is read with its id's trailing slash: /v2/groups/a/versions/.)
    auto group = PathId::parse(rest.substr(0, rest.size() - std::string("/versions").size()));
    if (!group || !findGroup(s.root(), *group)) return p.respond(message(404, "Group '" + rest + "' does not exist"));
    return p.respond(json(200, versionsNewestFirst(s.repository(), kGroupHistory, group->toString())));
  }
  if (r.method == "GET") return getGroup(s, r, std::move(p), *id);
  if (r.method == "POST") return updateGroup(s, r, std::move(p), *id, true);
  if (r.method == "PUT" || r.method == "PATCH") return updateGroup(s, r, std::move(p), *id, false);
  if (r.method == "DELETE") {
    if (!findGroup(s.root(), *id)) return p.respond(message(404, "Group '" + id->toString() + "' does not exist"));
    return change(s, std::move(p),
                  [id = *id](const Group& root) -> Validated<Group> {
                    Group target = root;
                    if (id.isRoot()) {
                      target = Group();
                    } else {
                      removeGroup(target, id);
                    }
                    return target;
                  },
                  {.force = queryFlag(r, "force")});
  }
  p.respond(http::Response::methodNotAllowed("GET, POST, PUT, PATCH, DELETE", r.method));
}

}  // namespace

void groupsRoutes(Services& daemon, SchedulerRef scheduler) {
  auto handler = withScheduler(scheduler, serveGroup);
  daemon.route("/v2/groups", handler);
  daemon.routePrefix("/v2/groups/", handler);
}

}  // namespace tepui::services::api
