// The app model: parseApp's defaults and every validation rule with its
// Marathon-compatible path, appToJson's full shape and the round trip.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/app_json.hpp"
#include "services_test_util.hpp"

namespace tepui::services {
namespace {

namespace bj = boost::json;
using testutil::errorsOf;
using testutil::json;
using testutil::parsed;

TEST(ServicesAppTest, DefaultsAreApplied) {
  AppDefinition app = parsed(R"({"id": "web", "cmd": "sleep 100"})");
  EXPECT_EQ(app.id.toString(), "/web");
  EXPECT_EQ(app.cmd, "sleep 100");
  EXPECT_EQ(app.cpus, 1.0);
  EXPECT_EQ(app.mem, 128.0);
  EXPECT_EQ(app.disk, 0.0);
  EXPECT_EQ(app.gpus, 0);
  EXPECT_EQ(app.instances, 1);
  EXPECT_EQ(app.executor, "");
  ASSERT_EQ(app.portDefinitions.size(), 1u);  // one random port by default
  EXPECT_EQ(app.portDefinitions[0], PortDefinition{});
  EXPECT_FALSE(app.requirePorts);
  EXPECT_EQ(app.upgradeStrategy.minimumHealthCapacity, 1.0);
  EXPECT_EQ(app.upgradeStrategy.maximumOverCapacity, 1.0);
  EXPECT_FALSE(app.upgradeStrategy.progressDeadlineSeconds);
  EXPECT_FALSE(app.upgradeStrategy.rollbackOnFailure);
  EXPECT_EQ(app.backoffSeconds, 1);
  EXPECT_EQ(app.backoffFactor, 1.15);
  EXPECT_EQ(app.maxLaunchDelaySeconds, 300);
  EXPECT_EQ(app.killSelection, KillSelection::kYoungestFirst);
  EXPECT_TRUE(app.unreachableStrategy.enabled);
  EXPECT_EQ(app.unreachableStrategy.inactiveAfterSeconds, 300);
  EXPECT_EQ(app.unreachableStrategy.expungeAfterSeconds, 600);
  EXPECT_FALSE(app.taskKillGracePeriodSeconds);
  EXPECT_FALSE(app.container);
  EXPECT_EQ(app.version, "");
}

TEST(ServicesAppTest, RelativeIdsResolveAgainstTheBaseGroup) {
  Result<PathId> base = PathId::parse("/product/service");
  ASSERT_TRUE(base.ok());
  AppDefinition app = parsed(R"({"id": "rails-app", "cmd": "x", "dependencies": ["../database", "/cache"]})", *base);
  EXPECT_EQ(app.id.toString(), "/product/service/rails-app");
  ASSERT_EQ(app.dependencies.size(), 2u);
  EXPECT_EQ(app.dependencies[0].toString(), "/product/database");  // against the app's group
  EXPECT_EQ(app.dependencies[1].toString(), "/cache");
}

TEST(ServicesAppTest, ArgsOrAContainerReplaceCmd) {
  EXPECT_EQ(parsed(R"({"id": "a", "args": ["/bin/sleep", "1"]})").args, (std::vector<std::string>{"/bin/sleep", "1"}));
  AppDefinition docker = parsed(R"({"id": "a", "container": {"type": "DOCKER", "docker": {"image": "nginx"}}})");
  ASSERT_TRUE(docker.container);
  EXPECT_EQ(docker.container->at("docker").at("image"), "nginx");
  EXPECT_TRUE(docker.portDefinitions.empty());  // a container's ports come from its port mappings
}

TEST(ServicesAppTest, HealthCheckDefaultsFollowTheProtocol) {
  AppDefinition app = parsed(R"({"id": "a", "cmd": "x", "portDefinitions": [{"port": 0}, {"port": 0}],
      "healthChecks": [{}, {"protocol": "TCP", "portIndex": 1}, {"protocol": "HTTP", "port": 8080}]})");
  ASSERT_EQ(app.healthChecks.size(), 3u);
  const HealthCheck& http = app.healthChecks[0];
  EXPECT_EQ(http.protocol, "HTTP");
  EXPECT_EQ(http.path, "/");
  EXPECT_EQ(http.portIndex, 0);
  EXPECT_FALSE(http.port);
  EXPECT_EQ(http.gracePeriodSeconds, 300);
  EXPECT_EQ(http.intervalSeconds, 60);
  EXPECT_EQ(http.timeoutSeconds, 20);
  EXPECT_EQ(http.maxConsecutiveFailures, 3);
  EXPECT_EQ(http.delaySeconds, 15);
  EXPECT_FALSE(http.ignoreHttp1xx);
  EXPECT_EQ(http.ipProtocol, "IPv4");
  EXPECT_EQ(app.healthChecks[1].portIndex, 1);
  EXPECT_EQ(app.healthChecks[2].port, 8080);
  EXPECT_FALSE(app.healthChecks[2].portIndex);  // port wins

