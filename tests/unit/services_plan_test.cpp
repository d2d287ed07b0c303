// Deployment plans (stops, starts, then one step per dependency layer) and
// the rolling-restart arithmetic.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/app_update.hpp"
#include "services/deployment_plan.hpp"
#include "services/restart_strategy.hpp"
#include "services_test_util.hpp"

namespace tepui::services {
namespace {

using testutil::applied;
using testutil::json;
using testutil::pid;

// Steps as "Action /app" strings, one vector per step.
std::vector<std::vector<std::string>> stepsOf(const DeploymentPlan& plan) {
  std::vector<std::vector<std::string>> out;
  for (const DeploymentStep& step : plan.steps) {
    std::vector<std::string> actions;
    for (const DeploymentAction& a : step.actions)
      actions.push_back(std::string(actionName(a.kind)) + " " + a.app.toString());
    out.push_back(actions);
  }
  return out;
}

TEST(ServicesPlanTest, TheProductGroupStartsDatabasesFirst) {
  Group target = applied(Group{}, testutil::kProduct, "v1");
  DeploymentPlan plan = planDeployment(Group{}, target, "v1");
  EXPECT_EQ(stepsOf(plan),
            (std::vector<std::vector<std::string>>{
                {"StartApplication /product/database/mongo", "StartApplication /product/database/mysql",
                 "StartApplication /product/service/play-app", "StartApplication /product/service/rails-app"},
                {"ScaleApplication /product/database/mongo", "ScaleApplication /product/database/mysql"},
                {"ScaleApplication /product/service/play-app", "ScaleApplication /product/service/rails-app"}}));
  EXPECT_EQ(plan.steps[0].actions[0].instances, 0);  // started at 0 instances
  EXPECT_EQ(plan.steps[1].actions[0].instances, 2);  // then scaled to the target
  EXPECT_EQ(plan.steps[2].actions[1].instances, 3);
  EXPECT_EQ(plan.affectedApps.size(), 4u);
  EXPECT_EQ(plan.version, "v1");
  EXPECT_EQ(plan.id.size(), 36u);  // a UUID
  EXPECT_NE(planDeployment(Group{}, target, "v1").id, plan.id);
}

TEST(ServicesPlanTest, DependentsStopBeforeTheirDependencies) {
  Group original = applied(Group{}, testutil::kProduct, "v1");
  DeploymentPlan plan = planDeployment(original, Group{}, "v2");
  EXPECT_EQ(stepsOf(plan),
            (std::vector<std::vector<std::string>>{
                {"StopApplication /product/service/play-app", "StopApplication /product/service/rails-app"},
                {"StopApplication /product/database/mongo", "StopApplication /product/database/mysql"}}));
}

TEST(ServicesPlanTest, ScaleOnlyChangesScaleAndConfigChangesRestart) {
  Group original = applied(Group{}, testutil::kProduct, "v1");
  Group scaled = applied(original, R"({"id": "/product/service", "scaleBy": 2})", "v2");
  EXPECT_EQ(stepsOf(planDeployment(original, scaled, "v2")),
            (std::vector<std::vector<std::string>>{
                {"ScaleApplication /product/service/play-app", "ScaleApplication /product/service/rails-app"}}));
  EXPECT_EQ(planDeployment(original, scaled, "v2").steps[0].actions[1].instances, 6);

  // A config change of a database app and of a service app: restarts in
  // dependency order, the unchanged apps untouched.
  Group target = original;
  AppDefinition mysql = *findApp(original, pid("/product/database/mysql"));
  mysql.cmd = "mysqld --v2";
  ASSERT_TRUE(putApp(target, mysql).ok());
  AppDefinition rails = *findApp(original, pid("/product/service/rails-app"));
  rails.mem = 1024;
  rails.instances = 5;  // with a config change: still a restart
  ASSERT_TRUE(putApp(target, rails).ok());
  DeploymentPlan plan = planDeployment(original, target, "v2");
  EXPECT_EQ(stepsOf(plan), (std::vector<std::vector<std::string>>{{"RestartApplication /product/database/mysql"},
                                                                  {"RestartApplication /product/service/rails-app"}}));
  EXPECT_EQ(plan.steps[1].actions[0].instances, 5);
  EXPECT_EQ(plan.affectedApps,
            (std::vector<PathId>{pid("/product/database/mysql"), pid("/product/service/rails-app")}));
}

TEST(ServicesPlanTest, NothingChangedMeansNoSteps) {
  Group original = applied(Group{}, testutil::kProduct, "v1");
  EXPECT_TRUE(planDeployment(original, original, "v2").steps.empty());
  EXPECT_TRUE(planDeployment(original, original, "v2").affectedApps.empty());
}

TEST(ServicesPlanTest, AForcedRestartRestarts) {
  Group original = applied(Group{}, testutil::kProduct, "v1");
  const AppDefinition* mongo = findApp(original, pid("/product/database/mongo"));
  Group target = original;
  ASSERT_TRUE(putApp(target, stampVersion(mongo, *mongo, "v2", /*forceRestart=*/true)).ok());
  EXPECT_EQ(stepsOf(planDeployment(original, target, "v2")),
            (std::vector<std::vector<std::string>>{{"RestartApplication /product/database/mongo"}}));
}

TEST(ServicesPlanTest, MixedChangesKeepTheStepOrder) {
  Group original = applied(Group{}, R"({"id": "/x", "apps": [{"id": "old", "cmd": "x"}, {"id": "keep", "cmd": "x"}]})");
  Group target = applied(original, R"({"id": "/x", "apps": [{"id": "keep", "cmd": "x", "instances": 4},
      {"id": "new", "cmd": "x", "dependencies": ["keep"]}]})",
                         "v2");
  EXPECT_EQ(stepsOf(planDeployment(original, target, "v2")),
            (std::vector<std::vector<std::string>>{{"StopApplication /x/old"},
                                                   {"StartApplication /x/new"},
                                                   {"ScaleApplication /x/keep"},
                                                   {"ScaleApplication /x/new"}}));
  // The rollback is the plan back.
  EXPECT_EQ(stepsOf(planDeployment(target, original, "v3")),
            (std::vector<std::vector<std::string>>{{"StopApplication /x/new"},
                                                   {"StartApplication /x/old"},
                                                   {"ScaleApplication /x/keep", "ScaleApplication /x/old"}}));
}

