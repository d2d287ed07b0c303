// Unit tests for a service task's environment (src/services/task_env.hpp).
#include <gtest/gtest.h>

#include "services/task_env.hpp"

namespace tepui::services {
namespace {

TaskEnvInputs frontend() {
  TaskEnvInputs inputs;
  inputs.appId = "/product/frontend";
  inputs.appVersion = "2015-09-28T19:47:37.681Z";
  inputs.taskId = "product_frontend.0a1b";
  inputs.host = "srv4.example.com";
  inputs.ports = {{8080, 31001, "http"}, {0, 31002, "admin-api"}};
  inputs.cpus = 1;
  inputs.mem = 128;
  inputs.disk = 0;
  inputs.gpus = 0;
  inputs.labels = {{"team", "web"}, {"load-balancer.vhost", "a.example.com"}};
  return inputs;
}

TEST(ServicesTaskEnv, PortsHostAppAndLabels) {
  const std::map<std::string, std::string> env = taskEnvironment(frontend());
  const std::map<std::string, std::string> expected{
      {"PORT0", "31001"},
      {"PORT1", "31002"},
      {"PORT", "31001"},
      {"PORTS", "31001,31002"},
      {"PORT_8080", "31001"},
      {"PORT_31002", "31002"},  // no requested number: the host port names it
      {"PORT_HTTP", "31001"},
      {"PORT_ADMIN_API", "31002"},
      {"HOST", "srv4.example.com"},
      {"MESOS_TASK_ID", "product_frontend.0a1b"},
      {"MARATHON_APP_ID", "/product/frontend"},
      {"MARATHON_APP_VERSION", "2015-09-28T19:47:37.681Z"},
      {"MARATHON_APP_RESOURCE_CPUS", "1.0"},
      {"MARATHON_APP_RESOURCE_MEM", "128.0"},
      {"MARATHON_APP_RESOURCE_DISK", "0.0"},
      {"MARATHON_APP_RESOURCE_GPUS", "0"},
      {"MARATHON_APP_LABELS", "LOAD_BALANCER_VHOST TEAM"},
      {"MARATHON_APP_LABEL_LOAD_BALANCER_VHOST", "a.example.com"},
      {"MARATHON_APP_LABEL_TEAM", "web"},
  };
  EXPECT_EQ(env, expected);
}

TEST(ServicesTaskEnv, NoPortsNoPortVariables) {
  TaskEnvInputs inputs = frontend();
  inputs.ports.clear();
  inputs.labels.clear();
  inputs.dockerImage = "nginx:1.25";
  const auto env = taskEnvironment(inputs);
  EXPECT_FALSE(env.contains("PORT"));
  EXPECT_FALSE(env.contains("PORTS"));
  EXPECT_FALSE(env.contains("PORT0"));
  EXPECT_EQ(env.at("MARATHON_APP_LABELS"), "");
  EXPECT_EQ(env.at("MARATHON_APP_DOCKER_IMAGE"), "nginx:1.25");
}

TEST(ServicesTaskEnv, TheAppsOwnEnvironmentWins) {
  TaskEnvInputs inputs = frontend();
  inputs.env = {{"PORT0", "80"}, {"HOST", "0.0.0.0"}, {"MINE", "yes"}};
  const auto env = taskEnvironment(inputs);
  EXPECT_EQ(env.at("PORT0"), "80");
  EXPECT_EQ(env.at("HOST"), "0.0.0.0");
  EXPECT_EQ(env.at("MINE"), "yes");
  EXPECT_EQ(env.at("PORT1"), "31002");
}

TEST(ServicesTaskEnv, ThePrefixNamesOnlyPortsAndHost) {
  TaskEnvInputs inputs = frontend();
  inputs.prefix = "TEPUI_";
  const auto env = taskEnvironment(inputs);
  EXPECT_EQ(env.at("TEPUI_PORT0"), "31001");
  EXPECT_EQ(env.at("TEPUI_PORT_HTTP"), "31001");
  EXPECT_EQ(env.at("TEPUI_HOST"), "srv4.example.com");
  EXPECT_FALSE(env.contains("PORT0"));
  EXPECT_EQ(env.at("MARATHON_APP_ID"), "/product/frontend");
}

TEST(ServicesTaskEnv, OverlongLabelsAreLeftOut) {
  TaskEnvInputs inputs = frontend();
  inputs.labels = {{std::string(493, 'k'), "v"}, {"big", std::string(512, 'v')}, {"ok", std::string(511, 'v')}};
  const auto env = taskEnvironment(inputs);
  EXPECT_EQ(env.at("MARATHON_APP_LABELS"), "OK");
  EXPECT_FALSE(env.contains("MARATHON_APP_LABEL_BIG"));
}

TEST(ServicesTaskEnv, EnvironmentNames) {
  EXPECT_EQ(environmentName("http-api"), "HTTP_API");
  EXPECT_EQ(environmentName("a.b/c"), "A_B_C");
  EXPECT_EQ(environmentName("a--b"), "A_B");   // a run becomes one '_'
  EXPECT_EQ(environmentName("a__b"), "A__B");  // '_' itself is kept
  EXPECT_EQ(environmentName("a_-b"), "A__B");
  EXPECT_EQ(environmentName("Mixed9"), "MIXED9");
}

TEST(ServicesTaskEnv, DoublesAsJavaWritesThem) {
  EXPECT_EQ(javaDoubleText(1), "1.0");
  EXPECT_EQ(javaDoubleText(0.5), "0.5");
  EXPECT_EQ(javaDoubleText(0.001), "0.001");
  EXPECT_EQ(javaDoubleText(1024.25), "1024.25");
  EXPECT_EQ(javaDoubleText(1e7), "1.0E7");
  EXPECT_EQ(javaDoubleText(1.5e-5), "1.5E-5");
  EXPECT_EQ(javaDoubleText(0), "0.0");
}

}  // namespace
}  // namespace tepui::services