  AppDefinition command =
      parsed(R"({"id": "a", "cmd": "x", "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}}]})");
  EXPECT_EQ(command.healthChecks[0].command, "true");
  EXPECT_FALSE(command.healthChecks[0].portIndex);
  EXPECT_TRUE(runsOnAgent(command.healthChecks[0]));
}

TEST(ServicesAppTest, ReadinessCheckDefaults) {
  AppDefinition app = parsed(R"({"id": "a", "cmd": "x", "portDefinitions": [{"port": 0, "name": "http-api"}],
      "readinessChecks": [{}]})");
  ASSERT_EQ(app.readinessChecks.size(), 1u);
  EXPECT_EQ(app.readinessChecks[0], ReadinessCheck{});
  EXPECT_EQ(app.readinessChecks[0].name, "readinessCheck");
  EXPECT_EQ(app.readinessChecks[0].intervalSeconds, 30);
  EXPECT_EQ(app.readinessChecks[0].timeoutSeconds, 10);
  EXPECT_EQ(app.readinessChecks[0].httpStatusCodesForReady, (std::vector<int64_t>{200}));
}

TEST(ServicesAppTest, OlderFormsBecomeTheNewOnes) {
  AppDefinition app = parsed(R"({"id": "a", "cmd": "x", "ports": [8080, 0],
      "uris": ["http://h/app.tar.gz", "http://h/config.json"]})");
  ASSERT_EQ(app.portDefinitions.size(), 2u);
  EXPECT_EQ(app.portDefinitions[0].port, 8080);
  EXPECT_EQ(app.portDefinitions[0].protocol, "tcp");
  EXPECT_EQ(app.portDefinitions[1].port, 0);
  ASSERT_EQ(app.fetch.size(), 2u);
  EXPECT_EQ(app.fetch[0].uri, "http://h/app.tar.gz");
  EXPECT_TRUE(app.fetch[0].extract);  // archives are extracted
  EXPECT_FALSE(app.fetch[1].extract);
}

TEST(ServicesAppTest, ConstraintsKeepNumbersAsText) {
  AppDefinition app = parsed(R"({"id": "a", "cmd": "x",
      "constraints": [["hostname", "UNIQUE"], ["rack_id", "GROUP_BY", 3], ["cpus", "IS", 2.5]]})");
  EXPECT_EQ(app.constraints, (std::vector<std::vector<std::string>>{
                                 {"hostname", "UNIQUE"}, {"rack_id", "GROUP_BY", "3"}, {"cpus", "IS", "2.5"}}));
}

TEST(ServicesAppTest, UnreachableStrategyForms) {
  EXPECT_FALSE(parsed(R"({"id": "a", "cmd": "x", "unreachableStrategy": "disabled"})").unreachableStrategy.enabled);
  AppDefinition app = parsed(
      R"({"id": "a", "cmd": "x", "unreachableStrategy": {"inactiveAfterSeconds": 10, "expungeAfterSeconds": 20}})");
  EXPECT_EQ(app.unreachableStrategy, (UnreachableStrategy{true, 10, 20}));
  // A missing expungeAfterSeconds never falls below inactiveAfterSeconds.
  app = parsed(R"({"id": "a", "cmd": "x", "unreachableStrategy": {"inactiveAfterSeconds": 900}})");
  EXPECT_EQ(app.unreachableStrategy, (UnreachableStrategy{true, 900, 900}));
}

