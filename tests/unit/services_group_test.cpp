// The services tree: finding, putting and removing apps and groups,
// dependencies (inherited from groups, relative ids, cycles), GroupUpdate
// parsing and application (scaleBy included) and the group JSON.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/group.hpp"
#include "services/group_dependencies.hpp"
#include "services/group_json.hpp"
#include "services/group_update.hpp"
#include "services_test_util.hpp"

namespace tepui::services {
namespace {

using testutil::applied;
using testutil::json;
using testutil::parsed;
using testutil::pid;

std::vector<std::string> ids(const std::vector<const AppDefinition*>& apps) {
  std::vector<std::string> out;
  for (const AppDefinition* app : apps) out.push_back(app->id.toString());
  return out;
}

std::vector<std::string> ids(const std::set<PathId>& set) {
  std::vector<std::string> out;
  for (const PathId& id : set) out.push_back(id.toString());
  return out;
}

ValidationErrors updateErrors(const Group& root, const std::string& text) {
  Validated<GroupUpdate> update = parseGroupUpdate(json(text));
  if (!update.ok()) return update.errors();
  Validated<Group> next = applyGroupUpdate(root, update.value(), "v");
  EXPECT_FALSE(next.ok()) << text;
  return next.ok() ? ValidationErrors{} : next.errors();
}

TEST(ServicesGroupTest, PutCreatesIntermediateGroups) {
  Group root;
  ASSERT_TRUE(putApp(root, parsed(R"({"id": "/a/b/app", "cmd": "x"})")).ok());
  ASSERT_NE(findGroup(root, pid("/a")), nullptr);
  ASSERT_NE(findGroup(root, pid("/a/b")), nullptr);
  ASSERT_NE(findApp(root, pid("/a/b/app")), nullptr);
  EXPECT_EQ(findApp(root, pid("/a/b/app"))->cmd, "x");
  EXPECT_EQ(findApp(root, pid("/a/b")), nullptr);
  EXPECT_EQ(findGroup(root, pid("/a/b/app")), nullptr);
  EXPECT_EQ(findGroup(root, pid("/")), &root);

  ASSERT_TRUE(putApp(root, parsed(R"({"id": "/a/b/app", "cmd": "y"})")).ok());  // replaces
  EXPECT_EQ(findApp(root, pid("/a/b/app"))->cmd, "y");
  EXPECT_TRUE(validateTree(root).empty()) << validateTree(root).summary();
}

TEST(ServicesGroupTest, AppAndGroupIdsNeverCollide) {
  Group root;
  ASSERT_TRUE(putApp(root, parsed(R"({"id": "/a/b", "cmd": "x"})")).ok());
  EXPECT_FALSE(putGroup(root, Group{.id = pid("/a/b")}).ok());
  EXPECT_FALSE(putApp(root, parsed(R"({"id": "/a", "cmd": "x"})")).ok());
  EXPECT_EQ(findApp(root, pid("/a")), nullptr);  // unchanged
}

TEST(ServicesGroupTest, RemoveAppsAndGroups) {
  Group root = applied(Group{}, testutil::kProduct);
  EXPECT_TRUE(removeApp(root, pid("/product/database/mongo")));
  EXPECT_FALSE(removeApp(root, pid("/product/database/mongo")));
  EXPECT_TRUE(removeGroup(root, pid("/product/service")));
  EXPECT_FALSE(removeGroup(root, pid("/product/service")));
  EXPECT_EQ(ids(allApps(root)), (std::vector<std::string>{"/product/database/mysql"}));
  EXPECT_TRUE(removeGroup(root, pid("/")));
  EXPECT_TRUE(allApps(root).empty());
}

TEST(ServicesGroupTest, TheProductExampleBuildsTheTree) {
  Group root = applied(Group{}, testutil::kProduct, "2015-09-28T19:47:37.681Z");
  EXPECT_EQ(ids(allApps(root)), (std::vector<std::string>{"/product/database/mongo", "/product/database/mysql",
                                                          "/product/service/play-app", "/product/service/rails-app"}));
  const Group* service = findGroup(root, pid("/product/service"));
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->dependencies, (std::vector<PathId>{pid("/product/database")}));  // "../database", resolved
  const AppDefinition* mysql = findApp(root, pid("/product/database/mysql"));
  EXPECT_EQ(mysql->version, "2015-09-28T19:47:37.681Z");
  EXPECT_EQ(mysql->versionInfo.lastConfigChangeAt, "2015-09-28T19:47:37.681Z");
  EXPECT_EQ(root.version, "2015-09-28T19:47:37.681Z");
  EXPECT_EQ(service->version, "2015-09-28T19:47:37.681Z");
}

TEST(ServicesGroupTest, GroupDependenciesAreInheritedByTheAppsBelow) {
  Group root = applied(Group{}, testutil::kProduct);
  DependencyGraph graph = dependencyGraph(root);
  EXPECT_EQ(ids(graph.at(pid("/product/service/rails-app"))),
            (std::vector<std::string>{"/product/database/mongo", "/product/database/mysql"}));
  EXPECT_TRUE(graph.at(pid("/product/database/mysql")).empty());

  // App-level dependencies add to the group's, and chains are followed.
  root = applied(
      root, R"({"id": "/web", "apps": [{"id": "ui", "cmd": "x", "dependencies": ["/product/service/play-app"]}]})");
  graph = dependencyGraph(root);
  EXPECT_EQ(
      ids(transitiveDependencies(graph, pid("/web/ui"))),
      (std::vector<std::string>{"/product/database/mongo", "/product/database/mysql", "/product/service/play-app"}));
  EXPECT_EQ(transitiveDependencies(root, pid("/web/ui")), transitiveDependencies(graph, pid("/web/ui")));
  EXPECT_TRUE(transitiveDependencies(root, pid("/product/database/mysql")).empty());
  EXPECT_EQ(dependencyLayers(graph).at(pid("/web/ui")), 2);
  EXPECT_EQ(dependencyLayers(graph).at(pid("/product/service/rails-app")), 1);
  EXPECT_EQ(dependencyLayers(graph).at(pid("/product/database/mongo")), 0);
}

TEST(ServicesGroupTest, DependenciesOnNothingOrderNothing) {
  Group root = applied(Group{}, R"({"id": "/a", "dependencies": ["/missing"], "apps": [{"id": "x", "cmd": "x"}]})");
  EXPECT_TRUE(dependencyGraph(root).at(pid("/a/x")).empty());
}

TEST(ServicesGroupTest, DependencyCyclesAreRefused) {
  ValidationErrors errors = updateErrors(Group{}, R"({"id": "/c", "apps": [
      {"id": "a", "cmd": "x", "dependencies": ["b"]}, {"id": "b", "cmd": "x", "dependencies": ["a"]}]})");
  ASSERT_EQ(errors.violations().size(), 1u) << errors.summary();
  EXPECT_EQ(errors.violations()[0].path, "/");
  EXPECT_EQ(errors.at("/")[0], "dependency cycle: /c/a -> /c/b -> /c/a");

  // Through groups: /g1 depends on /g2, whose app depends on /g1's app.
  Group root = applied(Group{}, R"({"id": "/g1", "dependencies": ["/g2"], "apps": [{"id": "a", "cmd": "x"}]})");
  errors = updateErrors(root, R"({"id": "/g2", "apps": [{"id": "b", "cmd": "x", "dependencies": ["/g1/a"]}]})");
  EXPECT_FALSE(errors.at("/").empty());
  EXPECT_NE(errors.at("/")[0].find("dependency cycle"), std::string::npos);

  // Validation of a tree built by hand finds it too.
  Group manual;
  AppDefinition self = parsed(R"({"id": "/s", "cmd": "x", "dependencies": ["/s"]})");
  ASSERT_TRUE(putApp(manual, self).ok());
  EXPECT_EQ(validateTree(manual).at("/"), (std::vector<std::string>{"dependency cycle: /s -> /s"}));
}

