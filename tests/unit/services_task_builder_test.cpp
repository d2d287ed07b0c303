// The TaskInfo an app's instance is launched with, and what Tepui refuses
// to run of a valid app.
#include <gtest/gtest.h>

#include "services/task_builder.hpp"
#include "services_test_util.hpp"

namespace tepui::services {
namespace {

using testutil::parsed;

v1::Offer offer() {
  v1::Offer o;
  o.mutable_id()->set_value("O1");
  o.mutable_framework_id()->set_value("F1");
  o.mutable_agent_id()->set_value("A1");
  o.set_hostname("agent1.example.com");
  return o;
}

std::map<std::string, std::string> envOf(const v1::TaskInfo& task) {
  std::map<std::string, std::string> out;
  for (auto& v : task.command().environment().variables()) out[v.name()] = v.value();
  return out;
}

TEST(TaskBuilderTest, ShellCommandPortsEnvironmentAndLabels) {
  AppDefinition app = parsed(R"({"id": "/product/web", "cmd": "python3 -m http.server $PORT0", "cpus": 0.5,
    "mem": 64, "labels": {"tier": "front"}, "env": {"MODE": "prod"}, "taskKillGracePeriodSeconds": 7,
    "portDefinitions": [{"port": 0, "name": "http"}, {"port": 0, "name": "admin"}],
    "fetch": [{"uri": "http://h/a.tgz", "destPath": "a.tgz"}]})");
  OfferMatch match;
  match.hostPorts = {31005, 31777};
  v1::Resource cpus;
  cpus.set_name("cpus");
  match.resources.push_back(cpus);
  v1::TaskInfo task = buildTask(app, offer(), match, {.taskId = "product_web.instance-1", .defaultUser = "nobody"});
  EXPECT_EQ(task.name(), "web.product");
  EXPECT_EQ(task.task_id().value(), "product_web.instance-1");
  EXPECT_EQ(task.agent_id().value(), "A1");
  EXPECT_EQ(task.resources_size(), 1);
  EXPECT_TRUE(task.command().shell());
  EXPECT_EQ(task.command().value(), "python3 -m http.server $PORT0");
  EXPECT_EQ(task.command().user(), "nobody");
  ASSERT_EQ(task.command().uris_size(), 1);
  EXPECT_EQ(task.command().uris(0).output_file(), "a.tgz");
  auto env = envOf(task);
  EXPECT_EQ(env["PORT0"], "31005");
  EXPECT_EQ(env["PORT1"], "31777");
  EXPECT_EQ(env["PORT_HTTP"], "31005");
  EXPECT_EQ(env["HOST"], "agent1.example.com");
  EXPECT_EQ(env["MARATHON_APP_ID"], "/product/web");
  EXPECT_EQ(env["MODE"], "prod");
  ASSERT_EQ(task.labels().labels_size(), 1);
  EXPECT_EQ(task.labels().labels(0).key(), "tier");
  EXPECT_EQ(task.kill_policy().grace_period().nanoseconds(), 7'000'000'000LL);
  ASSERT_EQ(task.discovery().ports().ports_size(), 2);
  EXPECT_EQ(task.discovery().ports().ports(1).name(), "admin");
  EXPECT_EQ(task.discovery().ports().ports(1).number(), 31777u);
  EXPECT_FALSE(task.has_health_check());
  EXPECT_FALSE(task.has_check());
}

TEST(TaskBuilderTest, ArgsRunWithoutAShell) {
  AppDefinition app = parsed(R"({"id": "/a", "args": ["/bin/sleep", "100"]})");
  v1::TaskInfo task = buildTask(app, offer(), OfferMatch{}, {.taskId = "a.instance-1"});
  EXPECT_FALSE(task.command().shell());
  EXPECT_EQ(task.command().value(), "/bin/sleep");
  ASSERT_EQ(task.command().arguments_size(), 2);
  EXPECT_EQ(task.command().arguments(1), "100");
  EXPECT_FALSE(task.command().has_user());
}

TEST(TaskBuilderTest, HealthChecksRunOnTheAgentAtTheTasksPort) {
  AppDefinition app = parsed(R"({"id": "/a", "cmd": "x", "portDefinitions": [{"port": 0}, {"port": 0}],
    "healthChecks": [{"protocol": "HTTP", "path": "/health", "portIndex": 1, "maxConsecutiveFailures": 0,
                      "intervalSeconds": 2, "timeoutSeconds": 1, "gracePeriodSeconds": 30}]})");
  OfferMatch match;
  match.hostPorts = {31000, 31001};
  v1::TaskInfo task = buildTask(app, offer(), match, {.taskId = "t"});
  ASSERT_TRUE(task.has_health_check());
  auto& h = task.health_check();
  EXPECT_EQ(h.type(), v1::HealthCheck::HTTP);
  EXPECT_EQ(h.http().port(), 31001u);
  EXPECT_EQ(h.http().path(), "/health");
  EXPECT_EQ(h.interval_seconds(), 2);
  EXPECT_EQ(h.grace_period_seconds(), 30);
  // 0 means "never kill" for a check the services scheduler used to run.
  EXPECT_EQ(h.consecutive_failures(), std::numeric_limits<uint32_t>::max());