TEST(ServicesAppTest, ToJsonWritesEveryDefault) {
  bj::value out = appToJson(parsed(R"({"id": "web", "cmd": "sleep 100"})"));
  EXPECT_EQ(out, json(R"({"id": "/web", "cmd": "sleep 100", "cpus": 1.0, "mem": 128.0, "disk": 0.0, "gpus": 0,
      "instances": 1, "executor": "", "env": {}, "labels": {}, "fetch": [], "constraints": [],
      "portDefinitions": [{"port": 0, "protocol": "tcp", "labels": {}}], "ports": [0], "requirePorts": false,
      "healthChecks": [], "readinessChecks": [],
      "upgradeStrategy": {"minimumHealthCapacity": 1.0, "maximumOverCapacity": 1.0, "rollbackOnFailure": false},
      "backoffSeconds": 1, "backoffFactor": 1.15, "maxLaunchDelaySeconds": 300, "killSelection": "YOUNGEST_FIRST",
      "unreachableStrategy": {"inactiveAfterSeconds": 300, "expungeAfterSeconds": 600}, "dependencies": [],
      "acceptedResourceRoles": []})"));
}

TEST(ServicesAppTest, ParseOfToJsonGivesTheSameApp) {
  AppDefinition app = parsed(testutil::kFullApp);
  EXPECT_EQ(parsed(bj::serialize(appToJson(app))), app);
  AppDefinition minimal = parsed(R"({"id": "/a/b", "args": ["x"]})");
  EXPECT_EQ(parsed(bj::serialize(appToJson(minimal))), minimal);
  AppDefinition disabled = parsed(R"({"id": "c", "container": {"type": "MESOS"}, "unreachableStrategy": "disabled",
      "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}}]})");
  EXPECT_EQ(parsed(bj::serialize(appToJson(disabled))), disabled);
}

TEST(ServicesAppTest, FullAppKeepsEveryField) {
  AppDefinition app = parsed(testutil::kFullApp);
  EXPECT_EQ(app.id.toString(), "/product/service/rails-app");
  EXPECT_EQ(app.cpus, 0.5);
  EXPECT_EQ(app.gpus, 1);
  EXPECT_EQ(app.instances, 3);
  EXPECT_EQ(app.executor, "//cmd");
  EXPECT_EQ(app.env.at("RAILS_ENV"), "production");
  EXPECT_EQ(app.labels.at("HAPROXY_GROUP"), "external");
  ASSERT_EQ(app.fetch.size(), 1u);
  EXPECT_EQ(app.fetch[0], (FetchUri{"https://h/app.tgz", false, true, true, "bin/app.tgz"}));
  ASSERT_EQ(app.portDefinitions.size(), 2u);
  EXPECT_EQ(app.portDefinitions[0].name, "http-api");
  EXPECT_EQ(app.portDefinitions[1].protocol, "udp");
  EXPECT_EQ(app.portDefinitions[1].labels.at("VIP_0"), "1.2.3.4:53");
  EXPECT_TRUE(app.requirePorts);
  EXPECT_EQ(app.healthChecks[0].protocol, "MESOS_HTTP");
  EXPECT_EQ(app.healthChecks[0].path, "/health");
  EXPECT_EQ(app.readinessChecks[0].httpStatusCodesForReady, (std::vector<int64_t>{200, 204}));
  EXPECT_EQ(app.upgradeStrategy, (UpgradeStrategy{0.5, 0.25, 120, true}));
  EXPECT_EQ(app.backoffSeconds, 2);
  EXPECT_EQ(app.backoffFactor, 2.0);
  EXPECT_EQ(app.maxLaunchDelaySeconds, 60);
  EXPECT_EQ(app.taskKillGracePeriodSeconds, 5);
  EXPECT_EQ(app.killSelection, KillSelection::kOldestFirst);
  EXPECT_EQ(app.user, "nobody");
  EXPECT_EQ(app.acceptedResourceRoles, (std::vector<std::string>{"*", "web"}));
  EXPECT_EQ(app.role, "web");
  EXPECT_EQ(app.version, "2015-09-28T19:47:37.681Z");
  EXPECT_EQ(app.versionInfo.lastScalingAt, "2015-09-28T19:47:37.681Z");
  EXPECT_EQ(app.versionInfo.lastConfigChangeAt, "2015-09-20T10:00:00.000Z");
}

}  // namespace
}  // namespace tepui::services