TEST(ServicesGroupTest, GroupUpdateErrorsCarryTheirPaths) {
  Validated<GroupUpdate> update = parseGroupUpdate(json(R"({"id": "/p", "scaleBy": 0, "enforceRole": "no",
      "apps": [{"id": "/elsewhere/a", "cmd": "x"}, {"id": "b", "cmd": "x", "cpus": -1}],
      "groups": [{"apps": []}, {"id": "g", "apps": [{"id": "c"}]}, {"id": "/q/r"}], "dependencies": ["A"]})"));
  ASSERT_FALSE(update.ok());
  const ValidationErrors& errors = update.errors();
  EXPECT_FALSE(errors.at("/apps(0)/id").empty()) << errors.summary();
  EXPECT_FALSE(errors.at("/apps(1)/cpus").empty()) << errors.summary();
  EXPECT_FALSE(errors.at("/groups(0)/id").empty()) << errors.summary();
  EXPECT_FALSE(errors.at("/groups(1)/apps(0)").empty()) << errors.summary();  // no cmd: about the app as a whole
  EXPECT_FALSE(errors.at("/groups(2)/id").empty()) << errors.summary();
  EXPECT_FALSE(errors.at("/dependencies(0)").empty()) << errors.summary();
  EXPECT_FALSE(errors.at("/scaleBy").empty()) << errors.summary();
  EXPECT_FALSE(errors.at("/enforceRole").empty()) << errors.summary();

  Validated<GroupUpdate> dup = parseGroupUpdate(json(R"({"id": "/p", "apps": [{"id": "a", "cmd": "x"},
      {"id": "/p/a", "cmd": "y"}], "groups": [{"id": "a"}]})"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.errors().at("/apps(1)/id"), (std::vector<std::string>{"duplicate id /p/a"}));
  EXPECT_EQ(dup.errors().at("/groups(0)/id"), (std::vector<std::string>{"duplicate id /p/a"}));
}