  AppDefinition mesos = parsed(R"({"id": "/a", "cmd": "x", "portDefinitions": [{"port": 0}],
    "healthChecks": [{"protocol": "MESOS_TCP", "maxConsecutiveFailures": 0}]})");
  match.hostPorts = {31500};
  task = buildTask(mesos, offer(), match, {.taskId = "t"});
  EXPECT_EQ(task.health_check().type(), v1::HealthCheck::TCP);
  EXPECT_EQ(task.health_check().tcp().port(), 31500u);
  EXPECT_EQ(task.health_check().consecutive_failures(), 0u);

  AppDefinition command = parsed(R"({"id": "/a", "cmd": "x",
    "healthChecks": [{"protocol": "COMMAND", "command": {"value": "test -f ok"}}]})");
  task = buildTask(command, offer(), OfferMatch{}, {.taskId = "t"});
  EXPECT_EQ(task.health_check().type(), v1::HealthCheck::COMMAND);
  EXPECT_EQ(task.health_check().command().value(), "test -f ok");
}

TEST(TaskBuilderTest, ReadinessBecomesAnHttpCheckOnTheNamedPort) {
  AppDefinition app = parsed(R"({"id": "/a", "cmd": "x",
    "portDefinitions": [{"port": 0, "name": "metrics"}, {"port": 0, "name": "http-api"}],
    "readinessChecks": [{"path": "/ready", "intervalSeconds": 3, "timeoutSeconds": 2}]})");
  OfferMatch match;
  match.hostPorts = {31000, 31001};
  v1::TaskInfo task = buildTask(app, offer(), match, {.taskId = "t"});
  ASSERT_TRUE(task.has_check());
  EXPECT_EQ(task.check().type(), v1::CheckInfo::HTTP);
  EXPECT_EQ(task.check().http().port(), 31001u);
  EXPECT_EQ(task.check().http().path(), "/ready");
  EXPECT_EQ(task.check().interval_seconds(), 3);
}

TEST(TaskBuilderTest, WhatTepuiCannotRunIsNamedWithItsPath) {
  EXPECT_TRUE(unsupportedAppFeatures(parsed(R"({"id": "/a", "cmd": "x"})")).empty());
  // Several checks are fine (the leader probes them); HTTPS ones are not.
  EXPECT_TRUE(unsupportedAppFeatures(parsed(R"({"id": "/a", "cmd": "x",
    "healthChecks": [{"protocol": "HTTP"}, {"protocol": "TCP"}]})"))
                  .empty());
  auto https = unsupportedAppFeatures(parsed(R"({"id": "/a", "cmd": "x",
    "healthChecks": [{"protocol": "TCP"}, {"protocol": "HTTPS"}]})"));
  ASSERT_EQ(https.size(), 1u);
  EXPECT_EQ(https[0].first, "/healthChecks(1)/protocol");
}

TEST(TaskBuilderTest, SeveralHealthChecksStayOffTheTask) {
  AppDefinition app = parsed(R"({"id": "/a", "cmd": "x", "portDefinitions": [{"port": 0}, {"port": 0}],
    "healthChecks": [{"protocol": "HTTP", "path": "/health"}, {"protocol": "TCP", "portIndex": 1}]})");
  EXPECT_TRUE(schedulerProbes(app));
  OfferMatch match;
  match.hostPorts = {31000, 31001};
  EXPECT_FALSE(buildTask(app, offer(), match, {.taskId = "t"}).has_health_check());
  app.healthChecks.pop_back();
  EXPECT_FALSE(schedulerProbes(app));
  EXPECT_TRUE(buildTask(app, offer(), match, {.taskId = "t"}).has_health_check());
}

}  // namespace
}  // namespace tepui::services
