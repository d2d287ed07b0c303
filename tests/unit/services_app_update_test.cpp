// Changes to an app: scale-only versus restart, version stamps, PATCH merges.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/app_json.hpp"
#include "services/app_update.hpp"
#include "services_test_util.hpp"

namespace tepui::services {
namespace {

namespace bj = boost::json;
using testutil::json;
using testutil::parsed;

AppDefinition patched(const AppDefinition& app, const std::string& patch) {
  Validated<AppDefinition> out = patchApp(app, json(patch));
  EXPECT_TRUE(out.ok()) << patch << "\n" << (out.ok() ? "" : out.errors().summary());
  return out.ok() ? out.value() : AppDefinition{};
}

TEST(ServicesAppUpdateTest, OnlyInstancesChangedIsAScaleChange) {
  AppDefinition old = parsed(R"({"id": "a", "cmd": "x", "instances": 2})");
  AppDefinition scaled = old;
  scaled.instances = 5;
  EXPECT_TRUE(isScaleOnly(old, scaled));
  EXPECT_FALSE(needsRestart(old, scaled));
  scaled.instances = 0;  // suspending is scaling too
  EXPECT_TRUE(isScaleOnly(old, scaled));

  AppDefinition changed = old;
  changed.cpus = 2;
  EXPECT_TRUE(needsRestart(old, changed));
  EXPECT_FALSE(isScaleOnly(old, changed));
  changed.instances = 5;  // scale and config together: a restart
  EXPECT_TRUE(needsRestart(old, changed));
  EXPECT_FALSE(isScaleOnly(old, changed));

  EXPECT_FALSE(needsRestart(old, old));
  EXPECT_FALSE(isScaleOnly(old, old));
  AppDefinition env = old;
  env.env["A"] = "b";
  EXPECT_TRUE(needsRestart(old, env));
}

TEST(ServicesAppUpdateTest, StampingFollowsTheKindOfChange) {
  AppDefinition created = stampVersion(nullptr, parsed(R"({"id": "a", "cmd": "x"})"), "v1");
  EXPECT_EQ(created.version, "v1");
  EXPECT_EQ(created.versionInfo, (VersionInfo{"v1", "v1"}));

  AppDefinition scaled = created;
  scaled.instances = 3;
  scaled = stampVersion(&created, scaled, "v2");
  EXPECT_EQ(scaled.version, "v2");
  EXPECT_EQ(scaled.versionInfo, (VersionInfo{"v2", "v1"}));  // lastScalingAt only

  AppDefinition changed = scaled;
  changed.cmd = "y";
  changed = stampVersion(&scaled, changed, "v3");
  EXPECT_EQ(changed.versionInfo, (VersionInfo{"v3", "v3"}));

  AppDefinition same = stampVersion(&changed, changed, "v4");
  EXPECT_EQ(same.version, "v3");  // nothing changed: nothing to stamp

  AppDefinition restarted = stampVersion(&changed, changed, "v5", /*forceRestart=*/true);
  EXPECT_EQ(restarted.versionInfo, (VersionInfo{"v5", "v5"}));
  EXPECT_TRUE(needsRestart(changed, restarted));  // a forced restart with the same definition
  EXPECT_FALSE(isScaleOnly(changed, restarted));
}

TEST(ServicesAppUpdateTest, PatchReplacesTopLevelKeys) {
  AppDefinition app = parsed(testutil::kFullApp);
  AppDefinition scaled = patched(app, R"({"instances": 7})");
  EXPECT_EQ(scaled.instances, 7);
  EXPECT_TRUE(isScaleOnly(app, scaled));

  AppDefinition env = patched(app, R"({"env": {"ONLY": "this"}})");
  EXPECT_EQ(env.env, (std::map<std::string, std::string>{{"ONLY", "this"}}));  // replaced, not merged
  EXPECT_EQ(env.labels, app.labels);

  AppDefinition reset = patched(app, R"({"upgradeStrategy": null, "killSelection": null})");
  EXPECT_EQ(reset.upgradeStrategy, UpgradeStrategy{});
  EXPECT_EQ(reset.killSelection, KillSelection::kYoungestFirst);
}

TEST(ServicesAppUpdateTest, PatchSwapsExclusiveFields) {
  AppDefinition app = parsed(R"({"id": "/g/a", "cmd": "x", "portDefinitions": [{"port": 80, "name": "web"}],
      "fetch": [{"uri": "http://h/a"}]})");
  AppDefinition args = patched(app, R"({"args": ["/bin/true"]})");
  EXPECT_FALSE(args.cmd);
  EXPECT_EQ(args.args, (std::vector<std::string>{"/bin/true"}));
  AppDefinition back = patched(args, R"({"cmd": "sleep 1"})");
  EXPECT_EQ(back.cmd, "sleep 1");
  EXPECT_TRUE(back.args.empty());

  AppDefinition ports = patched(app, R"({"ports": [81, 82]})");
  ASSERT_EQ(ports.portDefinitions.size(), 2u);
  EXPECT_EQ(ports.portDefinitions[1].port, 82);
  AppDefinition uris = patched(app, R"({"uris": ["http://h/b.zip"]})");
  ASSERT_EQ(uris.fetch.size(), 1u);
  EXPECT_EQ(uris.fetch[0].uri, "http://h/b.zip");
}

TEST(ServicesAppUpdateTest, PatchResolvesRelativeIdsAgainstTheAppsGroup) {
  AppDefinition app = parsed(R"({"id": "/g/a", "cmd": "x"})");
  AppDefinition deps = patched(app, R"({"dependencies": ["b", "../c"]})");
  ASSERT_EQ(deps.dependencies.size(), 2u);
  EXPECT_EQ(deps.dependencies[0].toString(), "/g/b");
  EXPECT_EQ(deps.dependencies[1].toString(), "/c");
  EXPECT_EQ(deps.id.toString(), "/g/a");
}

TEST(ServicesAppUpdateTest, PatchIsValidatedAsAWhole) {
  AppDefinition app = parsed(R"({"id": "a", "cmd": "x", "portDefinitions": [{"port": 0, "name": "http-api"}]})");
  Validated<AppDefinition> bad = patchApp(app, json(R"({"cpus": -1, "readinessChecks": [{"portName": "other"}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(bad.errors().at("/cpus").empty());
  EXPECT_FALSE(bad.errors().at("/readinessChecks(0)/portName").empty());
  Validated<AppDefinition> notObject = patchApp(app, json("[]"));
  ASSERT_FALSE(notObject.ok());
  EXPECT_FALSE(notObject.errors().at("/").empty());
}

}  // namespace
}  // namespace tepui::services