TEST(ServicesPlanTest, PlanJsonIsTheDeploymentsShape) {
  Group original = applied(Group{}, R"({"id": "/x", "apps": [{"id": "a", "cmd": "x"}]})", "v1");
  Group target = applied(original, R"({"id": "/x", "scaleBy": 3})", "v2");
  DeploymentPlan plan = planDeployment(original, target, "v2", "5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43");
  boost::json::array current{actionToJson(plan.steps[0].actions[0])};
  EXPECT_EQ(planToJson(plan, 1, current), json(R"({"id": "5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43", "version": "v2",
      "affectedApps": ["/x/a"], "affectedPods": [],
      "steps": [{"actions": [{"action": "ScaleApplication", "app": "/x/a"}]}],
      "currentActions": [{"action": "ScaleApplication", "app": "/x/a"}], "currentStep": 1, "totalSteps": 1})"));
}

TEST(ServicesPlanTest, RestartWithFullCapacityStartsAllNewThenKillsAllOld) {
  // minimumHealthCapacity 1, maximumOverCapacity 1: keep all 5 old, room for 5 new.
  EXPECT_EQ(restartStrategy(5, 1.0, 1.0, 5, 5),
            (RestartStrategy{.killImmediately = 0, .maxCapacity = 10, .minHealthy = 5}));
}

TEST(ServicesPlanTest, RestartWithZeroHealthCapacityKillsAllOldFirst) {
  EXPECT_EQ(restartStrategy(5, 0.0, 1.0, 5, 5),
            (RestartStrategy{.killImmediately = 5, .maxCapacity = 10, .minHealthy = 0}));
  EXPECT_EQ(restartStrategy(5, 0.0, 0.0, 5, 5),
            (RestartStrategy{.killImmediately = 5, .maxCapacity = 5, .minHealthy = 0}));
}

TEST(ServicesPlanTest, RestartArithmeticTable) {
  // N, minHC, maxOC, healthy, running -> kill, maxCapacity, minHealthy
  EXPECT_EQ(restartStrategy(5, 0.5, 0.0, 5, 5), (RestartStrategy{2, 5, 3}));  // ceil(2.5) = 3 kept
  EXPECT_EQ(restartStrategy(4, 0.5, 0.5, 4, 4), (RestartStrategy{2, 6, 2}));
  EXPECT_EQ(restartStrategy(3, 1.0, 0.5, 3, 3), (RestartStrategy{0, 4, 3}));      // floor(4.5)
  EXPECT_EQ(restartStrategy(10, 0.7, 0.1, 10, 10), (RestartStrategy{3, 11, 7}));  // no floating noise
  EXPECT_EQ(restartStrategy(5, 0.6, 1.0, 2, 5), (RestartStrategy{0, 10, 3}));     // few healthy: kill none
  // More old instances running than wanted: the extra ones go at once.
  EXPECT_EQ(restartStrategy(3, 1.0, 1.0, 5, 5), (RestartStrategy{2, 6, 3}));
  EXPECT_EQ(restartStrategy(3, 1.0, 1.0, 1, 5), (RestartStrategy{2, 6, 3}));
  // Scaling to 0: everything old goes.
  EXPECT_EQ(restartStrategy(0, 1.0, 1.0, 4, 4), (RestartStrategy{4, 0, 0}));
}

TEST(ServicesPlanTest, RestartEdgeCaseWhenMinHealthyEqualsMaxCapacity) {
  // {1, 0}: minHealthy == maxCapacity == 5 would block every start; one
  // instance of over-capacity is allowed instead.
  EXPECT_EQ(restartStrategy(5, 1.0, 0.0, 5, 5),
            (RestartStrategy{.killImmediately = 0, .maxCapacity = 6, .minHealthy = 5}));
  // A resident app cannot exceed capacity: it kills one below minHealthy.
  EXPECT_EQ(restartStrategy(5, 1.0, 0.0, 5, 5, /*resident=*/true),
            (RestartStrategy{.killImmediately = 1, .maxCapacity = 5, .minHealthy = 5}));
  EXPECT_EQ(restartStrategy(1, 1.0, 0.0, 1, 1), (RestartStrategy{0, 2, 1}));
  // Not enough healthy instances to be blocked: no adjustment.
  EXPECT_EQ(restartStrategy(5, 1.0, 0.0, 4, 5), (RestartStrategy{0, 5, 5}));
}

}  // namespace
}  // namespace tepui::services