TEST(ServicesGroupTest, NestedIdsResolveAgainstTheirGroup) {
  Validated<GroupUpdate> update = parseGroupUpdate(
      json(R"({"groups": [{"id": "db", "apps": [{"id": "pg", "cmd": "x", "dependencies": ["../cache"]}]}]})"),
      pid("/product"));
  ASSERT_TRUE(update.ok()) << update.errors().summary();
  EXPECT_EQ(update->id, pid("/product"));  // no id: the base
  ASSERT_EQ(update->groups->size(), 1u);
  const GroupUpdate& db = (*update->groups)[0];
  EXPECT_EQ(db.id, pid("/product/db"));
  EXPECT_EQ((*db.apps)[0].id, pid("/product/db/pg"));
  EXPECT_EQ((*db.apps)[0].dependencies, (std::vector<PathId>{pid("/product/cache")}));
}

TEST(ServicesGroupTest, UpdatesReplaceListedPartsAndKeepTheRest) {
  Group root = applied(Group{}, testutil::kProduct, "v1");
  // Only dependencies: apps and groups stay.
  Group next = applied(root, R"({"id": "/product/service", "dependencies": []})", "v2");
  EXPECT_EQ(ids(allApps(next)), ids(allApps(root)));
  EXPECT_TRUE(findGroup(next, pid("/product/service"))->dependencies.empty());
  EXPECT_EQ(findApp(next, pid("/product/service/rails-app"))->version, "v1");  // untouched apps keep theirs
  EXPECT_EQ(findGroup(next, pid("/product/service"))->version, "v2");
  EXPECT_EQ(findGroup(next, pid("/product/database"))->version, "v1");

  // Listed groups replace the subgroups: /product/database is removed.
  next = applied(root, R"({"id": "/product", "groups": [{"id": "service"}]})", "v2");
  EXPECT_EQ(findGroup(next, pid("/product/database")), nullptr);
  EXPECT_EQ(ids(allApps(next)), (std::vector<std::string>{"/product/service/play-app", "/product/service/rails-app"}));

  // Listed apps replace the group's apps; a changed one is re-stamped.
  next = applied(root, R"({"id": "/product/database", "apps": [{"id": "mysql", "cmd": "mysqld --new"}]})", "v3");
  EXPECT_EQ(ids(allApps(*findGroup(next, pid("/product/database")))),
            (std::vector<std::string>{"/product/database/mysql"}));
  EXPECT_EQ(findApp(next, pid("/product/database/mysql"))->versionInfo, (VersionInfo{"v3", "v3"}));
}

TEST(ServicesGroupTest, ScaleByMultipliesInstancesBelowTheGroupRoundingUp) {
  Group root = applied(Group{}, testutil::kProduct, "v1");
  Group next = applied(root, R"({"id": "/product/database", "scaleBy": 1.5})", "v2");
  EXPECT_EQ(findApp(next, pid("/product/database/mysql"))->instances, 2);  // ceil(1.5)
  EXPECT_EQ(findApp(next, pid("/product/database/mongo"))->instances, 3);
  EXPECT_EQ(findApp(next, pid("/product/service/rails-app"))->instances, 3);  // not below the group
  EXPECT_EQ(findApp(next, pid("/product/database/mongo"))->versionInfo, (VersionInfo{"v2", "v1"}));  // a scale

  next = applied(root, R"({"id": "/product", "scaleBy": 0.5})", "v2");
  EXPECT_EQ(findApp(next, pid("/product/database/mysql"))->instances, 1);     // ceil(0.5)
  EXPECT_EQ(findApp(next, pid("/product/service/rails-app"))->instances, 2);  // ceil(1.5)

  EXPECT_FALSE(updateErrors(root, R"({"id": "/nothing", "scaleBy": 2})").at("/id").empty());
  EXPECT_FALSE(
      updateErrors(root, R"({"id": "/product", "version": "2015-01-01T00:00:00.000Z"})").at("/version").empty());
}

TEST(ServicesGroupTest, GroupJsonEmbedsWhatIsAskedAndRoundTrips) {
  Group root = applied(Group{}, testutil::kProduct, "v1");
  boost::json::value full = groupToJson(root);
  EXPECT_EQ(full.at("id"), "/");
  EXPECT_EQ(full.at("version"), "v1");
  const boost::json::value& product = full.at("groups").at(0);
  EXPECT_EQ(product.at("id"), "/product");
  EXPECT_EQ(product.at("groups").at(1).at("dependencies"), json(R"(["/product/database"])"));
  EXPECT_EQ(product.at("groups").at(0).at("apps").at(0).at("id"), "/product/database/mongo");
  EXPECT_EQ(product.at("enforceRole"), false);

  Validated<Group> back = parseGroup(full);
  ASSERT_TRUE(back.ok()) << back.errors().summary();
  EXPECT_EQ(back.value(), root);

  boost::json::value noApps = groupToJson(root, GroupEmbed{.groups = true, .apps = false});
  EXPECT_TRUE(noApps.at("groups").at(0).at("groups").at(0).at("apps").as_array().empty());
  boost::json::value noGroups = groupToJson(root, GroupEmbed{.groups = false, .apps = true});
  EXPECT_TRUE(noGroups.at("groups").as_array().empty());

  boost::json::value custom = groupToJson(*findGroup(root, pid("/product/database")), {}, [](const AppDefinition& app) {
    return boost::json::value{{"id", app.id.toString()}, {"tasks", boost::json::array{}}};
  });
  EXPECT_EQ(custom.at("apps").at(1), json(R"({"id": "/product/database/mysql", "tasks": []})"));
}

TEST(ServicesGroupTest, EmbedParametersChooseWhatIsWritten) {
  EXPECT_TRUE(groupEmbedFrom({}).groups);
  EXPECT_TRUE(groupEmbedFrom({}).apps);
  GroupEmbed apps = groupEmbedFrom({"group.apps"});
  EXPECT_FALSE(apps.groups);
  EXPECT_TRUE(apps.apps);
  GroupEmbed tasks = groupEmbedFrom({"group.groups", "group.apps.tasks"});
  EXPECT_TRUE(tasks.groups);
  EXPECT_TRUE(tasks.apps);
  EXPECT_FALSE(groupEmbedFrom({"group.unknown"}).apps);
}

TEST(ServicesGroupTest, AnyJsonTypeInAnyUpdateFieldIsAnErrorOrAcceptedNeverACrash) {
  boost::json::object full = json(testutil::kProduct).as_object();
  full["dependencies"] = boost::json::array{"/other"};
  full["scaleBy"] = 2;
  full["enforceRole"] = true;
  full["apps"] = boost::json::array{json(R"({"id": "web", "cmd": "x"})")};
  const boost::json::value kinds[] = {nullptr,
                                      true,
                                      7,
                                      0.5,
                                      "text",
                                      boost::json::array{},
                                      boost::json::array{1, "a", boost::json::object{}},
                                      boost::json::object{}};
  for (const auto& [key, original] : full) {
    for (const boost::json::value& kind : kinds) {
      boost::json::object body = full;
      body[key] = kind;
      Validated<GroupUpdate> update = parseGroupUpdate(body);
      if (update.ok()) {
        (void)applyGroupUpdate(Group{}, update.value(), "v");
        continue;
      }
      for (const Violation& v : update.errors().violations()) {
        EXPECT_TRUE(v.path.starts_with("/" + std::string(key)) || (key == "id" && v.path != "/"))
            << key << " = " << boost::json::serialize(kind) << ": " << update.errors().summary();
      }
    }
  }
}

}  // namespace
}  // namespace tepui::services
